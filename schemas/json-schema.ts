import { z } from 'zod';
import { JmlEvent } from './jml-event.v1';

/** JSON Schema files for consumers outside TypeScript, keyed by file name. Committed; a test checks drift. */
export function renderJsonSchemas(): Record<string, string> {
  const schema = z.toJSONSchema(JmlEvent, { target: 'draft-2020-12', io: 'input' });
  return {
    'jml-event.v1.schema.json': `${JSON.stringify({ $id: 'https://jml-pipeline.dev/schemas/jml-event.v1.schema.json', title: 'JmlEvent v1', ...schema }, null, 2)}\n`,
  };
}
