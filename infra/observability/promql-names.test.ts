import { describe, expect, it } from 'vitest';
import { metricNames, scrapeFamilies } from './promql-names';

describe('metricNames', () => {
  it('finds the metrics of an expression, not its functions, labels, matchers, durations or numbers', () => {
    expect(metricNames('sum by (app, outcome) (rate(jml_connector_step_seconds_count{outcome!="failed", app=~"a|b"}[5m])) > 0.5')).toEqual(['jml_connector_step_seconds_count']);
    expect(
      metricNames('histogram_quantile(0.95, sum by (le) (rate(temporal_workflow_endtoend_latency_seconds_bucket{task_queue=~".*\\\\.leavers"}[$__rate_interval])))'),
    ).toEqual(['temporal_workflow_endtoend_latency_seconds_bucket']);
    expect(metricNames('(time() - max by (source, tenant) (jml_poller_last_success_timestamp_seconds)) > 2 * max by (source, tenant) (jml_poller_interval_seconds)')).toEqual([
      'jml_poller_interval_seconds',
      'jml_poller_last_success_timestamp_seconds',
    ]);
    expect(metricNames('a unless on (x) b or c offset 5m and bool d')).toEqual(['a', 'b', 'c', 'd']);
    expect(metricNames('max_over_time(jml_dlq_end_offset[1h:1m]) - jml_dlq_end_offset offset 1h > 1e3')).toEqual(['jml_dlq_end_offset']);
  });
});

describe('scrapeFamilies', () => {
  it('reads declared families and counts their samples, a histogram under its own name', () => {
    const text = [
      '# HELP a_total A.',
      '# TYPE a_total counter',
      'a_total{x="1"} 3',
      '# TYPE h_seconds histogram',
      'h_seconds_bucket{le="1"} 1',
      'h_seconds_sum 0.2',
      'h_seconds_count 1',
      '# TYPE idle gauge',
      '',
    ].join('\n');
    const f = scrapeFamilies(text);
    expect(f.get('a_total')).toEqual({ type: 'counter', samples: 1 });
    expect(f.get('h_seconds')).toEqual({ type: 'histogram', samples: 3 });
    expect(f.get('idle')).toEqual({ type: 'gauge', samples: 0 });
  });
});
