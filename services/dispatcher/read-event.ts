import type { KafkaMessage } from 'kafkajs';
import { JmlEventReader, readableSchemaVersion, type JmlEvent } from '../../schemas/jml-event.v1';

/** Why a record on an events topic cannot be dispatched; the DLQ's `jml-reject-code`. */
export type UnreadableCode = 'unsupported-schema-version' | 'invalid-event';

export type ReadEventResult = { ok: true; event: JmlEvent } | { ok: false; code: UnreadableCode; reason: string };

/**
 * Reads one record of `jml.events.v1` (or the leaver lane) the way docs/decisions/0003-event-evolution.md
 * says a v1 reader must: a record of another major version (header `jml-schema-version`) is
 * unreadable; otherwise the body must satisfy every v1 rule, and fields this build does not know
 * (a newer minor version's) are kept in the returned event exactly as they were. Never throws.
 */
export function readEventRecord(message: Pick<KafkaMessage, 'value' | 'headers'>): ReadEventResult {
  const read = readV1Record(message, JmlEventReader);
  return read.ok ? { ok: true, event: read.value as JmlEvent } : read;
}

/**
 * One v1 record of any versioned topic, checked by `reader` (header `jml-schema-version` of major
 * version 1, JSON, every v1 rule of that reader). Never throws.
 */
export function readV1Record(
  message: Pick<KafkaMessage, 'value' | 'headers'>,
  reader: { safeParse(json: unknown): { success: true; data: unknown } | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } } },
): { ok: true; value: unknown } | { ok: false; code: UnreadableCode; reason: string } {
  const header = message.headers?.['jml-schema-version'];
  const version = readableSchemaVersion(header === undefined ? undefined : String(header));
  if (!version.ok) return { ok: false, code: 'unsupported-schema-version', reason: version.reason };
  let json: unknown;
  try {
    json = JSON.parse(message.value?.toString('utf8') ?? '');
  } catch (err) {
    return { ok: false, code: 'invalid-event', reason: `not JSON: ${(err as Error).message}` };
  }
  const parsed = reader.safeParse(json);
  if (!parsed.success) {
    return { ok: false, code: 'invalid-event', reason: parsed.error.issues.slice(0, 20).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ') };
  }
  return { ok: true, value: parsed.data };
}
