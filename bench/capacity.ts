/**
 * `npm run bench:capacity`: what one joiner, one mover and one leaver cost, for docs/capacity.md.
 *
 * On the persistent stack (as bench/e2e.ts: started when not running), with the pipeline in its own
 * process (bench/e2e-pipeline.ts) and a policy of 5 dev-redis apps in which every employee has an
 * account in each app plus one per-department group, one run takes the SAME --people through three
 * phases: joiners (account + group in 5 apps), movers (a department change: per app an attribute
 * update, a grant of the new department's group, a revoke of the old one), leavers (disabled in 5
 * apps). Each phase ends when the apps have recorded every expected effect. Per event it reports:
 *
 *   Temporal server  CPU seconds (/proc of the dev server), history writes (the server's own
 *                    persistence metrics: UpdateWorkflowExecution + CreateWorkflowExecution), and
 *                    history events and bytes from a sample of people (person workflow growth + the
 *                    event's own workflow, as fetched from the server)
 *   Kafka            records (end-offset deltas) and bytes (partition `.log` files under the stack's
 *                    Kafka log dir) per pipeline topic
 *   pipeline         CPU seconds of the process running gateway + dispatchers + workers
 *   worker memory    pipeline RSS and V8 heap (after a GC) before and after the joiners, per person
 *                    workflow added to the SDK's sticky cache (its own gauge)
 *
 * Knobs: --people (BENCH_CAPACITY_PEOPLE, 300), --sample (BENCH_CAPACITY_SAMPLE, 20 people whose
 * histories are read), --post-concurrency (16). Raw figures go to .jml/bench/capacity-<run>.json.
 * It holds the integration tests' run lock while it runs, so that no test run on the same servers
 * adds records, writes or CPU to what it counts. Open workflows are terminated at the end unless
 * --keep-workflows.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { Kafka, logLevel } from 'kafkajs';
import type { JmlEvent } from '../schemas/jml-event.v1';
import { eventWorkflowId, personWorkflowId } from '../schemas/contracts';
import { kafkaSecurityOptions } from '../services/connections/kafka';
import { temporalConnectionOptions } from '../services/connections/temporal';
import { toolPaths } from '../infra/stack/paths';
import { readPid } from '../infra/stack/process';
import { stackDown, stackUp } from '../infra/stack/stack';
import { loadConfig, loadDotEnv, withSingleBrokerDefaults } from '../services/config';
import { TOPICS } from '../services/kafka/topics';
import { temporalDataConverter } from '../services/temporal/data-converter';
import { devCodecEnv, ensureDevCodecKey } from '../services/temporal/dev-key';
import { acquireRunLock } from '../test/harness/run-lock';
import { makeEvent } from '../test/support/events';
import { historySize, stickyCacheSize, topicLogBytes } from './capacity-measure';
import { eventSender, inPool } from './e2e-load';
import { metricsDelta, scrapeMetrics, serverPhase } from './e2e-metrics';
import { cpuSnapshot, observeApps, topicEnds } from './e2e-observe';

const say = (line: string) => console.log(`[bench] ${line}`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const { values: flags } = parseArgs({
  options: {
    people: { type: 'string' },
    sample: { type: 'string' },
    'post-concurrency': { type: 'string' },
    'keep-stack': { type: 'boolean', default: false },
    'keep-workflows': { type: 'boolean', default: false },
  },
});
function knob(flag: 'people' | 'sample' | 'post-concurrency', env: string, fallback: number): number {
  const raw = flags[flag] ?? process.env[env];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} / ${env} must be a positive integer (got '${String(raw)}')`);
  return value;
}
const PEOPLE = knob('people', 'BENCH_CAPACITY_PEOPLE', 300);
const SAMPLE = Math.min(PEOPLE, knob('sample', 'BENCH_CAPACITY_SAMPLE', 20));
const POST_CONCURRENCY = knob('post-concurrency', 'BENCH_CAPACITY_POST_CONCURRENCY', 16);
const APP_IDS = ['directory', 'chat', 'wiki', 'code', 'mail'] as const;
const [DEPT_FROM, DEPT_TO] = ['Capacity A', 'Capacity B'];
const group = (dept: string) => `group:${dept.toLowerCase().replace(/\s+/g, '-')}`;
/** Effects the dev-redis apps record per event: what "done" means for a phase. */
const EFFECTS = {
  joiner: APP_IDS.length * 2, // create account, grant the department's group
  mover: APP_IDS.length * 3, // update attributes, grant the new group, revoke the old one
  leaver: APP_IDS.length * 1, // disable
} as const;
type Phase = keyof typeof EFFECTS;
const WARM = 3;
const STALL_MS = 120_000;
const IDLE_MS = 10_000;
const SECRET = 'whsec_YmVuY2gtY2FwYWNpdHktc2VjcmV0LTAwMDE=';
const KAFKA_TOPICS = [TOPICS.raw, TOPICS.events, TOPICS.priority, TOPICS.audit] as const;

