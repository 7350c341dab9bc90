import { describe, expect, it } from 'vitest';
import { faultSchedule, lagOf, LeaverClock, leaverLatencyRows, memoryWarmupSec, nextAction, percentile, seeded, soakPanels, soakSettings } from './soak';

describe('soak settings', () => {
  it('runs 30 minutes by default, 3 in short mode, and JML_SOAK_MINUTES overrides both', () => {
    expect(soakSettings({}, false).minutes).toBe(30);
    expect(soakSettings({}, true).minutes).toBe(3);
    expect(soakSettings({ JML_SOAK_MINUTES: '10' }, true).minutes).toBe(10);
  });

  it('refuses a duration or rate that is not a positive number', () => {
    expect(() => soakSettings({ JML_SOAK_MINUTES: 'ten' }, false)).toThrow(/JML_SOAK_MINUTES/);
    expect(() => soakSettings({ JML_SOAK_RATE: '0' }, false)).toThrow(/JML_SOAK_RATE/);
  });

  it('writes under .jml/drills unless JML_SOAK_OUT names another folder', () => {
    expect(soakSettings({}, false).outDir).toBe('.jml/drills');
    expect(soakSettings({ JML_SOAK_OUT: 'docs/soak' }, false).outDir).toBe('docs/soak');
  });
});

describe('fault schedule', () => {
  it('kills the worker, then the dispatcher, then stops Redis, in that order within the run', () => {
    const faults = faultSchedule(1800, true);
    expect(faults.map((f) => f.kind)).toEqual(['kill-worker', 'kill-dispatcher', 'stop-redis']);
    expect(faults.map((f) => f.at)).toEqual([360, 540, 990]);
  });

  it('leaves the Redis stop out when the servers cannot be controlled', () => {
    expect(faultSchedule(180, false).map((f) => f.kind)).toEqual(['kill-worker', 'kill-dispatcher']);
  });
});

describe('memory warm-up', () => {
  it('is the first fifth of the run for a role never restarted', () => {
    expect(memoryWarmupSec(1800, [])).toBe(360);
  });

  it('lasts a tenth of the run after the last restart of a restarted role', () => {
    expect(memoryWarmupSec(1800, [362, 545])).toBe(725);
  });

  it('lasts at least a minute after a restart in a short run', () => {
    expect(memoryWarmupSec(180, [38, 56])).toBe(116);
  });
});

describe('consumer lag', () => {
  it('sums end minus committed offset over partitions', () => {
    expect(
      lagOf(
        [
          { partition: 0, offset: '120' },
          { partition: 1, offset: '40' },
        ],
        [
          { partition: 0, offset: '100' },
          { partition: 1, offset: '40' },
        ],
      ),
    ).toBe(20);
  });

  it('counts a partition with no committed offset from its low watermark', () => {
    expect(lagOf([{ partition: 0, offset: '30', low: '10' }], [{ partition: 0, offset: '-1' }])).toBe(20);
  });
});

describe('event mix', () => {
  it('sends only joiners until ten people are active', () => {
    const rnd = seeded(1);
    for (let i = 0; i < 50; i++) expect(nextAction(rnd, ['a', 'b'], ['t']).kind).toBe('joiner');
  });

  it('mixes joiners, movers and leavers near 40/35/25 and never lets a tracked person leave', () => {
    const rnd = seeded(17);
    const active = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const kinds = { joiner: 0, mover: 0, leaver: 0 };
    for (let i = 0; i < 10_000; i++) {
      const a = nextAction(rnd, active, ['t1', 't2']);
      kinds[a.kind] += 1;
      if (a.kind === 'leaver') expect(a.personKey).not.toMatch(/^t/);
    }
    expect(kinds.joiner / 10_000).toBeCloseTo(0.4, 1);
    expect(kinds.mover / 10_000).toBeCloseTo(0.35, 1);
    expect(kinds.leaver / 10_000).toBeCloseTo(0.25, 1);
  });
});

describe('leaver clock', () => {
  it('measures from the 2xx to the first effect seen, in either order, once per leaver', () => {
    const clock = new LeaverClock();
    clock.watch('a');
    clock.watch('b');
    clock.accepted('a', 1_000);
    clock.seen('a', 1_400);
    clock.seen('a', 9_000);
    clock.seen('b', 2_000);
    clock.accepted('b', 2_050);
    expect(clock.take()).toEqual([400, 0]);
    expect(clock.take()).toEqual([]);
    expect(clock.all).toEqual([400, 0]);
    expect(clock.done).toEqual([
      { acceptedAt: 1_000, ms: 400 },
      { acceptedAt: 2_050, ms: 0 },
    ]);
  });

  it('judges latency at each leaver\'s 2xx time, so one applied late in the drain counts when it was sent', () => {
    const rows = leaverLatencyRows(
      [
        { acceptedAt: 70_000, ms: 90_000 },
        { acceptedAt: 12_500, ms: 300 },
      ],
      10_000,
    );
    expect(rows).toEqual([
      { t: 2.5, 'leaver.latency': 300 },
      { t: 60, 'leaver.latency': 90_000 },
    ]);
  });

  it('reports leavers answered 2xx whose effect has not shown, with the oldest age', () => {
    const clock = new LeaverClock();
    clock.watch('a');
    clock.watch('b');
    clock.accepted('a', 1_000);
    clock.accepted('b', 3_000);
    expect(clock.pending(5_000)).toEqual({ count: 2, oldestMs: 4_000 });
    clock.seen('a', 5_000);
    expect(clock.pending(6_000)).toEqual({ count: 1, oldestMs: 3_000 });
  });
});

describe('percentile and panels', () => {
  it('takes the nearest rank', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 100)).toBe(5);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('puts every sampled series in a panel', () => {
    const series = ['rss.role.worker', 'rss.server.kafka', 'lag.events', 'leaver.p50', 'leaver.max', 'history.person1', 'errors.5xx', 'rate.accepted'];
    const charted = soakPanels(series).flatMap((p) => p.series);
    expect(new Set(charted)).toEqual(new Set(series));
  });
});
