import type { IHeaders, Kafka } from 'kafkajs';
import { z } from 'zod';
import type { Outgoing } from './coalescing-producer';
import { readTopic, type ReadRange, type TopicRecord } from './read-topic';
import { TOPICS } from './topics';

/**
 * The one writer of `jml.events.dlq.v1` and the one declaration of its headers. Every producer of
 * dead letters (the gateway's refusals, the pollers' observations that cannot become events or
 * events over the size cap, the dispatcher's unreadable records) writes through
 * {@link deadLetterRecord}, so an operator reads every record the same way
 * (docs/operations-kafka.md, "Dead letters").
 *
 * The record's value is the input as it was (a webhook body, a poll's observation, an events-topic
 * record); its key is the sender's delivery id or the original record's key, when there is one.
 */
export const DEAD_LETTER_HEADERS = {
  /** Why: a gateway error code (`invalid-payload`, `event-too-large`, …) or a dispatcher read code. */
  code: 'jml-reject-code',
  /** The reason in words, at most {@link MAX_REASON_CHARS} characters. */
  reason: 'jml-reject-reason',
  /** When the record was dead-lettered, ISO-8601 UTC. */
  receivedAt: 'jml-received-at',
  /** Where the input came in: `/v1/events`, `/webhooks/bamboohr/<tenant>`, `/pollers/<source>/<tenant>`. */
  route: 'jml-route',
  /** The record it replaces, as `<topic>/<partition>/<offset>` (dispatcher). */
  origin: 'jml-origin',
  /**
   * Gateway: the request headers the source's verification reads (its `signatureHeaders`: signature,
   * timestamp, delivery id), as received, as a JSON object; at most {@link MAX_DELIVERY_HEADERS_BYTES}.
   * With the body they let the delivery be verified again when it is re-driven (services/dlq/).
   */
  deliveryHeaders: 'jml-delivery-headers',
  /** Gateway: the delivery's Content-Type as received (the source parses by it), at most {@link MAX_CONTENT_TYPE_CHARS}. */
  contentType: 'jml-content-type',
} as const;

/** Longest reason kept; the topic's size headroom counts on it (services/kafka/topics.ts). */
export const MAX_REASON_CHARS = 4_000;

/**
 * Most bytes of the {@link DEAD_LETTER_HEADERS.deliveryHeaders} JSON. A signature, a timestamp and
 * an id take a few hundred; with the reason it stays inside the records' 16 KiB headroom
 * (RECORD_HEADROOM_BYTES in services/kafka/topics.ts).
 */
export const MAX_DELIVERY_HEADERS_BYTES = 2_048;

/** Longest Content-Type kept; a longer one is left out (no source takes it). */
export const MAX_CONTENT_TYPE_CHARS = 200;

/**
 * The code of a delivery to a tenant that is not configured. Answered exactly as a wrong signature
 * (401 `signature-invalid`), so it is no gateway error code; it exists only in the DLQ, where a
 * delivery for a tenant about to be configured waits to be re-driven.
 */
export const UNKNOWN_TENANT_CODE = 'unknown-tenant';

/** The headers of a dead letter, as read back from Kafka: code, reason and time always; route or origin. */
export const DeadLetterHeaders = z
  .object({
    [DEAD_LETTER_HEADERS.code]: z.string().min(1),
    [DEAD_LETTER_HEADERS.reason]: z.string().max(MAX_REASON_CHARS),
    [DEAD_LETTER_HEADERS.receivedAt]: z.iso.datetime(),
    [DEAD_LETTER_HEADERS.route]: z.string().min(1).optional(),
    [DEAD_LETTER_HEADERS.origin]: z.string().min(1).optional(),
    [DEAD_LETTER_HEADERS.deliveryHeaders]: z.string().max(MAX_DELIVERY_HEADERS_BYTES).optional(),
    [DEAD_LETTER_HEADERS.contentType]: z.string().max(MAX_CONTENT_TYPE_CHARS).optional(),
  })
  .refine((h) => h[DEAD_LETTER_HEADERS.route] !== undefined || h[DEAD_LETTER_HEADERS.origin] !== undefined, { message: 'a dead letter names its route or its origin' });
