import type { Redis } from 'ioredis';

/** Where the mass-change guard counts leaver and delete events: shared by every worker. */
export interface MassChangeGuard {
  /**
   * Counts `id` in the sliding window and says whether it is within the first `max`. Idempotent per
   * id: a retried activity gets the same answer while the id is still in the window.
   */
  admit(req: { id: string; max: number; windowMs: number }): Promise<{ admitted: boolean; position: number }>;
}

// KEYS[1] sorted set of event ids scored by first-seen time (Redis TIME, so all workers share a clock).
// ARGV: window ms, id. Returns the 1-based position of the id among those still in the window.
const SLIDING_WINDOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], 'NX', now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], window + 1000)
return redis.call('ZRANK', KEYS[1], ARGV[2]) + 1
`;

/**
 * The guard on Redis: one sorted set per pipeline (`key`), members are event ids. An id keeps the
 * position it got first, so the 21st leaver of a burst stays held however often its activity retries.
 * Redis being down makes `admit` throw; the workflow decides what that means (see jml-event.ts).
 */
export function redisMassChangeGuard(redis: Redis, opts: { key: string }): MassChangeGuard {
  return {
    async admit({ id, max, windowMs }) {
      const position = Number(await redis.eval(SLIDING_WINDOW, 1, opts.key, String(windowMs), id));
      return { admitted: position <= max, position };
    },
  };
}
