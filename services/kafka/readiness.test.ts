import { describe, expect, it } from 'vitest';
import { kafkaReadiness } from './readiness';

describe('kafka readiness', () => {
  it('probes > a probe that hangs counts as not ready once its timeout passes', async () => {
    const readiness = kafkaReadiness({ probe: () => new Promise(() => undefined), timeoutMs: 50 });
    const started = Date.now();
    await expect(readiness.ready()).resolves.toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('probes > a failed probe is not ready; an answered one is', async () => {
    let fail = true;
    const readiness = kafkaReadiness({ probe: async () => (fail ? Promise.reject(new Error('ECONNREFUSED')) : undefined), maxAgeMs: 0 });
    await expect(readiness.ready()).resolves.toBe(false);
    fail = false;
    await expect(readiness.ready()).resolves.toBe(true);
  });

  it('caches > callers within maxAgeMs share one probe and its answer', async () => {
    let now = 0;
    let probes = 0;
    const readiness = kafkaReadiness({ probe: async () => void (probes += 1), maxAgeMs: 2_000, now: () => now });
    expect(await Promise.all([readiness.ready(), readiness.ready(), readiness.ready()])).toEqual([true, true, true]);
    now = 1_999;
    await readiness.ready();
    expect(probes).toBe(1);
    now = 2_000;
    await readiness.ready();
    expect(probes).toBe(2);
  });
});
