import type { Redis } from 'ioredis';
import type { RolloutCursor } from './apply';

/** How long an interrupted rollout's cursor is kept. */
const CURSOR_TTL_SECONDS = 30 * 24 * 3600;

/** The Redis key of a rollout's cursor: one per pipeline (task queue) and running policy. */
export const rolloutCursorKey = (taskQueue: string, policyHash: string) => `jml:policy-rollout:${taskQueue}:${policyHash}`;

/** A rollout's cursor in Redis, shared by every operator of the pipeline (see {@link RolloutCursor}). */
export function redisRolloutCursor(redis: Redis, key: string): RolloutCursor {
  return {
    read: async () => (await redis.get(key)) ?? undefined,
    write: async (personKey) => void (await redis.set(key, personKey, 'EX', CURSOR_TTL_SECONDS)),
    clear: async () => void (await redis.del(key)),
  };
}