const run = Date.now().toString(36);
const taskQueue = `bench-capacity-${run}`;
const consumerGroup = `bench-capacity-${run}`;
const keyPrefix = `jml:bench-capacity:${run}`;
const person = (i: number) => `bench:${run}-c${i}`;

loadDotEnv();
Object.assign(process.env, withSingleBrokerDefaults(process.env));
const unsealed = loadConfig();
if (unsealed.codec.mode === 'unset') Object.assign(process.env, devCodecEnv(ensureDevCodecKey(unsealed.stackDir).path));
const config = loadConfig();
const loadAtStart = loadavg()[0] ?? 0;
say(`run ${run}: ${PEOPLE} people through joiner, mover, leaver; histories of ${SAMPLE}`);
const unlock = await acquireRunLock({ say });
const { endpoints, started } = await stackUp({ dir: config.stackDir, ports: config.ports, persistent: true, ui: true, reuse: config.reuse, tools: toolPaths(config.cacheDir), say });
const cleanups: Array<() => Promise<void>> = [];
const kafka = new Kafka({ clientId: 'bench-capacity', brokers: endpoints.kafkaBrokers.split(','), logLevel: logLevel.NOTHING, ...kafkaSecurityOptions(config.connections.kafka) });
const admin = kafka.admin();
await admin.connect();
cleanups.push(() => admin.disconnect());
const connection = await Connection.connect(temporalConnectionOptions(config.connections.temporal, endpoints.temporalAddress));
cleanups.push(() => connection.close());
const namespace = config.temporal.namespace;
const temporal = new Client({ connection, namespace, dataConverter: temporalDataConverter(config.codec) });
let failure: unknown;

interface PhaseFigures {
  phase: Phase;
  events: number;
  seconds: number;
  /** CPU seconds per event, per process (undefined where the process is not ours to read). */
  cpu: Record<string, number | undefined>;
  /** The dev server's CPU per event minus what it burns idle over the same time. */
  serverCpuNetOfIdle?: number;
  historyWrites?: number;
  history: { events: number; bytes: number; personEvents: number; personBytes: number; eventEvents: number; eventBytes: number; sampled: number };
  kafka: Record<string, { records: number; bytes?: number }>;
  effects: number;
}

