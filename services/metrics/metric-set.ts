import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * One metric family: its kind, help text and label names. Label values must come from our own
 * configuration or code (app ids, route names, operations, outcomes, error codes), never from what a
 * request or an event carries, and never a person's id, name or email: a label per sender-chosen
 * value grows the metrics without bound and leaks personal data (docs/observability.md).
 */
export type MetricDefinition =
  | { type: 'counter'; help: string; labels?: readonly string[] }
  | { type: 'gauge'; help: string; labels?: readonly string[] }
  | { type: 'histogram'; help: string; labels?: readonly string[]; buckets: readonly number[] };

type Family = Counter<string> | Gauge<string> | Histogram<string>;

/**
 * A named set of Prometheus metric families on a prom-client registry, used by name with labels
 * (`inc('jml_gateway_rejected_total', { code })`). Counters and gauges also keep their values here
 * so that tests and callers can read them synchronously (prom-client's own reads are async).
 * Throws on a name it does not define, or on labels its definition does not list.
 */
export class MetricSet {
  private readonly families = new Map<string, { def: MetricDefinition; family: Family }>();
  private readonly values = new Map<string, number>();

  constructor(
    readonly registry: Registry,
    definitions: Readonly<Record<string, MetricDefinition>>,
  ) {
    for (const [name, def] of Object.entries(definitions)) {
      const common = { name, help: def.help, labelNames: [...(def.labels ?? [])], registers: [registry] };
      const family =
        def.type === 'counter' ? new Counter(common) : def.type === 'gauge' ? new Gauge(common) : new Histogram({ ...common, buckets: [...def.buckets] });
      this.families.set(name, { def, family });
    }
  }

  /** Adds `by` (1 by default) to a counter or gauge. */
  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    const { family } = this.family(name, ['counter', 'gauge']);
    (family as Counter<string>).inc(labels, by);
    const key = seriesKey(name, labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  /** Sets a gauge. */
  set(name: string, labels: Record<string, string>, value: number): void {
    (this.family(name, ['gauge']).family as Gauge<string>).set(labels, value);
    this.values.set(seriesKey(name, labels), value);
  }

  /** Records one observation of a histogram (seconds, for `_seconds` families). */
  observe(name: string, labels: Record<string, string>, value: number): void {
    (this.family(name, ['histogram']).family as Histogram<string>).observe(labels, value);
  }

  /** Drops a gauge's series (a partition this process no longer consumes). */
  remove(name: string, labels: Record<string, string>): void {
    (this.family(name, ['gauge']).family as Gauge<string>).remove(labels);
    this.values.delete(seriesKey(name, labels));
  }

  /** A counter's or gauge's current value (0 when never touched). */
  get(name: string, labels: Record<string, string> = {}): number {
    this.family(name, ['counter', 'gauge']);
    return this.values.get(seriesKey(name, labels)) ?? 0;
  }

  /** The whole registry in the Prometheus text format (every set sharing it included). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  private family(name: string, types: ReadonlyArray<MetricDefinition['type']>): { def: MetricDefinition; family: Family } {
    const found = this.families.get(name);
    if (!found) throw new Error(`unknown metric ${name}`);
    if (!types.includes(found.def.type)) throw new Error(`metric ${name} is a ${found.def.type}`);
    return found;
  }
}

function seriesKey(name: string, labels: Record<string, string>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return `${name}${JSON.stringify(entries)}`;
}
