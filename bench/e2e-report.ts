import { cpus } from 'node:os';
import type { BareThroughput } from './e2e-bare';
import type { ServerPhase } from './e2e-metrics';
import type { coresBusy } from './e2e-observe';
import type { LeaverSample, LeaverStages } from './e2e-timeline';
import { percentile } from './support/stats';

/** Everything bench/e2e.ts measured in one run, and how it prints. */
export interface E2eReport {
  header: string[];
  knobs: string[];
  bare: { idleMs: number[]; throughput: BareThroughput };
  idle: { samples: LeaverSample[]; stages: LeaverStages[] };
  backlog: {
    samples: LeaverSample[];
    stages: LeaverStages[];
    /** Leavers not sent because the backlog had drained. */
    notSent: number;
    joiners: number;
    seconds: number;
    postSeconds: number;
    /** When the dispatcher had handed every joiner to Temporal (events-lane lag 0), if seen. */
    dispatchSeconds?: number;
    /** When the first 1 % of the joiners were provisioned. */
    firstPercentSeconds?: number;
    /** Joiners per second between 10 % and 90 % done. */
    steadyPerSecond?: number;
    effects: number;
    expectedEffects: number;
  };
  phases: Array<{
    phase: string;
    seconds: number;
    /** Workflows (bare), leavers (idle) or joiners (backlog) the phase carried. */
    items: number;
    busy: ReturnType<typeof coresBusy>;
    /** The pipeline process's event-loop delay during the phase. */
    loop: LoopDelay;
    /** The Temporal server's own metrics for the phase (absent for an external server). */
    server?: ServerPhase;
  }>;
  /** Overload symptoms logged by the pipeline's Temporal worker, with their counts. */
  pipelineWarnings: Array<[string, number]>;
}

/** Event-loop delay percentiles in ms. */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  /** Resident memory of the pipeline process (all threads) at the end of the phase, MiB. */
  rssMb: number;
}

const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const sec = (s: number) => `${s.toFixed(1)} s`;
const pad = (text: string, width: number) => text.padStart(width);

function latencyLine(label: string, ms: number[], goal: string): string {
  if (ms.length === 0) return `  ${label.padEnd(26)} no samples`;
  const [p50, p99, max] = [percentile(ms, 50), percentile(ms, 99), Math.max(...ms)];
  return `  ${label.padEnd(26)} p50 ${pad(n0(p50), 6)} ms   p99 ${pad(n0(p99), 6)} ms   max ${pad(n0(max), 6)} ms   n=${ms.length}   ${goal}`;
}

type Key = keyof LeaverStages;
const STAGES: Array<[Key, [Key, Key] | undefined, string]> = [
  ['gateway', undefined, 'gateway: sent -> 202 (Kafka acks=all)'],
  ['dispatch', undefined, 'leaver lane: 202 -> person signaled'],
  ['person', ['personWait', 'personRun'], 'person workflow task -> child initiated'],
  ['plan', ['planWait', 'planRun'], 'child start, task, planEvent'],
  ['disable', ['disableWait', 'disableRun'], 'task, 5 x runStep(suspend) -> seen'],
  ['total', undefined, 'total'],
];

function stageRows(idle: LeaverStages[], backlog: LeaverStages[]): string[] {
  const cell = (rows: LeaverStages[], key: keyof LeaverStages) => {
    const v = rows.map((r) => r[key]).filter((x) => Number.isFinite(x));
    return v.length === 0 ? pad('-', 15) : `${pad(n0(percentile(v, 50)), 6)} / ${pad(n0(Math.max(...v)), 6)}`;
  };
  const lines = [`  ${'stage (ms, p50 / max)'.padEnd(44)} ${'idle'.padStart(15)}   ${'under backlog'.padStart(15)}`];
  for (const [key, parts, label] of STAGES) {
    lines.push(`  ${label.padEnd(44)} ${cell(idle, key)}   ${cell(backlog, key)}`);
    if (!parts) continue;
    lines.push(`  ${'  of which tasks waited to start'.padEnd(44)} ${cell(idle, parts[0])}   ${cell(backlog, parts[0])}`);
    lines.push(`  ${'  of which tasks ran in the worker'.padEnd(44)} ${cell(idle, parts[1])}   ${cell(backlog, parts[1])}`);
  }
  return lines;
}

