/**
 * The Temporal dev server's own Prometheus metrics, read before and after a phase of bench/e2e.ts:
 * where tasks waited inside the server (the matching backlog, the history transfer queue) and how many history writes each workflow cost. Two scrapes per phase, nothing during it.
 */

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export type MetricsSnapshot = Map<string, Series>;

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
/** Only the series the report reads (the dev server exposes some 25,000). */
const WANTED = /^(syncmatch_latency|asyncmatch_latency|task_latency_queue|persistence_latency)_(sum|count)$/;

/** Scrapes the server's metrics endpoint; undefined when it does not answer (an external server). */
export async function scrapeMetrics(url: string | undefined): Promise<MetricsSnapshot | undefined> {
  if (!url) return undefined;
  let text: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return undefined;
    text = await res.text();
  } catch {
    return undefined;
  }
  const out: MetricsSnapshot = new Map();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m || !WANTED.test(m[1] as string)) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(LABEL)) labels[k as string] = v as string;
    out.set(`${m[1]}{${m[2] ?? ''}}`, { name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** Series of `b` minus the same series of `a` (counters and histogram sums only grow). */
export function metricsDelta(a: MetricsSnapshot, b: MetricsSnapshot): Series[] {
  return [...b.entries()].map(([key, s]) => ({ ...s, value: s.value - (a.get(key)?.value ?? 0) }));
}

/** Average (ms) and count of a latency histogram over the series that `match` selects. */
function average(delta: Series[], base: string, match: (labels: Record<string, string>) => boolean): { ms: number; count: number } {
  let sum = 0;
  let count = 0;
  for (const s of delta) {
    if (!match(s.labels)) continue;
    if (s.name === `${base}_sum`) sum += s.value;
    else if (s.name === `${base}_count`) count += s.value;
  }
  return { ms: count > 0 ? (sum * 1000) / count : Number.NaN, count };
}

type Kind = 'workflow' | 'workflow (sticky)' | 'activity';
const KINDS: readonly Kind[] = ['workflow', 'workflow (sticky)', 'activity'];
const isKind = (kind: Kind, l: Record<string, string>) =>
  l.task_type === (kind === 'activity' ? 'Activity' : 'Workflow') && (kind === 'workflow (sticky)') === (l.partition === '__sticky__');

export interface ServerPhase {
  /** Matching, all priorities: tasks handed at once to a waiting poller, and tasks that waited in the backlog (with their average wait). */
  matching: Array<{ kind: Kind; atOnce: number; backlogged: number; backlogMs: number }>;
  /** History transfer queue: task created → processed (handed to matching, child started, …), per task type. */
  transfer: Array<{ type: string; ms: number; count: number }>;
  /** History writes (UpdateWorkflowExecution + CreateWorkflowExecution) and their average latency. */
  writes: { count: number; ms: number };
}

/** What the server did during one phase, for one of our task queues. */
export function serverPhase(delta: Series[], taskQueue: string): ServerPhase {
  // Metric labels spell task queue names with underscores.
  const queue = taskQueue.replace(/[^a-zA-Z0-9_]/g, '_');
  const matching = KINDS.map((kind) => {
    const atOnce = average(delta, 'syncmatch_latency', (l) => l.taskqueue === queue && isKind(kind, l)).count;
    const backlog = average(delta, 'asyncmatch_latency', (l) => l.taskqueue === queue && isKind(kind, l));
    return { kind, atOnce, backlogged: backlog.count, backlogMs: backlog.ms };
  }).filter((m) => m.atOnce + m.backlogged > 0);
  const transfer = ['TransferActiveTaskWorkflowTask', 'TransferActiveTaskActivity', 'TransferActiveTaskStartChildExecution']
    .map((type) => ({ type: type.replace('TransferActiveTask', ''), ...average(delta, 'task_latency_queue', (l) => l.task_type === type && l.namespace === 'default') }))
    .filter((t) => t.count > 0);
  const isWrite = (l: Record<string, string>) => l.operation === 'UpdateWorkflowExecution' || l.operation === 'CreateWorkflowExecution';
  const w = average(delta, 'persistence_latency', isWrite);
  return { matching, transfer, writes: { count: w.count, ms: w.ms } };
}
