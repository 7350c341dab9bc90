import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildDist, type BuildResult } from '../../infra/build/build';
import { freePort } from '../../infra/stack/process';
import { effectsKey } from '../../connectors/dev-redis';
import { eventWorkflowId } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { loadConfig } from '../../services/config';
import { TOPICS } from '../../services/kafka/topics';
import { temporalDataConverter } from '../../services/temporal/data-converter';
import { signStandardWebhook } from '../../sources/canonical/standard-webhooks';
import { HISTORIES_DIR } from '../replay/capture';
import { postSigned } from '../support/canonical-client';
import { makeEvent } from '../support/events';
import { positionDispatcherAtEnd } from '../support/kafka';
import { startRoleProcess, type RoleProcess } from '../support/role-process';
import { eventually } from '../support/wait';

/**
 * The production build, run as separate processes (gateway, dispatcher, worker, codec server) with
 * explicit production configuration against the shared stack. Isolated like the other integration
 * tests: its own task queue, dispatcher group (positioned at the topics' end before it first joins,
 * so it never reads other runs' history), person keys and dev-redis key prefix. Keys and tokens are
 * made per run and configured by reference, as in production.
 */
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const CODEC_KEY = randomBytes(32).toString('base64');
const CODEC_TOKEN = randomBytes(32).toString('base64url');
const run = Date.now().toString(36);
const APP = 'directory';
const prefix = `jml:it-roles:${run}`;
const group = `roles-${run}`;
const DRAIN_DELAY_MS = 1_500;

