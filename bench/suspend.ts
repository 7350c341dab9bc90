/**
 * `npm run bench:suspend`: how fast an emergency suspension cuts a person off, beside a leaver, on
 * the real, persistent stack (`npm start`'s: Temporal dev server, Kafka, Redis; started when it is
 * not running, stopped again afterwards unless --keep-stack), idle (one request at a time):
 *
 *   leaver           a signed jml.leaver posted to the gateway -> disabled in all 5 apps
 *   suspend (API)    a signed jml.security.suspend posted to the gateway -> disabled in all 5 apps
 *   suspend (update) the `securityAction` update `jml suspend` sends -> disabled in all 5 apps
 *
 * The pipeline runs in its own process (bench/e2e-pipeline.ts) with a policy of 5 dev-redis apps and
 * one canonical key scoped for suspend and restore. Each kind gets --people people (BENCH_PEOPLE, 20)
 * measured one after another, after a few unmeasured warm-ups; each person is hired first. "Disabled"
 * is seen by polling the apps' account hashes in Redis every --poll-ms (BENCH_POLL_MS, 5). This run's
 * person workflows are terminated at the end unless --keep-workflows.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { toolPaths } from '../infra/stack/paths';
import { stackDown, stackUp } from '../infra/stack/stack';
import { personWorkflowId, securityActionUpdate } from '../schemas/contracts';
import type { SecurityAction } from '../schemas/security-action.v1';
import { loadConfig, loadDotEnv, withSingleBrokerDefaults } from '../services/config';
import { temporalConnectionOptions } from '../services/connections/temporal';
import { temporalDataConverter } from '../services/temporal/data-converter';
import { devCodecEnv, ensureDevCodecKey } from '../services/temporal/dev-key';
import { eventSender, inPool, joinerEvent, leaverEvent } from './e2e-load';
import { observeApps } from './e2e-observe';
import { percentile } from './support/stats';

const say = (line: string) => console.log(`[bench] ${line}`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const { values: flags } = parseArgs({
  options: {
    people: { type: 'string' },
    'poll-ms': { type: 'string' },
    'keep-stack': { type: 'boolean', default: false },
    'keep-workflows': { type: 'boolean', default: false },
  },
});
function knob(flag: 'people' | 'poll-ms', env: string, fallback: number): number {
  const raw = flags[flag] ?? process.env[env];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} / ${env} must be a positive integer (got '${String(raw)}')`);
  return value;
}
const PEOPLE = knob('people', 'BENCH_PEOPLE', 20);
const POLL_MS = knob('poll-ms', 'BENCH_POLL_MS', 5);
const WARM = 2;
const KINDS = ['leaver', 'suspend (API)', 'suspend (update)'] as const;
type Kind = (typeof KINDS)[number];
const APP_IDS = ['directory', 'chat', 'wiki', 'code', 'mail'] as const;

const run = Date.now().toString(36);
const taskQueue = `bench-suspend-${run}`;
const group = `bench-suspend-${run}`;
const keyPrefix = `jml:bench-suspend:${run}`;
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const person = (kind: number, i: number) => `bench:${run}-k${kind}p${i}`;

loadDotEnv();
Object.assign(process.env, withSingleBrokerDefaults(process.env));
const unsealed = loadConfig();
if (unsealed.codec.mode === 'unset') Object.assign(process.env, devCodecEnv(ensureDevCodecKey(unsealed.stackDir).path));
const config = loadConfig();
say(`run ${run}: ${PEOPLE} people per kind (${KINDS.join(', ')}), idle, polling every ${POLL_MS} ms`);
const { endpoints, started } = await stackUp({ dir: config.stackDir, ports: config.ports, persistent: true, ui: true, reuse: config.reuse, tools: toolPaths(config.cacheDir), say });
const cleanups: Array<() => Promise<void>> = [];
const connection = await Connection.connect(temporalConnectionOptions(config.connections.temporal, endpoints.temporalAddress));
cleanups.push(() => connection.close());
const temporal = new Client({ connection, namespace: config.temporal.namespace, dataConverter: temporalDataConverter(config.codec) });
let failure: unknown;
const results: Record<Kind, number[]> = { leaver: [], 'suspend (API)': [], 'suspend (update)': [] };

try {
  const dir = await mkdtemp(join(tmpdir(), 'jml-bench-suspend-'));
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
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./e2e-pipeline.ts', import.meta.url)), '--group', group], {
    env: {
      ...process.env,
      KAFKA_BROKERS: endpoints.kafkaBrokers,
      TEMPORAL_ADDRESS: endpoints.temporalAddress,
      REDIS_URL: endpoints.redisUrl,
      JML_CANONICAL_SECRET: '',
      JML_CANONICAL_SECRETS: JSON.stringify([{ secret: { env: 'BENCH_SUSPEND_KEY' }, actions: ['suspend', 'restore'] }]),
      BENCH_SUSPEND_KEY: SECRET,
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
  const gatewayUrl = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the pipeline process exited (${code}) before it was ready`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{"url":')) resolve((JSON.parse(line) as { url: string }).url);
      else if (!line.startsWith('{"loopDelay":')) console.error(`[pipeline] ${line}`);
    });
  });
  say(`pipeline ready at ${gatewayUrl} (task queue ${taskQueue})`);
  const observer = observeApps({ redisUrl: endpoints.redisUrl, security: config.connections.redis, keyPrefix, appIds: APP_IDS, pollMs: POLL_MS });
  cleanups.push(async () => observer.close());
  const sender = eventSender({ url: gatewayUrl, secret: SECRET, sockets: 8, run, label: 'suspend' });
  cleanups.push(async () => sender.close());

  // Everyone is hired first, and enabled everywhere before anything is measured.
  const everyone = KINDS.flatMap((_, k) => Array.from({ length: WARM + PEOPLE }, (__, i) => person(k, i)));
  const hiredAt = Date.now() - 3_600_000;
  await inPool(everyone.length, 16, (i) => sender.send(joinerEvent(everyone[i] as string, hiredAt)));
  const deadline = Date.now() + 15 * 60_000;
  while ((await observer.enabledEverywhere(everyone)) < everyone.length) {
    if (Date.now() > deadline) throw new Error('joiners did not complete within 15 minutes');
    await sleep(250);
  }
  say(`${everyone.length} people enabled in ${APP_IDS.length} apps`);

  const ask: Record<Kind, (personKey: string, i: number) => Promise<unknown>> = {
    leaver: (personKey) => sender.send(leaverEvent(personKey)),
    'suspend (API)': (personKey, i) => {
      const action: SecurityAction = {
        specversion: '1.0',
        id: `bench-${run}-${i}`,
        source: '/security/bench',
        type: 'jml.security.suspend',
        subject: personKey,
        time: new Date().toISOString(),
        data: { reason: 'bench:suspend', requestedBy: 'bench' },
      };
      return sender.send(action);
    },
    'suspend (update)': (personKey) =>
      temporal.workflow.getHandle(personWorkflowId(personKey)).executeUpdate(securityActionUpdate, { args: [{ action: 'suspend', by: 'bench:suspend', reason: 'bench:suspend' }] }),
  };
  for (const [k, kind] of KINDS.entries()) {
    for (let i = 0; i < WARM + PEOPLE; i++) {
      const personKey = person(k, i);
      const t0 = Date.now();
      const disabled = observer.whenDisabled(personKey);
      await ask[kind](personKey, i);
      const ms = (await disabled) - t0;
      if (i >= WARM) results[kind].push(ms);
    }
    say(`${kind}: ${PEOPLE} measured`);
  }
} catch (err) {
  failure = err;
} finally {
  for (const c of cleanups.reverse()) await c().catch((err: unknown) => say(`cleanup: ${(err as Error).message}`));
}

if (!failure) {
  console.log(`\nrequest -> disabled in all ${APP_IDS.length} apps, idle, ms (${PEOPLE} each; poll every ${POLL_MS} ms)`);
  console.log(`${'kind'.padEnd(18)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}`);
  for (const kind of KINDS) {
    const v = results[kind];
    console.log(`${kind.padEnd(18)} ${String(percentile(v, 50)).padStart(7)} ${String(percentile(v, 99)).padStart(7)} ${String(Math.max(...v)).padStart(7)}`);
  }
}
if (!flags['keep-workflows']) await terminateOpenWorkflows();
if (started.length > 0 && !flags['keep-stack']) await stackDown({ dir: config.stackDir, only: started, say });
if (failure) console.error(`[bench] failed: ${failure instanceof Error ? (failure.stack ?? failure.message) : String(failure)}`);
process.exit(failure ? 1 : 0);

/** Person workflows never end by design: terminate this run's (a server-side batch job), bounded. */
async function terminateOpenWorkflows(): Promise<void> {
  const conn = await Connection.connect(temporalConnectionOptions(config.connections.temporal, endpoints.temporalAddress));
  try {
    const jobId = `bench-suspend-cleanup-${run}`;
    const namespace = config.temporal.namespace;
    await conn.workflowService.startBatchOperation({
      namespace,
      jobId,
      reason: `bench:suspend run ${run} finished`,
      visibilityQuery: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
      terminationOperation: { identity: 'bench-suspend' },
    });
    const deadline = Date.now() + 300_000;
    for (;;) {
      const job = await conn.workflowService.describeBatchOperation({ namespace, jobId });
      if (job.state !== 1 /* RUNNING */) return say(`batch job ${jobId}: ${job.completeOperationCount}/${job.totalOperationCount} terminated`);
      if (Date.now() > deadline) return say(`batch job ${jobId} still running after 5 min; it resumes when the stack next runs`);
      await sleep(2_000);
    }
  } catch (err) {
    say(`could not terminate this run's workflows: ${(err as Error).message}`);
  } finally {
    await conn.close();
  }
}
