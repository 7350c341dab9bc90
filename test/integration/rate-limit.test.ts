import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRateLimiter } from '../../services/worker/rate-limit';

describe('shared rate limit on real Redis', () => {
  const redis = new Redis(inject('stack').redisUrl);
  const log = pino({ level: 'silent' });
  const app = `app-${Date.now().toString(36)}`;
  afterAll(() => redis.disconnect());

  it('token bucket > allows the burst, then says how long to wait, across limiter instances', async () => {
    const a = createRateLimiter({ redis, log });
    const b = createRateLimiter({ redis, log });
    const limit = { perSecond: 5, burst: 3 };
    const got = [await a.acquire(app, limit), await b.acquire(app, limit), await a.acquire(app, limit), await b.acquire(app, limit)];
    expect(got.slice(0, 3)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    const denied = got[3];
    expect(denied?.ok).toBe(false);
    const wait = denied && !denied.ok ? denied.retryAfterMs : -1;
    expect(wait).toBeGreaterThan(100);
    expect(wait).toBeLessThanOrEqual(200);
    await new Promise((r) => setTimeout(r, wait + 20));
    expect(await b.acquire(app, limit)).toEqual({ ok: true });
  });

  it('fails open > proceeds when Redis is unreachable (losing Redis never stops provisioning)', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    dead.on('error', () => undefined);
    const limiter = createRateLimiter({ redis: dead, log });
    expect(await limiter.acquire('any', { perSecond: 1, burst: 1 })).toEqual({ ok: true });
    dead.disconnect();
  });
});