describe('production roles as separate processes', () => {
  const stack = inject('stack');
  let built: BuildResult;
  let env: Record<string, string>;
  let redis: Redis;
  let admin: Admin;
  let temporal: Client;
  let gatewayPort: number;
  let codecPort: number;
  let temporalMetricsPort: number;
  let raw: Client;
  const processes: RoleProcess[] = [];
  /** Every event accepted by a gateway in this file: each must be applied exactly once in the end. */
  const accepted: JmlEvent[] = [];
  let sequence = 0;
  /** The event of the end-to-end test, whose workflow the codec server test opens. */
  let firstEvent: JmlEvent | undefined;

  const start = async (role: string): Promise<RoleProcess> => {
    const p = startRoleProcess({ entry: built.entry, role, env });
    processes.push(p);
    await p.ready;
    return p;
  };
  const stop = async (p: RoleProcess): Promise<number | null> => {
    p.child.kill('SIGTERM');
    return p.exited;
  };
  const nextEvent = () => makeEvent({ personKey: `test:${run}-${++sequence}`, type: 'jml.joiner' });
  const gatewayUrl = () => `http://127.0.0.1:${gatewayPort}`;
  const post = async (event: JmlEvent) => {
    const res = await postSigned({ url: gatewayUrl(), secret: SECRET, body: event, webhookId: `wh-${event.id}` });
    if (res.status === 202) accepted.push(event);
    return res.status;
  };
  /** Effects at the app by event id (the connector records one line per change it made). */
  const effects = async (): Promise<Map<string, string[]>> => {
    const byEvent = new Map<string, string[]>();
    for (const line of await redis.lrange(effectsKey({ keyPrefix: prefix }, APP), 0, -1)) {
      const id = line.slice(0, line.indexOf('/'));
      byEvent.set(id, [...(byEvent.get(id) ?? []), line]);
    }
    return byEvent;
  };
  const lag = async (groupId: string, topic: string): Promise<number> => {
    const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.reduce((sum, e) => sum + Number(e.high) - Math.max(0, at.get(e.partition) ?? 0), 0);
  };

  beforeAll(async () => {
    // The build under test, into a folder of its own inside the clone (.jml/ is ignored).
    built = await buildDist({ outDir: join('.jml', `roles-test-${process.pid}`) });
    const dir = await mkdtemp(join(tmpdir(), 'jml-roles-'));
    const policy = join(dir, 'policy.yaml');
    await writeFile(
      policy,
      `version: 1
apps:
  ${APP}: { connector: dev-redis, settings: { url: "${stack.redisUrl}", keyPrefix: "${prefix}" } }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { ${APP}: [] } }
`,
    );
    const codecKeyFile = join(dir, 'codec-key');
    await writeFile(codecKeyFile, CODEC_KEY, { mode: 0o600 });
    const codecKeys = JSON.stringify([{ id: `roles-${run}`, key: { file: codecKeyFile } }]);
    gatewayPort = await freePort();
    codecPort = await freePort();
    temporalMetricsPort = await freePort();
    // Explicit production configuration, nothing inherited from this process.
    env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      KAFKA_BROKERS: stack.kafkaBrokers,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      REDIS_URL: stack.redisUrl,
      // The shared stack has one broker.
      KAFKA_REPLICATION_FACTOR: '1',
      KAFKA_MIN_INSYNC_REPLICAS: '1',
      TEMPORAL_TASK_QUEUE: `roles-${run}`,
      JML_DISPATCHER_GROUP: group,
      JML_CANONICAL_SECRET: SECRET,
      JML_CODEC_KEYS: codecKeys,
      JML_CODEC_SERVER_TOKEN: JSON.stringify({ env: 'ROLES_TEST_CODEC_TOKEN' }),
      ROLES_TEST_CODEC_TOKEN: CODEC_TOKEN,
      JML_CODEC_SERVER_PORT: String(codecPort),
      JML_CONFIG_FILE: policy,
      GATEWAY_PORT: String(gatewayPort),
      JML_GATEWAY_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
      JML_SHUTDOWN_DEADLINE_MS: '20000',
      // Dispatcher and worker each serve an ops port: any free one (each logs its URL when running).
      JML_OPS_HOST: '127.0.0.1',
      JML_OPS_PORT: '0',
      JML_TEMPORAL_METRICS_PORT: String(temporalMetricsPort),
      LOG_LEVEL: 'info',
    };
    redis = new Redis(stack.redisUrl);
    admin = new Kafka({ clientId: 'it-roles', brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    // The new group starts at the topics' current end (a group without offsets would read everything).
    await positionDispatcherAtEnd(admin, group, TOPICS);
    // The test reads results as ops would (with the codec), and histories as anyone with access to the server would (without).
    const connection = await Connection.connect({ address: stack.temporalAddress });
    temporal = new Client({ connection, dataConverter: temporalDataConverter(loadConfig(env).codec) });
    raw = new Client({ connection });
  }, 180_000);

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    redis?.disconnect();
    await admin?.disconnect();
    await temporal?.connection.close();
    if (built) await rm(built.outDir, { recursive: true, force: true });
  });

  it('build > the prebuilt workflow bundle loads and replays a stored history of every workflow type', { timeout: 120_000 }, async () => {
    const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();
    const histories = await Promise.all(files.map(async (f) => ({ workflowId: f, history: JSON.parse(await readFile(new URL(f, HISTORIES_DIR), 'utf8')) as unknown })));
    const failures: string[] = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: built.workflowBundle } }, histories)) if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
    expect(failures).toEqual([]);
    const code = await readFile(built.workflowBundle, 'utf8');
    for (const name of ['personWorkflow', 'jmlEventWorkflow', 'pollerWorkflow']) expect(code).toContain(name);
    // The entry is one file: none of our sources is imported at run time (Node could not resolve them without extensions).
    expect(await readFile(built.entry, 'utf8')).not.toMatch(/from ["']\.{1,2}\//);
  });

  it('boot > the built entry refuses an incomplete configuration with one line per missing piece (exit 2), and exits 1 when it cannot start', { timeout: 60_000 }, async () => {
    const bare = startRoleProcess({ entry: built.entry, role: 'worker', env: { PATH: env.PATH as string, HOME: env.HOME as string } });
    expect(await bare.exited).toBe(2);
    expect(bare.output().split('\n')).toEqual([
      'jml-pipeline worker: invalid configuration:',
      expect.stringMatching(/^ {2}- KAFKA_BROKERS is not set: /),
      expect.stringMatching(/^ {2}- TEMPORAL_ADDRESS is not set: /),
      expect.stringMatching(/^ {2}- REDIS_URL is not set: /),
      expect.stringMatching(/^ {2}- JML_CODEC_KEYS is not set: /),
      expect.stringMatching(/^ {2}- JML_CONFIG_FILE is not set: /),
    ]);
    // Complete, but the namespace does not exist: the worker cannot start, and an orchestrator should retry.
    const lost = startRoleProcess({ entry: built.entry, role: 'worker', env: { ...env, TEMPORAL_NAMESPACE: `no-such-namespace-${run}` } });
    expect(await lost.exited).toBe(1);
    expect(lost.output()).toMatch(/"msg":"the worker role could not start"/);
  });

  it('end to end > a signed event posted to the gateway process is applied at the app by the dispatcher and worker processes', { timeout: 120_000 }, async () => {
    const [worker, dispatcher, gateway] = await Promise.all([start('worker'), start('dispatcher'), start('gateway')]);
    const event = nextEvent();
    expect(await post(event)).toBe(202);
    const applied = await eventually('the joiner applied at the app', async () => (await effects()).get(event.id), 60_000);
    expect(applied).toEqual([`${event.id}/${APP}/createAccount create`]);
    expect(await temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id)).result()).toMatchObject({ kind: 'joiner' });

    // Each process serves its own metrics: the gateway on its port, dispatcher and worker on their ops port, the worker also the Temporal SDK's.
    const text = async (url: string) => {
      const res = await fetch(url);
      expect(res.status, url).toBe(200);
      return res.text();
    };
    const opsOf = async (p: RoleProcess) => (await p.ready).opsUrl as string;
    expect((await gateway.ready).opsUrl).toBeUndefined();
    expect(await text(`${gatewayUrl()}/metrics`)).toContain('jml_gateway_events_accepted_total{route="/v1/events"} 1\n');
    expect(await text(`${await opsOf(dispatcher)}/metrics`)).toContain('jml_dispatcher_handoffs_total{topic="jml.events.v1",outcome="handed-off"} 1\n');
    expect(await text(`${await opsOf(worker)}/metrics`)).toContain(`jml_connector_step_seconds_count{app="${APP}",operation="createAccount",outcome="applied"} 1\n`);
    for (const p of [dispatcher, worker]) expect((await fetch(`${await opsOf(p)}/readyz`)).status).toBe(200);
    await eventually('the worker\'s Temporal SDK metrics', async () => ((await text(`http://127.0.0.1:${temporalMetricsPort}/metrics`)).includes(`task_queue="roles-${run}"`) ? true : undefined));
    firstEvent = event;
  });

  it('codec server > the codec-server process opens the sealed input of that workflow for a caller with the token, and for nobody else', { timeout: 60_000 }, async () => {
    const event = firstEvent as JmlEvent;
    const codec = await start('codec-server');
    const url = `http://127.0.0.1:${codecPort}`;
    // As stored on the server: sealed, no name or email in the bytes.
    const history = await raw.workflow.getHandle(eventWorkflowId(event.subject, event.id)).fetchHistory();
    const stored = JSON.stringify(history);
    for (const plain of [event.data.person.givenName, event.data.person.familyName, event.data.person.workEmail]) expect(stored).not.toContain(plain);
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    expect(input.length).toBeGreaterThan(0);
    const body = JSON.stringify({
      payloads: input.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
        data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
      })),
    });
    const decode = (authorization?: string) =>
      fetch(`${url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body });
    expect((await decode()).status).toBe(401);
    expect((await decode(`Bearer ${randomBytes(32).toString('base64url')}`)).status).toBe(401);
    const opened = await decode(`Bearer ${CODEC_TOKEN}`);
    expect(opened.status).toBe(200);
    const decoded = ((await opened.json()) as { payloads: Array<{ data: string }> }).payloads.map((p) => Buffer.from(p.data, 'base64').toString('utf8')).join('\n');
    expect(decoded).toContain(event.data.person.workEmail as string);
    expect(await stop(codec)).toBe(0);
  });

  it('SIGTERM > the gateway answers /readyz 503, then answers every request it holds before it exits 0', { timeout: 120_000 }, async () => {
    const gateway = processes.find((p) => p.role === 'gateway') as RoleProcess;
    // One request whose body is still arriving when the signal comes, and when the listener closes.
    const slow = nextEvent();
    const raw = JSON.stringify(slow);
    const ts = Math.floor(Date.now() / 1000);
    const slowAnswer = new Promise<number>((resolve, reject) => {
      const req = request(`${gatewayUrl()}/v1/events`, {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(raw),
          'webhook-id': `wh-${slow.id}`,
          'webhook-timestamp': String(ts),
          'webhook-signature': signStandardWebhook(SECRET, `wh-${slow.id}`, ts, raw),
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(raw.slice(0, 100));
      setTimeout(() => req.end(raw.slice(100)), DRAIN_DELAY_MS + 700);
    });
    await new Promise((r) => setTimeout(r, 100));
    // A burst in flight when the signal comes.
    const burst = Array.from({ length: 30 }, () => nextEvent());
    const answers = Promise.all(burst.map((e) => post(e)));
    gateway.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const ready = await fetch(`${gatewayUrl()}/readyz`);
    expect(ready.status).toBe(503);
    // Past the drain delay the listener is closed: a new connection is refused, the held request is still answered.
    await new Promise((r) => setTimeout(r, DRAIN_DELAY_MS + 200));
    await expect(fetch(`${gatewayUrl()}/healthz`)).rejects.toThrow();
    expect(await answers).toEqual(burst.map(() => 202));
    expect(await slowAnswer).toBe(202);
    accepted.push(slow);
    expect(await gateway.exited).toBe(0);
  });

  it('SIGTERM > dispatcher and worker stopped mid-stream and restarted: every event applied exactly once, offsets committed', { timeout: 180_000 }, async () => {
    await start('gateway');
    let dispatcher = processes.find((p) => p.role === 'dispatcher') as RoleProcess;
    let worker = processes.find((p) => p.role === 'worker') as RoleProcess;
    const before = new Set(accepted.map((e) => e.id));
    await eventually('the earlier events applied', async () => {
      const now = await effects();
      return [...before].every((id) => now.has(id)) ? true : undefined;
    }, 60_000);
    // A steady stream through the gateway while both are stopped and restarted under it.
    const stream = Array.from({ length: 40 }, () => nextEvent());
    const sending = (async () => {
      const statuses: number[] = [];
      for (const e of stream) {
        statuses.push(await post(e));
        await new Promise((r) => setTimeout(r, 60));
      }
      return statuses;
    })();
    await eventually('the stream under way', async () => ((await effects()).size >= before.size + 5 ? true : undefined), 60_000);
    const [dispatcherExit, workerExit] = await Promise.all([stop(dispatcher), stop(worker)]);
    expect([dispatcherExit, workerExit]).toEqual([0, 0]);
    const appliedWhenStopped = (await effects()).size;
    [dispatcher, worker] = await Promise.all([start('dispatcher'), start('worker')]);
    expect(await sending).toEqual(stream.map(() => 202));

    const expected = new Set(accepted.map((e) => e.id));
    const byEvent = await eventually(
      `all ${expected.size} events applied`,
      async () => {
        const now = await effects();
        return [...expected].every((id) => now.has(id)) ? now : undefined;
      },
      120_000,
    );
    // Nothing lost, nothing twice, nothing else.
    expect([...byEvent.keys()].sort()).toEqual([...expected].sort());
    for (const e of accepted) expect(byEvent.get(e.id)).toEqual([`${e.id}/${APP}/createAccount create`]);
    expect(appliedWhenStopped).toBeLessThan(expected.size);
    for (const e of accepted) {
      expect((await temporal.workflow.getHandle(eventWorkflowId(e.subject, e.id)).result()) as unknown).toMatchObject({ kind: 'joiner' });
    }

    // A drained dispatcher has committed what it handed over and left its group.
    expect(await stop(dispatcher)).toBe(0);
    expect(await lag(group, TOPICS.events)).toBe(0);
    expect(await lag(`${group}.priority`, TOPICS.priority)).toBe(0);
    const groupState = await admin.describeGroups([group]);
    expect(groupState.groups[0]?.members).toEqual([]);
    expect(await stop(worker)).toBe(0);
    const gateway = processes.filter((p) => p.role === 'gateway').at(-1) as RoleProcess;
    expect(await stop(gateway)).toBe(0);
  });
});