try {
  const busy = (await admin.describeGroups(['jml-dispatcher', 'jml-dispatcher.priority'])).groups.filter((g) => g.members.length > 0);
  if (busy.length > 0) throw new Error(`consumer group ${busy.map((g) => g.groupId).join(', ')} is active: a pipeline (npm start) runs on this stack; stop it first`);

  // --- the pipeline under test ---
  const dir = await mkdtemp(join(tmpdir(), 'jml-bench-capacity-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const policyFile = join(dir, 'policy.json');
  const app = { connector: 'dev-redis', settings: { url: endpoints.redisUrl, keyPrefix } };
  const perDepartment = (dept: string) => ({ name: `department ${dept}`, when: { department: dept }, grant: Object.fromEntries(APP_IDS.map((id) => [id, [group(dept)]])) });
  await writeFile(
    policyFile,
    JSON.stringify({
      version: 1,
      apps: Object.fromEntries(APP_IDS.map((id) => [id, app])),
      rules: [{ name: 'everyone gets every app', when: { workerType: 'employee' }, grant: Object.fromEntries(APP_IDS.map((id) => [id, []])) }, perDepartment(DEPT_FROM), perDepartment(DEPT_TO)],
    }),
  );
  const sdkMetricsPort = await freePort();
  // --expose-gc: memory is read after a collection, so that it counts what the cache holds, not garbage.
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL('./e2e-pipeline.ts', import.meta.url)), '--group', consumerGroup, '--temporal-metrics', `127.0.0.1:${sdkMetricsPort}`], {
    env: {
      ...process.env,
      KAFKA_BROKERS: endpoints.kafkaBrokers,
      TEMPORAL_ADDRESS: endpoints.temporalAddress,
      REDIS_URL: endpoints.redisUrl,
      JML_CANONICAL_SECRET: SECRET,
      JML_CONFIG_FILE: policyFile,
      TEMPORAL_TASK_QUEUE: taskQueue,
      JML_BAMBOOHR_POLL_INTERVAL_SECONDS: '0',
      JML_WORKDAY_POLL_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'warn',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
  });
  const memReplies: Array<(m: { rssMb: number; heapUsedMb: number; heapLimitMb: number }) => void> = [];
  const memory = () =>
    new Promise<{ rssMb: number; heapUsedMb: number; heapLimitMb: number }>((resolve) => {
      memReplies.push(resolve);
      child.stdin.write('mem\n');
    });
  let shown = 0;
  let hidden = 0;
  const gatewayUrl = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the pipeline process exited (${code}) before it was ready`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{"url":')) resolve((JSON.parse(line) as { url: string }).url);
      else if (line.startsWith('{"mem":')) memReplies.shift()?.((JSON.parse(line) as { mem: { rssMb: number; heapUsedMb: number; heapLimitMb: number } }).mem);
      else if (line.startsWith('{"loopDelay":')) return;
      else if (shown++ < 20) console.error(`[pipeline] ${line}`);
      else hidden += 1;
    });
  });
  say(`pipeline ready at ${gatewayUrl} (task queue ${taskQueue})`);

  const observer = observeApps({ redisUrl: endpoints.redisUrl, security: config.connections.redis, keyPrefix, appIds: APP_IDS, pollMs: 50 });
  cleanups.push(async () => observer.close());
  const sender = eventSender({ url: gatewayUrl, secret: SECRET, sockets: POST_CONCURRENCY, run, label: 'capacity' });
  cleanups.push(async () => sender.close());
  const ours = async (name: 'temporal' | 'kafka' | 'redis') => (reused(name) ? undefined : readPid(join(config.stackDir, 'pids', `${name}.pid`)));
  const pids = { server: await ours('temporal'), kafka: await ours('kafka'), redis: await ours('redis'), pipeline: child.pid };
  const metricsUrl = reused('temporal') ? undefined : `http://127.0.0.1:${config.ports.temporalMetrics}/metrics`;
  const sdkMetricsUrl = `http://127.0.0.1:${sdkMetricsPort}/metrics`;
  const kafkaLogDir = !reused('kafka') && existsSync(join(config.stackDir, 'kafka')) ? join(config.stackDir, 'kafka') : undefined;

  const hiredAt = Date.now() - 3_600_000;
  const joiner = (p: string, dept: string, at = hiredAt): JmlEvent => makeEvent({ personKey: p, type: 'jml.joiner', enteredAt: new Date(at).toISOString(), person: { department: dept } });
  const mover = (p: string): JmlEvent => {
    const e = makeEvent({ personKey: p, type: 'jml.mover', enteredAt: new Date(Date.now() - 1_000).toISOString(), person: { department: DEPT_TO }, changedFields: ['department'] });
    e.data.previous = { department: DEPT_FROM };
    return e;
  };
  const leaver = (p: string): JmlEvent =>
    makeEvent({ personKey: p, type: 'jml.leaver', enteredAt: new Date(Date.now() - 1_000).toISOString(), person: { department: DEPT_TO }, changedFields: ['status', 'terminationDate'] });

  /** Sends the events and waits until the apps recorded `expected` more effects (exactly: more fails the run too). */
  const apply = async (events: readonly JmlEvent[], expected: number): Promise<number> => {
    const base = await observer.effects();
    await inPool(events.length, POST_CONCURRENCY, (i) => sender.send(events[i] as JmlEvent));
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const n = (await observer.effects()) - base;
      if (n >= expected) return n;
      if (n !== last) [last, lastChange] = [n, Date.now()];
      if (Date.now() - lastChange > STALL_MS) throw new Error(`stalled: ${n} of ${expected} effects after ${STALL_MS / 1000} s without progress`);
      await sleep(100);
    }
  };

  // --- warm-up: the first workflows load the bundle and open connections; not measured ---
  const warm = Array.from({ length: WARM }, (_, i) => `bench:${run}-w${i}`);
  await apply(
    warm.map((p) => joiner(p, DEPT_FROM)),
    WARM * EFFECTS.joiner,
  );
  say(`${WARM} warm-up joiners provisioned`);
  await sleep(2_000);

  // --- the server's idle CPU, to tell load from background ---
  const idleA = cpuSnapshot(pids);
  await sleep(IDLE_MS);
  const idleB = cpuSnapshot(pids);
  const idleServerCores = idleA.processes.server !== undefined && idleB.processes.server !== undefined ? (idleB.processes.server - idleA.processes.server) / ((idleB.at - idleA.at) / 1000) : undefined;

  const people = Array.from({ length: PEOPLE }, (_, i) => person(i));
  const sampled = Array.from({ length: SAMPLE }, (_, i) => people[Math.floor((i * PEOPLE) / SAMPLE)] as string);
  const personHistories = async () => Promise.all(sampled.map((p) => historySize(temporal, namespace, personWorkflowId(p))));
  const memBefore = await memory();
  const cacheBefore = await stickyCacheSize(sdkMetricsUrl);
  let memAfter = memBefore;
  let cacheAfter = cacheBefore;
  let personBefore = sampled.map(() => ({ events: 0, bytes: 0 }));
  const figures: PhaseFigures[] = [];

  const phase = async (name: Phase, make: (p: string) => JmlEvent) => {
    const events = people.map(make);
    const eventIds = new Map(events.map((e) => [e.subject, e.id]));
    const [ends, logBytes, metrics] = await Promise.all([Promise.all(KAFKA_TOPICS.map((t) => topicEnds(admin, t))), topicLogBytes(kafkaLogDir, KAFKA_TOPICS), scrapeMetrics(metricsUrl)]);
    const cpuA = cpuSnapshot(pids);
    const effects = await apply(events, PEOPLE * EFFECTS[name]);
    const cpuB = cpuSnapshot(pids);
    // Writes that finish just after the last effect (the event workflow's completion) belong to the phase.
    await sleep(2_000);
    const [endsAfter, logBytesAfter, metricsAfter] = await Promise.all([Promise.all(KAFKA_TOPICS.map((t) => topicEnds(admin, t))), topicLogBytes(kafkaLogDir, KAFKA_TOPICS), scrapeMetrics(metricsUrl)]);
    if (name === 'joiner') [memAfter, cacheAfter] = [await memory(), await stickyCacheSize(sdkMetricsUrl)];
    const seconds = (cpuB.at - cpuA.at) / 1000;
    const cpu = Object.fromEntries(
      Object.keys(pids).map((k) => {
        const [a, b] = [cpuA.processes[k], cpuB.processes[k]];
        return [k, a === undefined || b === undefined ? undefined : (b - a) / PEOPLE];
      }),
    );
    const personAfter = await personHistories();
    const eventHistories = await Promise.all(sampled.map((p) => historySize(temporal, namespace, eventWorkflowId(p, eventIds.get(p) as string))));
    const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const personEvents = avg(personAfter.map((h, i) => h.events - (personBefore[i]?.events ?? 0)));
    const personBytes = avg(personAfter.map((h, i) => h.bytes - (personBefore[i]?.bytes ?? 0)));
    const eventEvents = avg(eventHistories.map((h) => h.events));
    const eventBytes = avg(eventHistories.map((h) => h.bytes));
    personBefore = personAfter;
    const kafkaFigures = Object.fromEntries(
      KAFKA_TOPICS.map((t, i) => {
        let records = 0;
        for (const [p, end] of endsAfter[i] ?? new Map<number, number>()) records += end - (ends[i]?.get(p) ?? 0);
        const bytes = logBytes && logBytesAfter ? ((logBytesAfter[t] ?? 0) - (logBytes[t] ?? 0)) / PEOPLE : undefined;
        return [t, { records: records / PEOPLE, ...(bytes !== undefined ? { bytes } : {}) }];
      }),
    );
    const writes = metrics && metricsAfter ? serverPhase(metricsDelta(metrics, metricsAfter), taskQueue).writes.count / PEOPLE : undefined;
    const f: PhaseFigures = {
      phase: name,
      events: PEOPLE,
      seconds,
      cpu,
      ...(cpu.server !== undefined && idleServerCores !== undefined ? { serverCpuNetOfIdle: cpu.server - (idleServerCores * seconds) / PEOPLE } : {}),
      ...(writes !== undefined ? { historyWrites: writes } : {}),
      history: { events: personEvents + eventEvents, bytes: personBytes + eventBytes, personEvents, personBytes, eventEvents, eventBytes, sampled: SAMPLE },
      kafka: kafkaFigures,
      effects,
    };
    figures.push(f);
    say(`${name}s: ${PEOPLE} in ${seconds.toFixed(1)} s (${(PEOPLE / seconds).toFixed(1)}/s), ${effects} effects`);
  };

  await phase('joiner', (p) => joiner(p, DEPT_FROM));
  await phase('mover', mover);
  await phase('leaver', leaver);

  const cachedAdded = cacheAfter !== undefined && cacheBefore !== undefined ? cacheAfter - cacheBefore : undefined;
  const perCached = (mb: number) => (cachedAdded && cachedAdded > 0 ? (mb * 1024) / cachedAdded : undefined);
  // The SDK's default when maxCachedWorkflows is unset (reuseV8Context, the default): per worker, from the heap limit.
  const sdkDefaultCache = Math.max(Math.floor((Math.max(memBefore.heapLimitMb - 200, 0) * 600) / 1024), 10);
  const memoryFigures = {
    before: memBefore,
    after: memAfter,
    cachedBefore: cacheBefore,
    cachedAfter: cacheAfter,
    cachedAdded,
    rssKbPerCached: perCached(memAfter.rssMb - memBefore.rssMb),
    heapKbPerCached: perCached(memAfter.heapUsedMb - memBefore.heapUsedMb),
    sdkDefaultMaxCachedWorkflowsPerWorker: sdkDefaultCache,
  };
  const header = {
    run,
    date: new Date().toISOString(),
    machine: `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadAtStart.toFixed(2)} at start, ${(loadavg()[0] ?? 0).toFixed(2)} at the end`,
    stack: `Temporal ${endpoints.temporalAddress} (dev server, SQLite), Kafka ${endpoints.kafkaBrokers} (1 broker), Redis ${endpoints.redisUrl}; ${started.length > 0 ? `started here: ${started.join(', ')}` : 'already running'}`,
    knobs: { people: PEOPLE, sample: SAMPLE, postConcurrency: POST_CONCURRENCY, apps: APP_IDS.length, codec: config.codec.mode === 'unset' ? 'dev key' : config.codec.mode },
    idleServerCores,
    kafkaBytesFrom: kafkaLogDir ? `partition .log files under ${kafkaLogDir}` : 'not measured (Kafka not started by this stack)',
  };
  printTable(header, figures, memoryFigures, hidden);
  const out = fileURLToPath(new URL(`../.jml/bench/capacity-${run}.json`, import.meta.url));
  await mkdir(join(out, '..'), { recursive: true });
  await writeFile(out, `${JSON.stringify({ ...header, phases: figures, memory: memoryFigures }, null, 2)}\n`);
  say(`raw figures: ${out}`);
} catch (err) {
  failure = err;
} finally {
  for (const c of cleanups.reverse()) await c().catch((err: unknown) => say(`cleanup: ${(err as Error).message}`));
}

