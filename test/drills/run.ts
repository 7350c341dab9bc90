/**
 * `npm run drill -- <name>|all [--short]`: fault drills on a private instance of the local stack
 * (installed like `npm run stack:up`, started on free loopback ports with persistent data, so that
 * drills can stop and restart its servers and no other pipeline reads its topics), each drill further
 * isolated by its own task queue, group and app keys. Prints a table of what each injected and
 * measured, and whether the invariants held. Exit 1 when one failed.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDist } from '../../infra/build/build';
import { toolPaths } from '../../infra/stack/paths';
import { readPid, stopProcess } from '../../infra/stack/process';
import { stackDown, stackUp } from '../../infra/stack/stack';
import { freeStackPorts } from '../harness/acquire-stack';
import { loadConfig, loadDotEnv } from '../../services/config';
import { appDownDrill, appRejectDrill, appThrottleDrill } from './app-faults';
import { fuzzDrill, hostileNamesDrill } from './inputs';
import { leaverSurgeDrill } from './leaver-surge';
import { processKillDrill } from './process-kill';
import { redisGuardDrill, serverRestartDrill } from './servers';
import { stormDrill } from './storm';
import { soakDrill } from './soak';
import { passed, type DrillContext, type DrillOptions, type DrillReport } from './types';

type Ctx = DrillContext;
const DRILLS: Record<string, { summary: string; run: (ctx: Ctx, opts: DrillOptions) => Promise<DrillReport> }> = {
  'kill-worker': { summary: 'kill -9 of the worker mid fan-out, then restart', run: (c, o) => processKillDrill('worker', c, o) },
  'kill-dispatcher': { summary: 'kill -9 of the dispatcher mid fan-out, then restart', run: (c, o) => processKillDrill('dispatcher', c, o) },
  'kill-gateway': { summary: 'kill -9 of the gateway mid ingest, then restart (senders retry)', run: (c, o) => processKillDrill('gateway', c, o) },
  'restart-kafka': { summary: 'Kafka killed during an ingest burst, restarted (2xx survive, the rest got 5xx)', run: (c, o) => serverRestartDrill('kafka', c, o) },
  'restart-temporal': { summary: 'Temporal killed mid fan-out, restarted on its persistent database', run: (c, o) => serverRestartDrill('temporal', c, o) },
  'restart-redis': { summary: 'Redis killed during ingest and fan-out, restarted', run: (c, o) => serverRestartDrill('redis', c, o) },
  'redis-guard': { summary: 'Redis killed during a guarded leaver burst with deletes coming due', run: (c, o) => redisGuardDrill(c, o) },
  'app-down': { summary: 'the SCIM app down 60 s (short: 15 s) during a joiner burst', run: appDownDrill },
  'app-throttle': { summary: 'the SCIM app answers 429 + Retry-After for a while (retries honour it)', run: appThrottleDrill },
  'app-reject': { summary: 'the SCIM app rejects some people for good (compensation there only, NeedsAttention)', run: appRejectDrill },
  fuzz: { summary: 'malformed, oversized, unsigned, stale, replayed and random webhooks (fast-check)', run: (c, o) => fuzzDrill(c, o) },
  'hostile-names': { summary: 'hostile names through LDAP (slapd) and SCIM (scim2-server)', run: (c, o) => hostileNamesDrill(c, o) },
  storm: { summary: 'duplicate and out-of-order deliveries for the same people, concurrently', run: stormDrill },
  'leaver-surge': { summary: '10x the usual leaver rate in one guard window; guard holds, approve releases', run: leaverSurgeDrill },
  soak: { summary: 'mixed joiners, movers, leavers at a steady rate with scheduled faults; RSS, lag, history, latency to CSV+PNG', run: soakDrill },
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
  const dir = join(config.cacheDir, 'stacks', `drills-${process.pid}`);
  const ports = await freeStackPorts();
  const tools = toolPaths(config.cacheDir);
  const up = () => stackUp({ dir, ports, persistent: true, ui: false, tools, say });
  const stopping = () => void stackDown({ dir, removeData: true }).finally(() => process.exit(130));
  process.once('SIGINT', stopping);
  process.once('SIGTERM', stopping);
  try {
    const { endpoints } = await up();
    const { entry } = await buildDist({ outDir: join('.jml', 'drills-dist'), say });
    const ctx: DrillContext = {
      endpoints,
      entry,
      servers: {
        stop: async (name, o = {}) => void (await stopProcess(join(dir, 'pids', `${name}.pid`), o.hard ? 0 : 15_000)),
        start: async () => void (await up()),
        pids: async () => Object.fromEntries(await Promise.all((['kafka', 'temporal', 'redis'] as const).map(async (n) => [n, await readPid(join(dir, 'pids', `${n}.pid`))]))),
      },
    };
    const reports: DrillReport[] = [];
    for (const name of wanted) {
      say(`${name}: ${DRILLS[name]?.summary}`);
      const report = await (DRILLS[name] as (typeof DRILLS)[string]).run(ctx, { short, say });
      for (const i of report.invariants) say(`  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name}${i.detail ? `: ${i.detail}` : ''}`);
      for (const [k, v] of Object.entries(report.measured)) say(`  ${k}: ${v}`);
      for (const n of report.notes) say(`  note: ${n}`);
      reports.push(report);
    }
    console.log(`\n${table(reports)}`);
    return reports.every(passed) ? 0 : 1;
  } finally {
    await stackDown({ dir, removeData: true });
    await rm(join('.jml', 'drills-dist'), { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[drill] error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
