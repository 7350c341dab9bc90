import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { redisMassChangeGuard } from '../../services/worker/guard';

const run = Date.now().toString(36);

describe('mass-change guard on the real Redis', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(inject('stack').redisUrl);
  });
  afterAll(() => redis?.disconnect());

  it('admits exactly the first max of a burst, in arrival order, however many share a millisecond', async () => {
    const guard = redisMassChangeGuard(redis, { key: `jml:it-guard:${run}:burst` });
    // Ids that sort backwards, all sent at once: ties in time must not reorder them.
    const ids = Array.from({ length: 200 }, (_, i) => `leaver-${String(999 - i).padStart(3, '0')}`);
    const answers = await Promise.all(ids.map((id) => guard.admit({ id, max: 150, windowMs: 600_000 })));
    expect(answers.filter((a) => a.admitted)).toHaveLength(150);
    expect(answers.map((a) => a.position).sort((a, b) => a - b)).toEqual(ids.map((_, i) => i + 1));
    // ioredis sends the pipelined EVALs in order, so positions follow the order of the calls.
    expect(answers.map((a) => a.position)).toEqual(ids.map((_, i) => i + 1));
  });

  it('keeps an id at its first position when asked again (a retried activity)', async () => {
    const guard = redisMassChangeGuard(redis, { key: `jml:it-guard:${run}:retry` });
    const first = await Promise.all(['a', 'b', 'c'].map((id) => guard.admit({ id, max: 2, windowMs: 600_000 })));
    expect(first).toEqual([
      { admitted: true, position: 1 },
      { admitted: true, position: 2 },
      { admitted: false, position: 3 },
    ]);
    expect(await guard.admit({ id: 'c', max: 2, windowMs: 600_000 })).toEqual({ admitted: false, position: 3 });
    expect(await guard.admit({ id: 'a', max: 2, windowMs: 600_000 })).toEqual({ admitted: true, position: 1 });
  });

  it('forgets ids older than the window', async () => {
    const guard = redisMassChangeGuard(redis, { key: `jml:it-guard:${run}:window` });
    expect(await guard.admit({ id: 'old', max: 1, windowMs: 300 })).toEqual({ admitted: true, position: 1 });
    expect(await guard.admit({ id: 'next', max: 1, windowMs: 300 })).toEqual({ admitted: false, position: 2 });
    await new Promise((r) => setTimeout(r, 400));
    expect(await guard.admit({ id: 'later', max: 1, windowMs: 300 })).toEqual({ admitted: true, position: 1 });
  });
});
