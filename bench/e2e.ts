/**
 * `npm run bench:e2e`: the pipeline end to end on the real, persistent stack (the one `npm start`
 * uses: Temporal dev server with its SQLite file db, Kafka, Redis; started when it is not running,
 * and stopped again afterwards unless --keep-stack), in one run:
 *
 *   bare      a bare workflow running 5 no-op activities: idle start -> result, then the throughput
 *             of --bare of them (own worker, own bundle of bench/workflows.ts, own task queue)
 *   idle      --leavers leavers one at a time: webhook sent -> disabled in all 5 apps
 *   backlog   --joiners joiners posted as fast as the gateway takes them, --leavers more leavers
 *             spread over the drain; joiner throughput, and leaver latency while joiners queue
 *
 * The pipeline (gateway, both dispatcher lanes, worker: bench/e2e-pipeline.ts) runs in its own
 * process with a policy of 5 dev-redis apps. Each run has its own task queue, dispatcher group
 * (starting at the topics' end) and Redis key prefix, so earlier runs on the same stack do not
 * count. "Disabled" is seen by polling the apps' account hashes in Redis (--poll-ms); joiner
 * completion by counting the apps' effects. The people a run leaves open (person workflows wait
 * forever) are terminated by a batch job at the end unless --keep-workflows.
 *
 * Knobs: --joiners (BENCH_JOINERS, 10000), --leavers (BENCH_LEAVERS, 50 per phase), --bare
 * (BENCH_BARE, min(joiners, 2000)), --poll-ms (BENCH_POLL_MS, 5), --post-concurrency
 * (BENCH_POST_CONCURRENCY, 64). Do not run it against a stack whose `npm start` pipeline runs: its
 * dispatcher would take the benchmark's events (the benchmark refuses to start).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaSecurityOptions } from '../services/connections/kafka';
import { temporalConnectionOptions } from '../services/connections/temporal';
import { toolPaths } from '../infra/stack/paths';
import { readPid } from '../infra/stack/process';
import { stackDown, stackUp } from '../infra/stack/stack';
import { loadConfig, loadDotEnv, withSingleBrokerDefaults } from '../services/config';
import { TOPICS } from '../services/kafka/topics';
import { temporalDataConverter } from '../services/temporal/data-converter';
import { devCodecEnv, ensureDevCodecKey } from '../services/temporal/dev-key';
import { EAGER_ACTIVITIES } from '../services/worker/worker';
import { startBareBench } from './e2e-bare';
import { eventSender, inPool, joinerEvent, leaverEvent } from './e2e-load';
import { metricsDelta, scrapeMetrics, serverPhase } from './e2e-metrics';
import { coresBusy, cpuSnapshot, groupLag, observeApps, topicEnds } from './e2e-observe';
import { printReport, type E2eReport, type LoopDelay } from './e2e-report';
import { allLeaverStages, type LeaverSample } from './e2e-timeline';

const say = (line: string) => console.log(`[bench] ${line}`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// --- knobs ---
const { values: flags } = parseArgs({
  options: {
    joiners: { type: 'string' },
    leavers: { type: 'string' },
    bare: { type: 'string' },
    'poll-ms': { type: 'string' },
    'post-concurrency': { type: 'string' },
    'keep-stack': { type: 'boolean', default: false },
    'keep-workflows': { type: 'boolean', default: false },
  },
});
function knob(flag: keyof typeof flags, env: string, fallback: number): number {
  const raw = flags[flag] ?? process.env[env];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} / ${env} must be a positive integer (got '${String(raw)}')`);
  return value;
}
const JOINERS = knob('joiners', 'BENCH_JOINERS', 10_000);
const LEAVERS = knob('leavers', 'BENCH_LEAVERS', 50);
const BARE = knob('bare', 'BENCH_BARE', Math.min(JOINERS, 2_000));
const POLL_MS = knob('poll-ms', 'BENCH_POLL_MS', 5);
const POST_CONCURRENCY = knob('post-concurrency', 'BENCH_POST_CONCURRENCY', 64);
/** Unmeasured leavers that take the cold paths first (lane consumer, leaver code, priority queues). */
const WARM_LEAVERS = 3;
const BARE_IDLE = 20;
const BARE_START_CONCURRENCY = 16;
const STALL_MS = 15 * 60_000;
/** Log lines of the pipeline's Temporal worker that mean it is overloaded, counted rather than shown. */
const PIPELINE_SYMPTOMS: ReadonlyArray<[string, string]> = [
  ['TMPRL1104', 'workflow task ran over 5 s in the worker (TMPRL1104)'],
  ['Task not found when completing', 'workflow task completed after the server had timed it out (10 s) and rescheduled it'],
];
const APP_IDS = ['directory', 'chat', 'wiki', 'code', 'mail'] as const;
const SECRET = 'whsec_YmVuY2gtZTJlLXNlY3JldC0wMDAwMDAwMQ==';

