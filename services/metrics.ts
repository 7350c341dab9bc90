/**
 * A small counter registry rendered in the Prometheus text format (GET /metrics). Enough for the
 * signals ops need now; swap for a full client when histograms are needed.
 */
export class Counters {
  private readonly values = new Map<string, number>();
  private readonly help = new Map<string, string>();

  constructor(definitions: Record<string, string>) {
    for (const [name, text] of Object.entries(definitions)) this.help.set(name, text);
  }

  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    if (!this.help.has(name)) throw new Error(`unknown metric ${name}`);
    const key = `${name}${renderLabels(labels)}`;
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  get(name: string, labels: Record<string, string> = {}): number {
    return this.values.get(`${name}${renderLabels(labels)}`) ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, text] of this.help) {
      lines.push(`# HELP ${name} ${text}`, `# TYPE ${name} counter`);
      for (const [key, value] of this.values) if (key === name || key.startsWith(`${name}{`)) lines.push(`${key} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function renderLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

export function gatewayCounters(): Counters {
  return new Counters({
    jml_gateway_events_accepted_total: 'Events acknowledged by Kafka, by route (configured routes and tenants only).',
    jml_gateway_events_duplicate_total: 'Deliveries of events already accepted (dropped at the edge), by route.',
    jml_gateway_replays_total: 'Verified deliveries seen before inside the signature window, answered from memory without any work, by route.',
    jml_gateway_replay_guard_unavailable_total: 'Deliveries handled without the replay memory because Redis was unreachable (event dedupe still holds).',
    jml_gateway_rejected_total: 'Requests answered 4xx, by code.',
    jml_gateway_unconfigured_tenant_letters_total:
      'Deliveries for a tenant that is not configured (answered 401 like a wrong signature), by outcome: recorded in the DLQ, or dropped (route-capped, total-capped, store-unavailable, kafka-unavailable).',
    jml_gateway_kafka_unavailable_total: 'Requests answered 503 because Kafka did not acknowledge.',
    jml_gateway_overloaded_total: "Requests answered 503 at once because the producer's queue was full.",
    jml_gateway_dedupe_unavailable_total: 'Requests handled without edge dedupe because Redis was unreachable (downstream still dedupes).',
  });
}
