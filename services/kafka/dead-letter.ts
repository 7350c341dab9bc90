import type { IHeaders } from 'kafkajs';
import { z } from 'zod';
import type { Outgoing } from './coalescing-producer';
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
} as const;

/** Longest reason kept; the topic's size headroom counts on it (services/kafka/topics.ts). */
export const MAX_REASON_CHARS = 4_000;

/** The headers of a dead letter, as read back from Kafka: code, reason and time always; route or origin. */
export const DeadLetterHeaders = z
  .object({
    [DEAD_LETTER_HEADERS.code]: z.string().min(1),
    [DEAD_LETTER_HEADERS.reason]: z.string().max(MAX_REASON_CHARS),
    [DEAD_LETTER_HEADERS.receivedAt]: z.iso.datetime(),
    [DEAD_LETTER_HEADERS.route]: z.string().min(1).optional(),
    [DEAD_LETTER_HEADERS.origin]: z.string().min(1).optional(),
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
  /** Milliseconds since the epoch. */
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
        [DEAD_LETTER_HEADERS.receivedAt]: new Date(letter.at).toISOString(),
      },
    },
  };
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
