import { deadLetterRecord, type DeadLetter } from '../../kafka/dead-letter';
import type { TopicRecord } from '../../kafka/read-topic';

/** A DLQ record as the one writer writes it and Kafka hands it back (headers and values as Buffers), at a given place (tests). */
export function recordOf(letter: DeadLetter, partition: number, offset: number): TopicRecord {
  const { message } = deadLetterRecord(letter);
  const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v))]));
  const bytes = (v: unknown) => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(String(v)));
  return { partition, offset: String(offset), timestamp: letter.at, key: bytes(message.key), value: bytes(message.value), headers };
}
