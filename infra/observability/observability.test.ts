import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DISPATCHER_METRICS, GATEWAY_METRICS, POLLER_METRICS, POLLER_SCHEDULE_METRICS, WATCH_METRICS, WORKER_METRICS } from '../../services/metrics';
import { dashboardExpressions, familyOf, metricNames, ruleExpressions } from './promql-names';

const HERE = import.meta.dirname;
const DEFINED = { ...GATEWAY_METRICS, ...DISPATCHER_METRICS, ...WATCH_METRICS, ...WORKER_METRICS, ...POLLER_METRICS, ...POLLER_SCHEDULE_METRICS };
const HISTOGRAMS = new Set(Object.entries(DEFINED).flatMap(([name, d]) => (d.type === 'histogram' ? [name] : [])));

describe('infra/observability', () => {
  const expressions = [...ruleExpressions(join(HERE, 'alerts.yml')), ...dashboardExpressions(join(HERE, 'grafana-dashboard.json'))];

  it('alerts and dashboard read only jml_ metrics our code defines (histograms by their _bucket, _count, _sum)', () => {
    const ours = expressions.flatMap((e) => metricNames(e.expr).filter((n) => n.startsWith('jml_')).map((n) => [e.name, n, familyOf(n, HISTOGRAMS)] as const));
    expect(ours.length).toBeGreaterThan(20);
    expect(ours.filter(([, , family]) => !Object.hasOwn(DEFINED, family))).toEqual([]);
  });

  it('every metric and every alert has its row in docs/observability.md', () => {
    const doc = readFileSync(join(HERE, '../../docs/observability.md'), 'utf8');
    const rows = new Set([...doc.matchAll(/^\| `([A-Za-z_]+)` \|/gm)].map((m) => m[1]));
    expect(Object.keys(DEFINED).filter((name) => !rows.has(name))).toEqual([]);
    expect(ruleExpressions(join(HERE, 'alerts.yml')).filter((r) => !rows.has(r.name)).map((r) => r.name)).toEqual([]);
  });

  it('every metric name follows the Prometheus naming the project uses', () => {
    for (const [name, def] of Object.entries(DEFINED)) {
      expect(name).toMatch(/^jml_[a-z0-9_]+$/);
      if (def.type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
      if (def.type === 'histogram') expect(name).toMatch(/_seconds$/);
    }
  });

  it('no label could carry a person: no label is named after a person, an event or an email', () => {
    const labels = Object.values(DEFINED).flatMap((d) => ('labels' in d ? [...d.labels] : []));
    expect(labels.filter((l) => /person|employee|subject|email|name|event|id$/i.test(l))).toEqual([]);
  });
});
