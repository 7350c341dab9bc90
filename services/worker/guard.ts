import type { Redis } from 'ioredis';

/** Where the mass-change guard counts leaver and delete events: shared by every worker. */
export interface MassChangeGuard {
  /**
   * Counts `id` in the sliding window and says whether it is within the first `max`. Idempotent per
   * id: a retried activity gets the same answer while the id is still in the window.
   */
  admit(req: { id: string; max: number; windowMs: number }): Promise<{ admitted: boolean; position: number }>;
}

// KEYS[1] sorted set of event ids, KEYS[2] a sequence. Scores are Redis TIME in ms times 1000 plus a
// sequence number (formatted as an exact integer: Lua's default number format would round it), so ids counted in the same millisecond keep their arrival order (a later id must
// never take a position an earlier one already got). ARGV: window ms, id. Returns the 1-based
// position of the id among those still in the window.
const SLIDING_WINDOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', (now - window) * 1000))
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  local seq = redis.call('INCR', KEYS[2]) % 1000
  redis.call('ZADD', KEYS[1], string.format('%.0f', now * 1000 + seq), ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], window + 1000)
redis.call('PEXPIRE', KEYS[2], window + 1000)
return redis.call('ZRANK', KEYS[1], ARGV[2]) + 1
`;

/**
 * The guard store did not answer: the event could not be counted. Retryable. Thrown from the
 * `admitMassChange` activity it becomes an ApplicationFailure of type `GuardUnavailableError` (the
 * SDK names a thrown error's failure after its class), which is what the workflow branches on: a
 * reversible step (a disable) may go ahead uncounted, an irreversible one (a delete) waits until
 * the guard can count it.
 */
export class GuardUnavailableError extends Error {
  readonly code = 'guard-unavailable';
  readonly retryable = true;
  constructor(cause: unknown) {
    super(`mass-change guard unavailable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'GuardUnavailableError';
  }
}

/**
 * The guard on Redis: one sorted set per pipeline (`key`), members are event ids. An id keeps the
 * position it got first, so the 21st leaver of a burst stays held however often its activity retries.
 *
 * When Redis does not answer, `admit` throws {@link GuardUnavailableError} within the client's
 * command timeout (services/redis.ts), never hangs: the workflow decides what an uncounted event
 * may do (see jml-event.ts).
 */
export function redisMassChangeGuard(redis: Redis, opts: { key: string }): MassChangeGuard {
  return {
    async admit({ id, max, windowMs }) {
      let position: number;
      try {
        position = Number(await redis.eval(SLIDING_WINDOW, 2, opts.key, `${opts.key}:seq`, String(windowMs), id));
      } catch (err) {
        throw new GuardUnavailableError(err);
      }
      return { admitted: position <= max, position };
    },
  };
}
