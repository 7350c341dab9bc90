import { z } from 'zod';
import { AuditRecord } from './audit-record.v1';
import { ReconcileFinding } from './reconcile-finding.v1';
import { JmlEvent, JmlEventReader } from './jml-event.v1';
import { SecurityAction } from './security-action.v1';

/** JSON Schema files for consumers outside TypeScript, keyed by file name. Committed; a test checks drift. */
export function renderJsonSchemas(): Record<string, string> {
  const render = (file: string, title: string, schema: z.ZodType) =>
    `${JSON.stringify({ $id: `https://jml-pipeline.dev/schemas/${file}`, title, ...z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) }, null, 2)}\n`;
  return {
    'jml-event.v1.schema.json': render('jml-event.v1.schema.json', 'JmlEvent v1', JmlEvent),
    // For consumers of the Kafka topics: fields of a newer minor version are allowed (docs/decisions/0003-event-evolution.md).
    'jml-event.v1.reader.schema.json': render('jml-event.v1.reader.schema.json', 'JmlEvent v1, as read from Kafka', JmlEventReader),
    'audit-record.v1.schema.json': render('audit-record.v1.schema.json', 'AuditRecord v1', AuditRecord),
    'reconcile-finding.v1.schema.json': render('reconcile-finding.v1.schema.json', 'ReconcileFinding v1', ReconcileFinding),
    // For senders of suspensions to the canonical API.
    'security-action.v1.schema.json': render('security-action.v1.schema.json', 'SecurityAction v1', SecurityAction),
  };
}