const run = Date.now().toString(36);
const taskQueue = `bench-e2e-${run}`;
const bareQueue = `bench-bare-${run}`;
const group = `bench-e2e-${run}`;
const keyPrefix = `jml:bench-e2e:${run}`;
const person = (kind: string, i: number) => `bench:${run}-${kind}${i}`;

loadDotEnv();
// The bench stack is one broker (its pipeline child inherits this environment).
Object.assign(process.env, withSingleBrokerDefaults(process.env));
// Payloads sealed as in production (issue 14): the configured key, else npm start's development key of the stack.
const unsealed = loadConfig();
if (unsealed.codec.mode === 'unset') Object.assign(process.env, devCodecEnv(ensureDevCodecKey(unsealed.stackDir).path));
const config = loadConfig();
// The bare worker runs in this process: keep the SDK's bundler and state-change chatter out of the output.
Runtime.install({ logger: new DefaultLogger('WARN') });
const loadAtStart = loadavg()[0] ?? 0;
say(`run ${run}: ${JOINERS} joiners, ${LEAVERS} leavers idle + ${LEAVERS} under backlog, ${BARE} bare workflows`);
const { endpoints, started } = await stackUp({
  dir: config.stackDir,
  ports: config.ports,
  persistent: true,
  ui: true,
  reuse: config.reuse,
  tools: toolPaths(config.cacheDir),
  say,
});
const cleanups: Array<() => Promise<void>> = [];
const kafka = new Kafka({ clientId: 'bench-e2e', brokers: endpoints.kafkaBrokers.split(','), logLevel: logLevel.NOTHING, ...kafkaSecurityOptions(config.connections.kafka) });
const admin = kafka.admin();
await admin.connect();
cleanups.push(() => admin.disconnect());
const connection = await Connection.connect(temporalConnectionOptions(config.connections.temporal, endpoints.temporalAddress));
cleanups.push(() => connection.close());
const temporal = new Client({ connection, namespace: config.temporal.namespace, dataConverter: temporalDataConverter(config.codec) });
let failure: unknown;
const pipelineWarnings = new Map<string, number>();

