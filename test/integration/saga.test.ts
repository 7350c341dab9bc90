import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { Client } from '@temporalio/client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountKey, createDevRedisConnector } from '../../connectors/dev-redis';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import { ConnectorError, type AnyConnector, type ConnectorContext } from '../../connectors/sdk';
import type { AuditRecord } from '../../schemas/audit-record.v1';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { loadConfig } from '../../services/config';
import { TOPICS } from '../../services/kafka/topics';
import { createLogger } from '../../services/log';
import { startPipeline, type Pipeline } from '../../services/runtime';
import {
  approveSignal,
  eventStatusQuery,
  eventWorkflowId,
  jmlEventSignal,
  NeedsAttention,
  personStateQuery,
  personWorkflowId,
  type EventOutcome,
} from '../../schemas/contracts';
import { captureHistory } from '../replay/capture';
import { openHistoryPayloads } from '../../services/temporal/history';
import { postSigned } from '../support/canonical-client';
import { consumeUntil } from '../support/kafka';
import { makeEvent } from '../support/events';
import { eventually } from '../support/wait';

const SECRET = `whsec_${Buffer.from('saga-integration-test-secret-0001').toString('base64')}`;
const run = Date.now().toString(36);
const prefix = `jml:it-saga:${run}`;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

type Ops = Record<string, (ctx: ConnectorContext<{ url: string; keyPrefix: string }>, req: never) => Promise<unknown>>;

/**
 * A dev-redis app with scripted faults, chosen by app id:
 * - every app refuses the entitlement `refused` for good (a group deleted on the app's side);
 * - `lossy` applies a create and then loses the answer, once per step: the worker sees an error, as
 *   when it dies between the app's reply and the activity's completion, and the retry finds the
 *   account already there;
 * - `stuck` refuses disables (transiently) while the flag `<prefix>:stuck` exists in Redis.
 */
function scriptedConnector(): AnyConnector {
  const inner = createDevRedisConnector() as AnyConnector;
  const ops = inner.operations as Ops;
  const flags = new Map<string, Redis>();
  const redisOf = (url: string) => {
    let r = flags.get(url);
    if (!r) flags.set(url, (r = new Redis(url)));
    return r;
  };
  return {
    ...inner,
    id: 'scripted',
    operations: {
      ...inner.operations,
      grantAccess: async (ctx: ConnectorContext<{ url: string; keyPrefix: string }>, req: { entitlement: string }) => {
        if (req.entitlement === 'refused') throw new ConnectorError({ code: 'invalid-request', message: "the app has no group 'refused'", status: 400 });
        return ops.grantAccess?.(ctx, req as never);
      },
      createAccount: async (ctx: ConnectorContext<{ url: string; keyPrefix: string }>, req: never) => {
        const result = await ops.createAccount?.(ctx, req);
        if (ctx.appId === 'lossy' && (await redisOf(ctx.config.url).set(`${ctx.config.keyPrefix}:lost:${ctx.idempotencyKey}`, '1', 'EX', 600, 'NX')) === 'OK') {
          throw new ConnectorError({ code: 'transient', message: 'connection reset before the answer arrived' });
        }
        return result;
      },
      suspendAccount: async (ctx: ConnectorContext<{ url: string; keyPrefix: string }>, req: never) => {
        if (ctx.appId === 'stuck' && (await redisOf(ctx.config.url).exists(`${ctx.config.keyPrefix}:stuck`)) === 1) {
          throw new ConnectorError({ code: 'transient', message: 'the app is down for maintenance' });
        }
        return ops.suspendAccount?.(ctx, req);
      },
    },
    async dispose() {
      await inner.dispose?.();
      for (const r of flags.values()) r.disconnect();
    },
  };
}

async function startWith(opts: { policy: string; taskQueue: string; redisUrl?: string; env?: Record<string, string> }): Promise<Pipeline> {
  const stack = inject('stack');
  const file = join(await mkdtemp(join(tmpdir(), 'jml-saga-')), 'policy.yaml');
  await writeFile(file, opts.policy);
  const config = loadConfig({ ...process.env, JML_CANONICAL_SECRET: SECRET, TEMPORAL_TASK_QUEUE: opts.taskQueue, JML_CONFIG_FILE: file, LOG_LEVEL: 'warn', ...opts.env });
  return startPipeline({
    config,
    endpoints: { ...stack, ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}) },
    log: createLogger({ name: 'it', level: 'warn' }),
    gatewayPort: 0,
    workflowBundle: { code: inject('workflowBundleCode') },
    dispatcherGroupId: opts.taskQueue,
    dispatcherStartAt: 'now',
    connectors: { ...CONNECTOR_FACTORIES, scripted: scriptedConnector },
    parts: { pollers: false },
  });
}