export function printReport(r: E2eReport): void {
  const out = (line = '') => console.log(line);
  const idleMs = r.idle.samples.map((s) => s.disabledAt - s.sentAt);
  const backlogMs = r.backlog.samples.map((s) => s.disabledAt - s.sentAt);
  const joinerRate = r.backlog.joiners / r.backlog.seconds;
  const bare = r.bare.throughput;

  out();
  for (const line of r.header) out(line);
  for (const line of r.knobs) out(`  ${line}`);
  out();
  out('leaver latency: webhook sent -> account disabled in all 5 apps (seen in Redis)');
  out(latencyLine('idle', idleMs, '(goal p50 <= 300 ms, p99 <= 1,000 ms)'));
  out(latencyLine('under the joiner backlog', backlogMs, '(goal p99 <= 3,000 ms)'));
  const backlogs = r.backlog.samples.map((s) => s.backlog ?? 0);
  if (backlogs.length > 0) {
    out(`  ${''.padEnd(26)} joiners still to provision when sent: median ${n0(percentile(backlogs, 50))}, min ${n0(Math.min(...backlogs))}, max ${n0(Math.max(...backlogs))}` +
      (r.backlog.notSent > 0 ? `; ${r.backlog.notSent} not sent (backlog drained first)` : ''));
  }
  out(`  (p99 of fewer than 100 samples is the maximum; stages below from the workflow histories, ${r.idle.stages.length}+${r.backlog.stages.length} leavers)`);
  for (const line of stageRows(r.idle.stages, r.backlog.stages)) out(line);
  out();
  out(`bulk: ${n0(r.backlog.joiners)} joiners x 5 apps`);
  out(`  posted in ${sec(r.backlog.postSeconds)}` +
    (r.backlog.dispatchSeconds !== undefined ? `, all handed to Temporal after ${sec(r.backlog.dispatchSeconds)}` : '') +
    (r.backlog.firstPercentSeconds !== undefined ? `, first 1 % provisioned after ${sec(r.backlog.firstPercentSeconds)}` : '') +
    `, all provisioned after ${sec(r.backlog.seconds)} = ${(r.backlog.seconds / 60).toFixed(1)} min`);
  out(`  throughput ${joinerRate.toFixed(1)} joiners/s (${(joinerRate * 5).toFixed(0)} accounts/s)` +
    (r.backlog.steadyPerSecond !== undefined ? `; ${r.backlog.steadyPerSecond.toFixed(1)} joiners/s between 10 % and 90 % done` : ''));
  out(`  effects recorded by the apps: ${n0(r.backlog.effects)} (expected ${n0(r.backlog.expectedEffects)}: one per account and per disable)`);
  out();
  out("bare workflow, 5 no-op activities in parallel (own worker and task queue, same server, default worker options + the pipeline workers' eager activity slots)");
  out(`  throughput ${bare.perSecond.toFixed(1)} workflows/s (${n0(bare.count)} in ${sec(bare.seconds)}, starts handed over in ${sec(bare.startSeconds)})`);
  out(latencyLine('idle start -> result', r.bare.idleMs, ''));
  out();
  out(`ratio joiners / bare workflow: ${(joinerRate / bare.perSecond).toFixed(2)}x   (goal >= 0.70x)`);
  out();
  const names = [...new Set(r.phases.flatMap((c) => Object.keys(c.busy.processes)))];
  out(`CPU, cores busy on average (${cpus().length} cores; "others" is every process on the machine that is not ours)`);
  out(`  ${'phase'.padEnd(24)} ${[...names, 'others', 'machine'].map((n) => n.padStart(9)).join('')}   pipeline event loop delay p50/p99/max, memory`);
  for (const { phase, busy, loop } of r.phases) {
    const cells = [...names.map((n) => busy.processes[n]), busy.others, busy.machine].map((v) => (v === undefined ? '-' : v.toFixed(2)).padStart(9));
    out(`  ${phase.padEnd(24)} ${cells.join('')}   ${loop.p50} / ${loop.p99} / ${loop.max} ms, rss ${n0(loop.rssMb)} MiB`);
  }
  for (const [kind, count] of r.pipelineWarnings) out(`  pipeline worker logged ${n0(count)} x ${kind}`);
  const cost = r.phases.filter((p) => p.phase !== 'leavers at idle');
  if (cost.length > 0) {
    out();
    out('Temporal server, from its own metrics and CPU time (per bare workflow, per joiner incl. its person workflow)');
    for (const p of cost) {
      const cpuMs = p.busy.processes.temporal === undefined ? '-' : n0((p.busy.processes.temporal * p.seconds * 1000) / p.items);
      const writes = p.server ? `${(p.server.writes.count / p.items).toFixed(1)} history writes (avg ${p.server.writes.ms.toFixed(1)} ms)` : 'no metrics';
      out(`  ${p.phase.padEnd(24)} ${cpuMs} ms server CPU and ${writes} per item`);
    }
    for (const p of cost) {
      if (!p.server) continue;
      out(`  ${p.phase}: matching, all priorities: tasks given at once to a waiting poller / taken from the backlog (avg wait there)`);
      for (const m of p.server.matching) out(`    ${m.kind.padEnd(18)} ${pad(n0(m.atOnce), 7)} at once   ${pad(n0(m.backlogged), 7)} from the backlog (avg ${n0(m.backlogMs)} ms)`);
      out(`  ${p.phase}: history transfer queue, task created -> handed on (avg ms): ${p.server.transfer.map((t) => `${t.type} ${n0(t.ms)} (n=${n0(t.count)})`).join(', ')}`);
    }
  }
}