try {
  // An `npm start` pipeline on this stack would dispatch our events to its own task queue.
  const busy = (await admin.describeGroups(['jml-dispatcher', 'jml-dispatcher.priority'])).groups.filter((g) => g.members.length > 0);
  if (busy.length > 0) {
    throw new Error(`consumer group ${busy.map((g) => g.groupId).join(', ')} is active: a pipeline (npm start) runs on this stack and would take the benchmark's events; stop it first`);
  }

  // --- the pipeline under test, in its own process ---
  const dir = await mkdtemp(join(tmpdir(), 'jml-bench-e2e-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const policyFile = join(dir, 'policy.json');
  const app = { connector: 'dev-redis', settings: { url: endpoints.redisUrl, keyPrefix } };
  await writeFile(
    policyFile,
    JSON.stringify({
      version: 1,
      apps: Object.fromEntries(APP_IDS.map((id) => [id, app])),
      rules: [{ name: 'everyone gets every app', when: { workerType: 'employee' }, grant: Object.fromEntries(APP_IDS.map((id) => [id, []])) }],
    }),
  );
  // BENCH_CPU_PROF=<dir>: V8 CPU profiles of the pipeline process (main thread and workflow threads).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', fileURLToPath(new URL('./e2e-pipeline.ts', import.meta.url)), '--group', group], {
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
  const bareStarting = startBareBench({ address: endpoints.temporalAddress, security: config.connections.temporal, namespace: config.temporal.namespace, taskQueue: bareQueue, run, dataConverter: temporalDataConverter(config.codec) });
  /** Known overload symptoms are counted for the report; anything else is shown (the first 20 lines). */
  let shown = 0;
  const notePipelineLine = (line: string) => {
    const kind = PIPELINE_SYMPTOMS.find(([marker]) => line.includes(marker))?.[1];
    if (kind) pipelineWarnings.set(kind, (pipelineWarnings.get(kind) ?? 0) + 1);
    else if (shown++ < 20) console.error(`[pipeline] ${line}`);
    else pipelineWarnings.set('other log lines (not shown)', (pipelineWarnings.get('other log lines (not shown)') ?? 0) + 1);
  };
  const loopReplies: Array<(d: LoopDelay) => void> = [];
  /** The pipeline's event-loop delay since the previous call (asked on its stdin, answered on its stdout). */
  const loopDelay = () =>
    new Promise<LoopDelay>((resolve) => {
      loopReplies.push(resolve);
      child.stdin.write('loop\n');
    });
  const gatewayUrl = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the pipeline process exited (${code}) before it was ready`)));
    // Pipeline logs (warn and above) share stdout: pass them on, keep the benchmark's lines.
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{"url":')) resolve((JSON.parse(line) as { url: string }).url);
      else if (line.startsWith('{"loopDelay":')) loopReplies.shift()?.((JSON.parse(line) as { loopDelay: LoopDelay }).loopDelay);
      else notePipelineLine(line);
    });
  });
  const bare = await bareStarting;
  cleanups.push(() => bare.shutdown());
  say(`pipeline ready at ${gatewayUrl} (task queue ${taskQueue}); bare worker on ${bareQueue}`);

  const observer = observeApps({ redisUrl: endpoints.redisUrl, security: config.connections.redis, keyPrefix, appIds: APP_IDS, pollMs: POLL_MS });
  cleanups.push(async () => observer.close());
  const joinerSender = eventSender({ url: gatewayUrl, secret: SECRET, sockets: POST_CONCURRENCY, run, label: 'joiner' });
  const leaverSender = eventSender({ url: gatewayUrl, secret: SECRET, sockets: 4, run, label: 'leaver' });
  cleanups.push(async () => (joinerSender.close(), leaverSender.close()));
  const ours = async (name: 'temporal' | 'kafka' | 'redis') => (reusedService(name) ? undefined : readPid(join(config.stackDir, 'pids', `${name}.pid`)));
  const pids = { temporal: await ours('temporal'), kafka: await ours('kafka'), redis: await ours('redis'), pipeline: child.pid, bench: process.pid };
  const metricsUrl = reusedService('temporal') ? undefined : `http://127.0.0.1:${config.ports.temporalMetrics}/metrics`;
  const phases: E2eReport['phases'] = [];
  /** Runs one phase and records what it cost: CPU per process, the pipeline's event loop, the server's own metrics. */
  const measure = async <T>(phase: string, queue: string, items: (result: T) => number, body: () => Promise<T>): Promise<T> => {
    const [metrics] = await Promise.all([scrapeMetrics(metricsUrl), loopDelay()]);
    const cpu = cpuSnapshot(pids);
    const result = await body();
    const busy = coresBusy(cpu, cpuSnapshot(pids));
    const [after, loop] = await Promise.all([scrapeMetrics(metricsUrl), loopDelay()]);
    const server = metrics && after ? serverPhase(metricsDelta(metrics, after), queue) : undefined;
    phases.push({ phase, seconds: busy.seconds, items: items(result), busy, loop, ...(server ? { server } : {}) });
    return result;
  };
  const joinedAt = Date.now() - 3_600_000;

  // --- bare workflow: idle latency, then throughput ---
  await bare.latency(5);
  const bareIdleMs = await bare.latency(BARE_IDLE);
  say(`bare workflow idle start -> result: ${BARE_IDLE} done`);
  const bareThroughput = await measure('bare workflows', bareQueue, () => BARE, () => bare.throughput(BARE, BARE_START_CONCURRENCY));
  say(`bare workflow: ${bareThroughput.perSecond.toFixed(1)}/s (${BARE} in ${bareThroughput.seconds.toFixed(1)} s)`);

  // --- people for the leavers: hired before any measurement ---
  const warmPeople = Array.from({ length: WARM_LEAVERS }, (_, i) => person('w', i));
  const idlePeople = Array.from({ length: LEAVERS }, (_, i) => person('i', i));
  const backlogPeople = Array.from({ length: LEAVERS }, (_, i) => person('b', i));
  const hired = [...warmPeople, ...idlePeople, ...backlogPeople];
  const before = await observer.effects();
  const prejoinStarted = performance.now();
  await inPool(hired.length, 8, (i) => joinerSender.send(joinerEvent(hired[i] as string, joinedAt)));
  await waitUntil(`${hired.length} people hired`, async () => (await observer.effects()) - before >= hired.length * APP_IDS.length, 300_000);
  const enabled = await observer.enabledEverywhere(hired);
  if (enabled !== hired.length) throw new Error(`only ${enabled} of ${hired.length} people hold an enabled account in every app`);
  say(`${hired.length} people hired (5 apps each) in ${((performance.now() - prejoinStarted) / 1000).toFixed(1)} s`);
  await sleep(2_000);

  // --- leavers at idle, one at a time ---
  const leave = async (personKey: string, backlog?: () => number): Promise<LeaverSample> => {
    const event = leaverEvent(personKey);
    const disabled = observer.whenDisabled(personKey);
    const atSend = backlog?.();
    const sentAt = Date.now();
    const acceptedAt = await leaverSender.send(event);
    const disabledAt = await disabled;
    return { personKey, eventId: event.id, sentAt, acceptedAt, disabledAt, ...(atSend !== undefined ? { backlog: atSend } : {}) };
  };
  for (const p of warmPeople) {
    await leave(p);
    await sleep(500);
  }
  const idleSamples = await measure('leavers at idle', taskQueue, (s) => s.length, async () => {
    const samples: LeaverSample[] = [];
    for (const p of idlePeople) {
      samples.push(await leave(p));
      await sleep(500);
    }
    return samples;
  });
  say(`idle leavers done: ${idleSamples.map((s) => s.disabledAt - s.sentAt).sort((a, b) => a - b)[Math.floor(LEAVERS / 2)]} ms median`);

  // --- the backlog: joiners as fast as the gateway takes them, leavers spread over the drain ---
  const backlogResult = await measure('joiner backlog', taskQueue, () => JOINERS, async () => {
    const effectsBase = await observer.effects();
    const lagBase = await topicEnds(admin, TOPICS.events);
    const t0 = performance.now();
    let done = 0;
    let postedAt: number | undefined;
    let dispatchedAt: number | undefined;
    const progress: Array<{ t: number; done: number }> = [{ t: t0, done: 0 }];
    const backlogSamples: LeaverSample[] = [];
    const inFlight: Array<Promise<void>> = [];

    const posting = inPool(JOINERS, POST_CONCURRENCY, (i) => joinerSender.send(joinerEvent(person('j', i), joinedAt))).then(() => {
      postedAt = performance.now();
      say(`${JOINERS} joiners posted in ${((postedAt - t0) / 1000).toFixed(1)} s`);
    });
    /** Joiners per second over the last 20 s (undefined until some finished). */
    const recentRate = (): number | undefined => {
      const now = progress[progress.length - 1] as { t: number; done: number };
      const then = progress.find((p) => p.t >= now.t - 20_000) ?? now;
      return now.done - then.done >= 5 ? ((now.done - then.done) * 1000) / (now.t - then.t) : undefined;
    };
    const fallbackRate = Math.max(1, bareThroughput.perSecond * 0.5);

    let leaversSent = 0;
    const leavers = (async () => {
      await sleep(3_000);
      for (const p of backlogPeople) {
        if (done >= JOINERS * 0.97) break;
        leaversSent += 1;
        inFlight.push(leave(p, () => JOINERS - done).then((s) => void backlogSamples.push(s)));
        // Spread the remaining leavers over ~90 % of the expected remaining drain.
        const remainingMs = ((JOINERS - done) / (recentRate() ?? fallbackRate)) * 1000;
        await sleep(Math.min(60_000, Math.max(200, (remainingMs * 0.9) / (LEAVERS - leaversSent + 1))));
      }
    })();

    // Joiners may make no visible progress for minutes while person workflows (priority 2) start
    // their children (priority 3): a stall is when nothing at all moves for a long time.
    let lastChange = performance.now();
    let lastMoved = '';
    let lastReport = performance.now();
    let lastLag = 0;
    let lag = Number.NaN;
    for (;;) {
      await sleep(200);
      const now = performance.now();
      const effects = (await observer.effects()) - effectsBase - backlogSamples.length * APP_IDS.length;
      const d = Math.min(JOINERS, Math.floor(effects / APP_IDS.length));
      if (d !== done) [done, lastChange] = [d, now];
      const moved = `${lag}/${backlogSamples.length}`;
      if (moved !== lastMoved) [lastMoved, lastChange] = [moved, now];
      progress.push({ t: now, done });
      if (dispatchedAt === undefined && now - lastLag >= 2_000) {
        lastLag = now;
        lag = await groupLag(admin, group, TOPICS.events, lagBase);
        if (postedAt !== undefined && lag === 0) dispatchedAt = now;
      }
      if (now - lastReport >= 30_000) {
        lastReport = now;
        const rate = recentRate();
        say(`backlog: ${done}/${JOINERS} joiners provisioned (${rate === undefined ? '-' : rate.toFixed(1)}/s), events-lane lag ${dispatchedAt ? 0 : lag}, leavers sent ${leaversSent}/${LEAVERS}, measured ${backlogSamples.length}`);
      }
      if (done >= JOINERS) break;
      if (now - lastChange > STALL_MS) throw new Error(`nothing moved for ${STALL_MS / 60_000} min: ${done}/${JOINERS} joiners provisioned, events-lane lag ${lag}`);
    }
    const doneAt = performance.now();
    await Promise.all([posting, leavers, ...inFlight]);
    const effects = (await observer.effects()) - effectsBase;
    const at = (fraction: number) => progress.find((p) => p.done >= JOINERS * fraction)?.t;
    const [p1, p10, p90] = [at(0.01), at(0.1), at(0.9)];
    return {
      samples: backlogSamples,
      notSent: LEAVERS - leaversSent,
      joiners: JOINERS,
      seconds: (doneAt - t0) / 1000,
      postSeconds: ((postedAt ?? doneAt) - t0) / 1000,
      ...(dispatchedAt !== undefined ? { dispatchSeconds: (dispatchedAt - t0) / 1000 } : {}),
      ...(p1 !== undefined ? { firstPercentSeconds: (p1 - t0) / 1000 } : {}),
      ...(p10 !== undefined && p90 !== undefined && p90 > p10 ? { steadyPerSecond: (JOINERS * 0.8 * 1000) / (p90 - p10) } : {}),
      effects,
      expectedEffects: (JOINERS + backlogSamples.length) * APP_IDS.length,
    };
  });

  say('reading the leavers\' workflow histories');
  const [idleStages, backlogStages] = [await allLeaverStages(temporal, idleSamples), await allLeaverStages(temporal, backlogResult.samples)];
  const dbSize = await stat(join(config.stackDir, 'temporal.db')).then((s) => `${(s.size / 1e6).toFixed(0)} MB`, () => 'n/a');
  printReport({
    header: [
      `end-to-end benchmark, run ${run}, one run on the persistent stack (${started.length > 0 ? `started here: ${started.join(', ')}` : 'already running'})`,
      `  Temporal ${endpoints.temporalAddress} (dev server, SQLite file db ${dbSize} after the run), Kafka ${endpoints.kafkaBrokers}, Redis ${endpoints.redisUrl}`,
      `  machine: ${cpus().length} cores, load average ${loadAtStart.toFixed(2)} at start and ${(loadavg()[0] ?? 0).toFixed(2)} at the end; other work shares this machine, so figures are noisy: compare the ratio`,
    ],
    knobs: [
      `knobs: --joiners ${JOINERS} --leavers ${LEAVERS} (per phase, +${WARM_LEAVERS} unmeasured warm-up) --bare ${BARE} --poll-ms ${POLL_MS} --post-concurrency ${POST_CONCURRENCY}`,
      `       5 dev-redis apps (${APP_IDS.join(', ')}), key prefix ${keyPrefix}; task queue ${taskQueue}, dispatcher group ${group} (+ .priority), start at topic end`,
      `       worker options: SDK defaults, ${EAGER_ACTIVITIES} eager activity slots per workflow task (all three workers); bare starts ${BARE_START_CONCURRENCY} in flight; leavers posted on their own 4-socket pool`,
    ],
    bare: { idleMs: bareIdleMs, throughput: bareThroughput },
    idle: { samples: idleSamples, stages: idleStages },
    backlog: { ...backlogResult, stages: backlogStages },
    phases,
    pipelineWarnings: [...pipelineWarnings],
  });
} catch (err) {
  failure = err;
} finally {
  for (const c of cleanups.reverse()) await c().catch((err: unknown) => say(`cleanup: ${(err as Error).message}`));
}

if (!flags['keep-workflows']) await terminateOpenWorkflows();
if (started.length > 0 && !flags['keep-stack']) await stackDown({ dir: config.stackDir, only: started, say });
else say(`stack left running (${started.length > 0 ? '--keep-stack' : 'it was running before'}); npm run stack:down stops it`);
if (failure) console.error(`[bench] failed: ${failure instanceof Error ? (failure.stack ?? failure.message) : String(failure)}`);
process.exit(failure ? 1 : 0);

function reusedService(name: 'temporal' | 'kafka' | 'redis'): boolean {
  return Boolean({ temporal: config.reuse.temporalAddress, kafka: config.reuse.kafkaBrokers, redis: config.reuse.redisUrl }[name]);
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * Person workflows never end by design: terminate this run's with a server-side batch job, and wait
 * for it (bounded), so that the next run does not measure this clean-up.
 */
async function terminateOpenWorkflows(): Promise<void> {
  const conn = await Connection.connect(temporalConnectionOptions(config.connections.temporal, endpoints.temporalAddress));
  try {
    const jobId = `bench-e2e-cleanup-${run}`;
    const namespace = config.temporal.namespace;
    await conn.workflowService.startBatchOperation({
      namespace,
      jobId,
      reason: `bench:e2e run ${run} finished`,
      visibilityQuery: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
      terminationOperation: { identity: 'bench-e2e' },
    });
    say(`terminating this run's open workflows: batch job ${jobId} (interrupting is safe: the job runs in the server)`);
    const deadline = Date.now() + 600_000;
    for (;;) {
      const job = await conn.workflowService.describeBatchOperation({ namespace, jobId });
      if (job.state !== 1 /* RUNNING */) return say(`batch job ${jobId}: ${job.completeOperationCount}/${job.totalOperationCount} terminated`);
      if (Date.now() > deadline) return say(`batch job ${jobId} still running after 10 min; it resumes when the stack next runs`);
      await sleep(2_000);
    }
  } catch (err) {
    say(`could not terminate this run's workflows: ${(err as Error).message}`);
  } finally {
    await conn.close();
  }
}