/** The runStep activities of a workflow's history, in order: what was scheduled, and when it completed. */
async function stepTimeline(client: Client, workflowId: string): Promise<Array<{ op: string; app: string; scheduled: number; completed?: number }>> {
  const history = await openHistoryPayloads(await client.workflow.getHandle(workflowId).fetchHistory(), client.options.loadedDataConverter);
  const steps = new Map<number, { op: string; app: string; scheduled: number; completed?: number }>();
  for (const e of history.events ?? []) {
    const id = Number(e.eventId);
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'runStep') {
      const payload = scheduled.input?.payloads?.[0]?.data;
      const input = JSON.parse(Buffer.from(payload as Uint8Array).toString('utf8')) as { appId: string; step: { operation: string } };
      steps.set(id, { op: input.step.operation, app: input.appId, scheduled: id });
    }
    const done = e.activityTaskCompletedEventAttributes;
    if (done) {
      const step = steps.get(Number(done.scheduledEventId));
      if (step) step.completed = id;
    }
  }
  return [...steps.values()];
}

const LOSSES = new Set(['revokeAccess', 'suspendAccount', 'deleteAccount', 'revokeSessions', 'revokeCredentials', 'releaseAccount']);

describe('sagas on the real stack', () => {
  const stack = inject('stack');
  const app = (connector: string, extra = '') => `{ connector: ${connector}, settings: { url: "${stack.redisUrl}", keyPrefix: "${prefix}" }${extra} }`;
  let pipeline: Pipeline;
  let redis: Redis;
  let hook = 0;
  const taskQueue = `saga-${run}`;

  beforeAll(async () => {
    redis = new Redis(stack.redisUrl);
    pipeline = await startWith({
      taskQueue,
      env: { JML_LEAVER_ATTENTION_AFTER_SECONDS: '2' },
      policy: `version: 1
apps:
  directory: ${app('dev-redis')}
  chat: ${app('dev-redis')}
  lab: ${app('scripted')}
  lossy: ${app('scripted')}
  stuck: ${app('scripted', ', retry: { initialInterval: PT1S, maximumInterval: PT1S }')}
rules:
  - { name: everyone, when: { workerType: employee }, grant: { directory: [], chat: ["channel:general"] } }
  - { name: eng, when: { department: Engineering }, grant: { chat: ["channel:eng"] } }
  - { name: sales, when: { department: Sales }, grant: { directory: ["group:sales"] } }
  - { name: research, when: { department: Research }, grant: { lab: ["refused"] } }
  - { name: lossy, when: { department: Lossy }, grant: { lossy: ["group:ok", "refused"] } }
  - { name: stuck, when: { department: Ops }, grant: { stuck: [] } }
`,
    });
  });
  afterAll(async () => {
    await pipeline?.stop();
    redis?.disconnect();
  });

  const account = async (appId: string, personKey: string) => {
    const key = accountKey({ keyPrefix: prefix }, appId, personKey);
    const [fields, groups] = await Promise.all([redis.hgetall(key), redis.smembers(`${key}:entitlements`)]);
    return fields.enabled === undefined ? 'none' : `${fields.enabled === '1' ? 'enabled' : 'disabled'} [${groups.sort().join(' ')}]`;
  };
  const post = async (event: JmlEvent) => {
    hook += 1;
    expect((await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: event, webhookId: `saga-${run}-${hook}` })).status).toBe(202);
  };
  const outcomeOf = (personKey: string, id: string, timeoutMs = 60_000) => {
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(personKey, id));
    return eventually(`workflow ${id}`, async () => (await handle.describe()) && ((await handle.result()) as EventOutcome), timeoutMs);
  };
  const attention = async (workflowId: string) => (await pipeline.temporal.workflow.getHandle(workflowId).describe()).typedSearchAttributes.get(NeedsAttention);

  it('mover > every create and grant in every app completes before any revoke starts', async () => {
    const personKey = `test:${run}-mover`;
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: iso(-60_000), person: { department: 'Engineering' } });
    await post(joiner);
    expect((await outcomeOf(personKey, joiner.id)).status).toBe('completed');
    const mover = makeEvent({ personKey, type: 'jml.mover', enteredAt: iso(-1_000), person: { department: 'Sales' }, changedFields: ['department'] });
    await post(mover);
    expect((await outcomeOf(personKey, mover.id)).status).toBe('completed');
    expect(await account('chat', personKey)).toBe('enabled [channel:general]');
    expect(await account('directory', personKey)).toBe('enabled [group:sales]');

    const timeline = await stepTimeline(pipeline.temporal, eventWorkflowId(personKey, mover.id));
    const gains = timeline.filter((s) => !LOSSES.has(s.op));
    const losses = timeline.filter((s) => LOSSES.has(s.op));
    expect(gains.map((s) => `${s.app}:${s.op}`)).toContain('directory:grantAccess');
    expect(losses.map((s) => `${s.app}:${s.op}`)).toEqual(['chat:revokeAccess']);
    const lastGain = Math.max(...gains.map((s) => s.completed ?? Number.POSITIVE_INFINITY));
    expect(Math.min(...losses.map((s) => s.scheduled))).toBeGreaterThan(lastGain);
    await captureHistory(pipeline.temporal, eventWorkflowId(personKey, mover.id), 'jml-event.mover');
  });

  it('mover > a grant refused for good leaves the old access in every app where it was', async () => {
    const personKey = `test:${run}-refused`;
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: iso(-60_000), person: { department: 'Engineering' } });
    await post(joiner);
    await outcomeOf(personKey, joiner.id);
    const mover = makeEvent({ personKey, type: 'jml.mover', enteredAt: iso(-1_000), person: { department: 'Research' }, changedFields: ['department'] });
    await post(mover);
    const outcome = await outcomeOf(personKey, mover.id);
    expect(outcome.status).toBe('needs-attention');
    expect(outcome.apps.find((a) => a.appId === 'lab')?.status).toBe('compensated');
    expect(outcome.apps.find((a) => a.appId === 'chat')).toMatchObject({ status: 'deferred', error: expect.stringContaining('lab') });
    // The old team's channel is still there; the new access that failed was undone.
    expect(await account('chat', personKey)).toBe('enabled [channel:eng channel:general]');
    expect(await account('lab', personKey)).toBe('none');
    const state = await eventually('the mover recorded', async () => {
      const s = await pipeline.temporal.workflow.getHandle(personWorkflowId(personKey)).query(personStateQuery);
      return s.processed === 2 ? s : undefined;
    });
    expect(state.apps.chat?.entitlements).toEqual(['channel:eng', 'channel:general']);
    await captureHistory(pipeline.temporal, eventWorkflowId(personKey, mover.id), 'jml-event.mover-deferred');
  });

  it('a create whose answer was lost > the retry keeps its undo: compensation deletes the account and the audit has every step', async () => {
    const personKey = `test:${run}-lossy`;
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: iso(-1_000), person: { department: 'Lossy' } });
    await post(joiner);
    const outcome = await outcomeOf(personKey, joiner.id);
    expect(outcome.apps.find((a) => a.appId === 'lossy')).toMatchObject({
      status: 'compensated',
      steps: [
        { operation: 'createAccount', outcome: 'already-in-state' },
        { operation: 'grantAccess', qualifier: 'group:ok', outcome: 'applied' },
        { operation: 'grantAccess', qualifier: 'refused', outcome: 'failed' },
      ],
      compensations: [
        { operation: 'revokeAccess', qualifier: 'group:ok', outcome: 'applied' },
        { operation: 'deleteAccount', outcome: 'applied' },
      ],
    });
    expect(await account('lossy', personKey)).toBe('none');

    // The audit topic holds the books: each outcome once, written from the workflow's history.
    const collected: AuditRecord[] = [];
    const records = await consumeUntil({
      brokers: stack.kafkaBrokers,
      topic: TOPICS.audit,
      timeoutMs: 60_000,
      take: (message) => {
        const r = JSON.parse(String(message.value)) as AuditRecord;
        if (r.eventId === joiner.id && r.appId === 'lossy') collected.push(r);
        return collected.filter((c) => c.outcome !== 'failed').length >= 4 ? collected : undefined;
      },
    });
    const effects = records.filter((r) => r.outcome !== 'failed').map((r) => [r.operation, r.qualifier ?? '', r.outcome, r.compensation === true, r.mayHaveAppliedEarlier === true]);
    expect(effects).toEqual([
      ['createAccount', '', 'already-in-state', false, true],
      ['grantAccess', 'group:ok', 'applied', false, false],
      ['revokeAccess', 'group:ok', 'applied', true, false],
      ['deleteAccount', '', 'applied', true, false],
    ]);
    expect(records.find((r) => r.operation === 'createAccount' && r.outcome !== 'failed')?.attempt).toBe(2);
    // The first attempt's error is on the books too (written by the activity).
    expect(records.find((r) => r.operation === 'createAccount' && r.outcome === 'failed')).toMatchObject({ attempt: 1, errorCode: 'transient' });
    expect(records.filter((r) => r.outcome === 'failed').map((r) => r.errorCode)).toContain('invalid-request');
  });

  it('a leaver still retrying > is flagged NeedsAttention, its person rolls over while it waits, and both settle once the app accepts', async () => {
    const personKey = `test:${run}-stuck`;
    // Start the person with a small history limit; the dispatcher's signal-with-start then only signals it.
    const person = await pipeline.temporal.workflow.start('personWorkflow', {
      workflowId: personWorkflowId(personKey),
      taskQueue,
      args: [{ personKey, historyLimit: 40 }],
    });
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: iso(-60_000), person: { department: 'Ops' } });
    await post(joiner);
    expect((await outcomeOf(personKey, joiner.id)).status).toBe('completed');
    await redis.set(`${prefix}:stuck`, '1');
    try {
      const leaver = makeEvent({ personKey, type: 'jml.leaver', enteredAt: iso(-1_000), person: { department: 'Ops' } });
      await post(leaver);
      const leaverId = eventWorkflowId(personKey, leaver.id);
      await eventually('the leaver flagged', async () => ((await attention(leaverId).catch(() => false)) === true ? true : undefined), 30_000);
      expect(await account('stuck', personKey)).toBe('enabled []');
      expect(await account('directory', personKey)).toBe('disabled []');

      // Redeliveries keep arriving while it retries: each one is history, so the person rolls over.
      const handle = pipeline.temporal.workflow.getHandle(personWorkflowId(personKey));
      for (let i = 0; i < 30; i += 1) await handle.signal(jmlEventSignal, leaver);
      await eventually('a rollover', async () => ((await handle.describe()).runId !== person.firstExecutionRunId ? true : undefined), 30_000);

      await redis.del(`${prefix}:stuck`);
      expect((await outcomeOf(personKey, leaver.id)).status).toBe('completed');
      expect(await attention(leaverId)).toBe(false);
      const state = await eventually('the leaver recorded by the new run', async () => {
        const s = await handle.query(personStateQuery);
        return s.recent.some((r) => r.eventId === leaver.id && r.status === 'completed') ? s : undefined;
      });
      expect(state.apps.stuck?.status).toBe('disabled');
      expect(state.duplicates).toBeGreaterThanOrEqual(30);
      await captureHistory(pipeline.temporal, leaverId, 'jml-event.leaver-attention');
      // The run that resumed the leaver left running by the rollover.
      await captureHistory(pipeline.temporal, personWorkflowId(personKey), 'person.rollover-in-flight');
    } finally {
      await redis.del(`${prefix}:stuck`);
    }
  });
});

