import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RateLimit } from '../policy/app';

export type { RateLimit } from '../policy/app';

export type Acquired = { ok: true } | { ok: false; retryAfterMs: number };

// KEYS[1] bucket hash. ARGV: rate per ms, burst, now (ms, Redis TIME is used instead when available).
// Returns 0 when a token was taken, else the milliseconds until one is available.
const TOKEN_BUCKET = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or burst)
local last = tonumber(redis.call('HGET', KEYS[1], 'at') or now)
tokens = math.min(burst, tokens + (now - last) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return wait
`;

/**
 * Shared per-app rate limits. Fails open: when Redis is unreachable, or does not answer within the
 * client's command timeout (services/redis.ts, so a frozen Redis delays a step by that much at most),
 * the step proceeds (the app's own 429 then slows us down), because losing Redis must never stop
 * provisioning or lose an event.
 */
export function createRateLimiter(deps: { redis: Redis; log: Logger; keyPrefix?: string }) {
  const prefix = deps.keyPrefix ?? 'jml:ratelimit';
  return {
    async acquire(appId: string, limit: RateLimit): Promise<Acquired> {
      try {
        const wait = (await deps.redis.eval(TOKEN_BUCKET, 1, `${prefix}:${appId}`, String(limit.perSecond / 1000), String(limit.burst))) as number;
        return wait <= 0 ? { ok: true } : { ok: false, retryAfterMs: wait };
      } catch (err) {
        deps.log.warn({ appId, err: (err as Error).message }, 'rate limiter unavailable; proceeding without it');
        return { ok: true };
      }
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
