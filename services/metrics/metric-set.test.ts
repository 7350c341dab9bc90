import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MetricSet } from './metric-set';

const defs = {
  jml_test_things_total: { type: 'counter', help: 'Things, by kind.', labels: ['kind'] },
  jml_test_level: { type: 'gauge', help: 'A level, by partition.', labels: ['partition'] },
  jml_test_wait_seconds: { type: 'histogram', help: 'Waits.', labels: ['topic'], buckets: [0.1, 1] },
} as const;

describe('MetricSet', () => {
  it('renders counters, gauges and histograms in the Prometheus text format, and reads counters back', async () => {
    const m = new MetricSet(new Registry(), defs);
    m.inc('jml_test_things_total', { kind: 'a' });
    m.inc('jml_test_things_total', { kind: 'a' }, 2);
    m.set('jml_test_level', { partition: '0' }, 7);
    m.observe('jml_test_wait_seconds', { topic: 't' }, 0.5);
    expect(m.get('jml_test_things_total', { kind: 'a' })).toBe(3);
    expect(m.get('jml_test_things_total', { kind: 'b' })).toBe(0);
    const text = await m.render();
    expect(text).toContain('# TYPE jml_test_things_total counter');
    expect(text).toContain('jml_test_things_total{kind="a"} 3');
    expect(text).toContain('jml_test_level{partition="0"} 7');
    expect(text).toContain('jml_test_wait_seconds_bucket{le="0.1",topic="t"} 0');
    expect(text).toContain('jml_test_wait_seconds_bucket{le="1",topic="t"} 1');
  });

  it('removes a gauge series it was told to forget', async () => {
    const m = new MetricSet(new Registry(), defs);
    m.set('jml_test_level', { partition: '3' }, 1);
    m.remove('jml_test_level', { partition: '3' });
    expect(await m.render()).not.toContain('partition="3"');
  });

  it('refuses names it does not define, the wrong kind of update, and labels its definition does not list', () => {
    const m = new MetricSet(new Registry(), defs);
    expect(() => m.inc('jml_test_other_total')).toThrow(/unknown metric/);
    expect(() => m.observe('jml_test_things_total', {}, 1)).toThrow(/is a counter/);
    expect(() => m.set('jml_test_things_total', {}, 1)).toThrow(/is a counter/);
    expect(() => m.inc('jml_test_things_total', { personKey: 'x' })).toThrow();
  });
});
