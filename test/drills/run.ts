/**
 * `npm run drill -- <name>|all [--short]`: fault drills on the real local stack (started or reused
 * like `npm run stack:up`, each drill isolated by its own task queue, group and app keys), printing a
 * table of what each injected and measured, and whether the invariants held. Exit 1 when one failed.
 */
import { join } from 'node:path';
import { buildDist } from '../../infra/build/build';
import { toolPaths } from '../../infra/stack/paths';
import { stackUp, type StackEndpoints } from '../../infra/stack/stack';
import { loadConfig, loadDotEnv } from '../../services/config';
import { processKillDrill } from './process-kill';
import { passed, type DrillOptions, type DrillReport } from './types';

type Ctx = { endpoints: StackEndpoints; entry: string };
const DRILLS: Record<string, { summary: string; run: (ctx: Ctx, opts: DrillOptions) => Promise<DrillReport> }> = {
  'kill-worker': { summary: 'kill -9 of the worker mid fan-out, then restart', run: (c, o) => processKillDrill('worker', c, o) },
  'kill-dispatcher': { summary: 'kill -9 of the dispatcher mid fan-out, then restart', run: (c, o) => processKillDrill('dispatcher', c, o) },
  'kill-gateway': { summary: 'kill -9 of the gateway mid ingest, then restart (senders retry)', run: (c, o) => processKillDrill('gateway', c, o) },
};

function table(reports: DrillReport[]): string {
  const head = ['drill', 'faults injected', 'events', 'effects exp/seen', 'lost', 'dup', 'converge', 'result'];
  const rows = reports.map((r) => [r.drill, r.faults.join('; '), String(r.events), `${r.effectsExpected}/${r.effectsSeen}`, String(r.lost), String(r.duplicated), r.convergeMs === null ? '-' : `${(r.convergeMs / 1000).toFixed(1)} s`, passed(r) ? 'ok' : 'FAILED']);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const short = argv.includes('--short');
  const names = argv.filter((a) => !a.startsWith('--'));
  const wanted = names.length === 0 || names.includes('all') ? Object.keys(DRILLS) : names;
  const unknown = wanted.filter((n) => !DRILLS[n]);
  if (unknown.length > 0 || names.length === 0) {
    console.error(`usage: npm run drill -- <name>|all [--short]\ndrills:\n${Object.entries(DRILLS).map(([n, d]) => `  ${n.padEnd(18)} ${d.summary}`).join('\n')}`);
    return unknown.length > 0 || names.length === 0 ? 2 : 0;
  }
  const say = (line: string) => console.log(`[drill] ${line}`);
  loadDotEnv();
  const config = loadConfig();
  const { endpoints } = await stackUp({ dir: config.stackDir, ports: config.ports, persistent: true, ui: true, reuse: config.reuse, tools: toolPaths(config.cacheDir), say });
  const { entry } = await buildDist({ outDir: join('.jml', 'drills-dist'), say });
  const reports: DrillReport[] = [];
  for (const name of wanted) {
    say(`${name}: ${DRILLS[name]?.summary}`);
    const report = await (DRILLS[name] as (typeof DRILLS)[string]).run({ endpoints, entry }, { short, say });
    for (const i of report.invariants) say(`  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name}${i.detail ? `: ${i.detail}` : ''}`);
    for (const [k, v] of Object.entries(report.measured)) say(`  ${k}: ${v}`);
    reports.push(report);
  }
  console.log(`\n${table(reports)}`);
  return reports.every(passed) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[drill] error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