export type DeadLetterHeaders = z.infer<typeof DeadLetterHeaders>;

/** What is dead-lettered, and why. */
export interface DeadLetter {
  code: string;
  reason: string;
  /** The input as it was. */
  value: Buffer | string | null;
  key?: Buffer | string | null;
  /** Where the input came in (gateway and pollers). */
  route?: string;
  /** The record it replaces (dispatcher). */
  origin?: string;
  /** The request headers the source's verification reads, by lowercase name (gateway); kept as far as {@link MAX_DELIVERY_HEADERS_BYTES} allows. */
  deliveryHeaders?: Readonly<Record<string, string>>;
  /** The delivery's Content-Type (gateway). */
  contentType?: string;
  /** Milliseconds since the epoch: when the gateway received the delivery, or when the record was dead-lettered. */
  at: number;
}

/** The DLQ record of `letter`: its headers per {@link DEAD_LETTER_HEADERS}, the reason cut to {@link MAX_REASON_CHARS}. */
export function deadLetterRecord(letter: DeadLetter): Outgoing {
  return {
    topic: TOPICS.dlq,
    message: {
      key: letter.key ?? null,
      value: letter.value,
      headers: {
        [DEAD_LETTER_HEADERS.code]: letter.code,
        [DEAD_LETTER_HEADERS.reason]: letter.reason.slice(0, MAX_REASON_CHARS),
        ...(letter.route !== undefined ? { [DEAD_LETTER_HEADERS.route]: letter.route } : {}),
        ...(letter.origin !== undefined ? { [DEAD_LETTER_HEADERS.origin]: letter.origin } : {}),
        ...(letter.deliveryHeaders !== undefined ? { [DEAD_LETTER_HEADERS.deliveryHeaders]: deliveryHeadersText(letter.deliveryHeaders) } : {}),
        ...(letter.contentType !== undefined && letter.contentType.length <= MAX_CONTENT_TYPE_CHARS ? { [DEAD_LETTER_HEADERS.contentType]: letter.contentType } : {}),
        [DEAD_LETTER_HEADERS.receivedAt]: new Date(letter.at).toISOString(),
      },
    },
  };
}

/**
 * The {@link DEAD_LETTER_HEADERS.deliveryHeaders} value: the headers as a JSON object, in the order
 * given, leaving out any that would take it over {@link MAX_DELIVERY_HEADERS_BYTES} (a sender's
 * oversized header then fails the re-drive's verification, which says so, instead of the DLQ write).
 */
export function deliveryHeadersText(headers: Readonly<Record<string, string>>): string {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    kept[name] = value;
    if (Buffer.byteLength(JSON.stringify(kept)) > MAX_DELIVERY_HEADERS_BYTES) delete kept[name];
  }
  return JSON.stringify(kept);
}

const DeliveryHeaders = z.record(z.string(), z.string());

/** The request headers a dead letter kept ({@link DEAD_LETTER_HEADERS.deliveryHeaders}); empty when it kept none. Throws when the value is not such a JSON object. */
export function readDeliveryHeaders(headers: DeadLetterHeaders): Record<string, string> {
  const text = headers[DEAD_LETTER_HEADERS.deliveryHeaders];
  return text === undefined ? {} : DeliveryHeaders.parse(JSON.parse(text));
}

/** Writes one dead letter; resolves once Kafka acknowledged it, rejects as the sink does otherwise. */
export async function writeDeadLetter(sink: { send(items: Outgoing[]): Promise<void> }, letter: DeadLetter): Promise<void> {
  await sink.send([deadLetterRecord(letter)]);
}

/** Reads a dead letter's headers back (Kafka hands them over as Buffers); throws when they break the schema. */
export function readDeadLetterHeaders(headers: IHeaders | undefined): DeadLetterHeaders {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) text[name] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return DeadLetterHeaders.parse(text);
}

/** The DLQ topic's records in `range`, read back to its end as it was when the read started (services/dlq/ lists and re-drives them). */
export async function readDeadLetterRecords(kafka: Kafka, range: ReadRange = {}): Promise<TopicRecord[]> {
  return readTopic({ kafka, topic: TOPICS.dlq, ...range });
}