describe('mass-change guard without Redis', () => {
  const stack = inject('stack');
  const guardPrefix = `${prefix}:noguard`;
  let pipeline: Pipeline;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(stack.redisUrl);
    // The pipeline's own Redis (dedupe, guard, rate limits) is a port nobody listens on; the app keeps its data in the real one.
    const deadPort = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
    });
    pipeline = await startWith({
      taskQueue: `saga-noguard-${run}`,
      redisUrl: `redis://127.0.0.1:${deadPort}`,
      policy: `version: 1
massChangeGuard: { max: 5, window: PT10M }
apps:
  directory: { connector: dev-redis, settings: { url: "${stack.redisUrl}", keyPrefix: "${guardPrefix}" }, leaver: { deleteAfter: PT2S } }
rules:
  - { name: everyone, grant: { directory: [] } }
`,
    });
  });
  afterAll(async () => {
    await pipeline?.stop();
    redis?.disconnect();
  });

  it('lets the reversible disable go ahead, holds the irreversible delete (saying so) until ops approve', { timeout: 120_000 }, async () => {
    const personKey = `test:${run}-noguard`;
    const url = pipeline.gatewayUrl as string;
    const enabled = () => redis.hget(accountKey({ keyPrefix: guardPrefix }, 'directory', personKey), 'enabled');
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: iso(-60_000) });
    expect((await postSigned({ url, secret: SECRET, body: joiner, webhookId: `noguard-${run}-j` })).status).toBe(202);
    await eventually('the account', async () => ((await enabled()) === '1' ? true : undefined), 60_000);
    const leaver = makeEvent({ personKey, type: 'jml.leaver', enteredAt: iso(-1_000) });
    expect((await postSigned({ url, secret: SECRET, body: leaver, webhookId: `noguard-${run}-l` })).status).toBe(202);
    await eventually('the disable', async () => ((await enabled()) === '0' ? true : undefined), 60_000);

    const deleteId = eventWorkflowId(personKey, `${leaver.id}.delete.directory`);
    const del = pipeline.temporal.workflow.getHandle(deleteId);
    await eventually('the delete held', async () => ((await del.query(eventStatusQuery).catch(() => undefined))?.phase === 'held' ? true : undefined), 60_000);
    expect((await del.describe()).typedSearchAttributes.get(NeedsAttention)).toBe(true);
    expect(await enabled()).toBe('0');
    await del.signal(approveSignal, { by: 'it-test' });
    const outcome = (await del.result()) as EventOutcome;
    expect(outcome).toMatchObject({ status: 'completed', guard: { held: true, decision: 'approved', by: 'it-test' } });
    expect(await enabled()).toBeNull();
    await captureHistory(pipeline.temporal, deleteId, 'jml-event.delete-guard-unavailable');
  });
});