if (!flags['keep-workflows']) await terminateOpenWorkflows();
// Held until the clean-up is done: the termination is server work a test run should not share.
await unlock();
if (started.length > 0 && !flags['keep-stack']) await stackDown({ dir: config.stackDir, only: started, say });
if (failure) console.error(`[bench] failed: ${failure instanceof Error ? (failure.stack ?? failure.message) : String(failure)}`);
process.exit(failure ? 1 : 0);

function reused(name: 'temporal' | 'kafka' | 'redis'): boolean {
  return Boolean({ temporal: config.reuse.temporalAddress, kafka: config.reuse.kafkaBrokers, redis: config.reuse.redisUrl }[name]);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function printTable(header: Record<string, unknown>, figures: PhaseFigures[], mem: Record<string, unknown> & { before: { rssMb: number; heapUsedMb: number; heapLimitMb: number }; after: { rssMb: number; heapUsedMb: number } }, hidden: number): void {
  const [j, m, l] = (['joiner', 'mover', 'leaver'] as const).map((p) => figures.find((f) => f.phase === p));
  const num = (x: number | undefined, digits: number) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits));
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}x`);
  const rows: Array<[string, (f: PhaseFigures) => number | undefined, number]> = [
    ['events/s reached (end to end)', (f) => f.events / f.seconds, 1],
    ['server CPU ms', (f) => (f.cpu.server === undefined ? undefined : f.cpu.server * 1000), 1],
    ['server CPU ms, net of idle', (f) => (f.serverCpuNetOfIdle === undefined ? undefined : f.serverCpuNetOfIdle * 1000), 1],
    ['history writes (Create+Update)', (f) => f.historyWrites, 1],
    ['history events (person + event wf)', (f) => f.history.events, 1],
    ['  of which person workflow', (f) => f.history.personEvents, 1],
    ['history KB (person + event wf)', (f) => f.history.bytes / 1024, 1],
    ['  of which person workflow', (f) => f.history.personBytes / 1024, 1],
    ...KAFKA_TOPICS.flatMap((t): Array<[string, (f: PhaseFigures) => number | undefined, number]> => [
      [`${t} records`, (f) => f.kafka[t]?.records, 2],
      [`${t} bytes`, (f) => f.kafka[t]?.bytes, 0],
    ]),
    ['pipeline CPU ms (gw+disp+worker)', (f) => (f.cpu.pipeline === undefined ? undefined : f.cpu.pipeline * 1000), 1],
    ['kafka broker CPU ms', (f) => (f.cpu.kafka === undefined ? undefined : f.cpu.kafka * 1000), 1],
    ['redis (5 apps + dedupe) CPU ms', (f) => (f.cpu.redis === undefined ? undefined : f.cpu.redis * 1000), 1],
    ['app effects', (f) => f.effects / f.events, 1],
  ];
  const pad = (s: string, n: number) => s.padEnd(n);
  const lpad = (s: string, n: number) => s.padStart(n);
  const lines: string[] = [];
  lines.push(`capacity benchmark, run ${String(header.run)}, ${String(header.date)}`);
  lines.push(`  machine: ${String(header.machine)}; pipeline CPU is noisy here (2 shared cores), counts are not`);
  lines.push(`  stack: ${String(header.stack)}`);
  lines.push(`  knobs: ${JSON.stringify(header.knobs)}; server idle ${num(header.idleServerCores as number | undefined, 3)} cores`);
  lines.push(`  Kafka bytes: ${String(header.kafkaBytesFrom)} (record batches as stored, with headers, no replication)`);
  lines.push('');
  lines.push(`${pad('per event', 38)}${lpad('joiner', 10)}${lpad('mover', 10)}${lpad('leaver', 10)}${lpad('mover/j', 9)}${lpad('leaver/j', 9)}`);
  for (const [label, get, digits] of rows) {
    const [a, b, c] = [j, m, l].map((f) => (f ? get(f) : undefined));
    lines.push(`${pad(label, 38)}${lpad(num(a, digits), 10)}${lpad(num(b, digits), 10)}${lpad(num(c, digits), 10)}${lpad(ratio(b, a), 9)}${lpad(ratio(c, a), 9)}`);
  }
  lines.push('');
  const kb = (x: unknown) => num(x as number | undefined, 0);
  lines.push(
    `worker memory: pipeline RSS ${mem.before.rssMb} -> ${mem.after.rssMb} MiB, main-thread V8 heap used ${mem.before.heapUsedMb} -> ${mem.after.heapUsedMb} MiB (after GC; workflow state lives in the SDK's workflow threads, seen only in RSS) over the joiners; sticky cache ${String(mem.cachedBefore ?? 'n/a')} -> ${String(mem.cachedAfter ?? 'n/a')} workflows`,
  );
  lines.push(`  per cached person workflow: RSS ${kb(mem.rssKbPerCached)} KiB, main-thread heap ${kb(mem.heapKbPerCached)} KiB; SDK default maxCachedWorkflows ${String(mem.sdkDefaultMaxCachedWorkflowsPerWorker)} per worker (heap limit ${mem.before.heapLimitMb} MiB)`);
  lines.push('includes: server = the Temporal dev server process (frontend, history, matching, SQLite in one); writes = its persistence');
  lines.push('  metrics; histories = mean over the sampled people of the person workflow growth + the event workflow (encoded protobuf);');
  lines.push('  pipeline = gateway, both dispatcher lanes, main and leaver workers in one process; effects = changes the apps recorded.');
  if (hidden > 0) lines.push(`pipeline log lines not shown: ${hidden}`);
  console.log(lines.join('\n'));
}

/** Person workflows never end by design: terminate this run's with a server-side batch job (as bench/e2e.ts does). */
async function terminateOpenWorkflows(): Promise<void> {
  const conn = await Connection.connect(temporalConnectionOptions(config.connections.temporal, endpoints.temporalAddress));
  try {
    const jobId = `bench-capacity-cleanup-${run}`;
    await conn.workflowService.startBatchOperation({
      namespace,
      jobId,
      reason: `bench:capacity run ${run} finished`,
      visibilityQuery: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
      terminationOperation: { identity: 'bench-capacity' },
    });
    const deadline = Date.now() + 300_000;
    for (;;) {
      const job = await conn.workflowService.describeBatchOperation({ namespace, jobId });
      if (job.state !== 1 /* RUNNING */) return say(`batch job ${jobId}: ${job.completeOperationCount}/${job.totalOperationCount} open workflows terminated`);
      if (Date.now() > deadline) return say(`batch job ${jobId} still running after 5 min; it resumes when the stack next runs`);
      await sleep(2_000);
    }
  } catch (err) {
    say(`could not terminate this run's workflows: ${(err as Error).message}`);
  } finally {
    await conn.close();
  }
}
