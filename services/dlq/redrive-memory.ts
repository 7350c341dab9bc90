import type { Redis } from 'ioredis';
import type { RejectedItem } from '../../sources/sdk/define';

/**
 * What the last re-drive of a dead letter did. Kafka records cannot change, so a letter's status
 * lives here, in Redis, by its place in the topic: a letter re-driven is skipped by the next re-drive
 * (edge dedupe would drop its events anyway), and a letter whose re-drive failed keeps the new
 * reason for `list` and `show` without a new record in the DLQ (so re-drives never feed themselves).
 */
export type RedriveOutcome =
  | { status: 'redriven'; at: string; accepted: string[]; duplicates: string[]; rejected: RejectedItem[] }
  | { status: 'failed'; at: string; code: string; reason: string };

/** The letter an outcome belongs to: its id, and its `receivedAt`, so that a recreated topic's letter at the same offset is never taken for it. */
export interface LetterRef {
  id: string;
  receivedAt: string;
}

export interface RedriveMemory {
  /** The outcomes remembered for `letters`, by id. Throws when the store is unreachable. */
  recall(letters: readonly LetterRef[]): Promise<Map<string, RedriveOutcome>>;
  remember(letter: LetterRef, outcome: RedriveOutcome): Promise<void>;
}

/** Re-drive outcomes in Redis, one key per letter, kept as long as the DLQ keeps its records. */
export function redisRedriveMemory(redis: Redis, opts: { ttlSeconds: number; keyPrefix?: string }): RedriveMemory {
  const key = (id: string) => `${opts.keyPrefix ?? 'jml:dlq:redrive'}:${id}`;
  return {
    async recall(letters) {
      if (letters.length === 0) return new Map();
      const texts = await redis.mget(letters.map((l) => key(l.id)));
      const found = new Map<string, RedriveOutcome>();
      letters.forEach((letter, i) => {
        const text = texts[i];
        if (!text) return;
        const kept = JSON.parse(text) as { receivedAt: string; outcome: RedriveOutcome };
        if (kept.receivedAt === letter.receivedAt) found.set(letter.id, kept.outcome);
      });
      return found;
    },
    async remember(letter, outcome) {
      await redis.set(key(letter.id), JSON.stringify({ receivedAt: letter.receivedAt, outcome }), 'EX', opts.ttlSeconds);
    },
  };
}

/** Re-drive outcomes in memory (tests, and a run without Redis). */
export function memoryRedriveMemory(): RedriveMemory {
  const kept = new Map<string, { receivedAt: string; outcome: RedriveOutcome }>();
  return {
    async recall(letters) {
      return new Map(letters.flatMap((l) => {
        const k = kept.get(l.id);
        return k && k.receivedAt === l.receivedAt ? [[l.id, k.outcome] as const] : [];
      }));
    },
    async remember(letter, outcome) {
      kept.set(letter.id, { receivedAt: letter.receivedAt, outcome });
    },
  };
}
