import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../services/config';
import { createLogger } from '../../services/log';
import { startPipeline, type Pipeline } from '../../services/runtime';
import { TOPICS } from '../../services/kafka/topics';
import { accountKey, effectsKey } from '../../connectors/dev-redis';
import { eventWorkflowId, personStateQuery, personWorkflowId, type EventOutcome } from '../../schemas/contracts';
import { makeEvent } from '../support/events';
import { postSigned } from '../support/canonical-client';
import { eventually } from '../support/wait';
import { captureHistory } from '../replay/capture';
import { consumeUntil } from '../support/kafka';
import { AuditRecord } from '../../schemas/audit-record.v1';

const SECRET = 'whsec_c2tlbGV0b24tdGVzdC1zZWNyZXQtMDAwMQ==';
const run = Date.now().toString(36);
const APPS = ['directory', 'chat'];

describe('walking skeleton on the real stack', () => {
  const stack = inject('stack');
  let pipeline: Pipeline;
  let redis: Redis;
  const config = loadConfig({
    ...process.env,
    JML_CANONICAL_SECRET: SECRET,
    TEMPORAL_TASK_QUEUE: `skeleton-${run}`,
    JML_DEV_APPS: APPS.join(','),
    LOG_LEVEL: 'warn',
  });

  beforeAll(async () => {
    redis = new Redis(stack.redisUrl);
    pipeline = await startPipeline({
      config,
      endpoints: stack,
      log: createLogger({ name: 'it', level: 'warn' }),
      gatewayPort: 0,
      workflowBundle: { code: inject('workflowBundleCode') },
      dispatcherGroupId: `skeleton-${run}`,
      // A reused broker may hold a long history; this test only cares about what it produces.
      dispatcherStartAt: 'now',
    });
  });

  afterAll(async () => {
    await pipeline?.stop();
    redis?.disconnect();
  });

  const devConfig = { keyPrefix: 'jml:dev' };

  it('joiner > a POSTed event completes a workflow that creates the account in every app', async () => {
    const personKey = `test:${run}-1`;
    const employeeId = `${run}-1`;
    const event = makeEvent({ personKey, type: 'jml.joiner' });

    const res = await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: event, webhookId: `wh-${run}-1` });
    expect(res).toEqual({ status: 202, json: { accepted: true, id: event.id } });

    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(personKey, event.id));
    const outcome = await eventually('the event workflow', async () => (await handle.describe()) && ((await handle.result()) as EventOutcome));
    expect(outcome.kind).toBe('joiner');
    // Plans list apps by id (the policy planner's order), whatever order JML_DEV_APPS names them in.
    expect(outcome.apps.map((a) => [a.appId, a.steps])).toEqual(
      [...APPS].sort().map((appId) => [appId, [{ operation: 'createAccount', outcome: 'applied' }]]),
    );
    for (const appId of APPS) {
      expect(await redis.hget(accountKey(devConfig, appId, personKey), 'enabled')).toBe('1');
    }

    // Ops find it the way the README says: by EmployeeId in the Temporal UI / CLI.
    const found = await eventually('visibility of the event workflow', async () => {
      const rows = [];
      for await (const wf of pipeline.temporal.workflow.list({ query: `EmployeeId='${employeeId}' AND JmlKind='joiner'` })) rows.push(wf);
      return rows.length > 0 && rows.every((r) => r.status.name === 'COMPLETED') ? rows : undefined;
    });
    expect(found.map((r) => r.workflowId)).toEqual([eventWorkflowId(personKey, event.id)]);
    await captureHistory(pipeline.temporal, eventWorkflowId(personKey, event.id), 'jml-event.joiner');

    // Every step outcome is in the audit topic, keyed by person.
    const seen: AuditRecord[] = [];
    const audit = await consumeUntil({
      brokers: stack.kafkaBrokers,
      topic: TOPICS.audit,
      take: (m) => {
        if (m.key?.toString() !== personKey) return undefined;
        seen.push(AuditRecord.parse(JSON.parse(m.value?.toString() ?? '')));
        return seen.length === APPS.length ? seen : undefined;
      },
    });
    expect(audit.map((r) => [r.appId, r.operation, r.outcome, r.eventId, r.connector, r.attempt]).sort()).toEqual(
      APPS.map((appId) => [appId, 'createAccount', 'applied', event.id, 'dev-redis', 1]).sort(),
    );
    // Each names the run that recorded it (a re-drive is a new run of the same workflow id).
    const { runId } = await handle.describe();
    expect(audit.map((r) => [r.workflowId, r.runId])).toEqual(APPS.map(() => [eventWorkflowId(personKey, event.id), runId]));
  });

  it('duplicate > the same event again has no second effect, whether the edge or the workflow catches it', async () => {
    const personKey = `test:${run}-2`;
    const event = makeEvent({ personKey, type: 'jml.joiner' });
    const url = pipeline.gatewayUrl as string;
    expect(await postSigned({ url, secret: SECRET, body: event, webhookId: `wh-${run}-2a` })).toEqual({ status: 202, json: { accepted: true, id: event.id } });
    await eventually('first delivery applied', async () => ((await redis.exists(accountKey(devConfig, APPS[0] as string, personKey))) ? true : undefined));

    // A retry by the HR system (new delivery id, same event) is acknowledged and dropped at the edge.
    expect(await postSigned({ url, secret: SECRET, body: event, webhookId: `wh-${run}-2b` })).toEqual({
      status: 202,
      json: { accepted: true, id: event.id, duplicate: true },
    });

    // One that slips past the edge (say Redis was down) reaches Kafka; the person workflow drops it.
    const producer = new Kafka({ clientId: 'it-dup', brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic: TOPICS.events, acks: -1, messages: [{ key: personKey, value: JSON.stringify(event) }] });
    await producer.disconnect();

    const person = pipeline.temporal.workflow.getHandle(personWorkflowId(personKey));
    const state = await eventually('duplicate seen by the person workflow', async () => {
      const s = await person.query(personStateQuery);
      return s.duplicates >= 1 ? s : undefined;
    });
    expect(state).toMatchObject({ processed: 1, duplicates: 1, pendingEventIds: [] });
    for (const appId of APPS) {
      const effects = await redis.lrange(effectsKey(devConfig, appId), 0, -1);
      expect(effects.filter((e) => e.startsWith(`${event.id}/`))).toEqual([`${event.id}/${appId}/createAccount create`]);
    }
    await captureHistory(pipeline.temporal, personWorkflowId(personKey), 'person.duplicate');
  });

  it('leaver > after a joiner, disables the account in every app', async () => {
    const personKey = `test:${run}-3`;
    const url = pipeline.gatewayUrl as string;
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: '2026-11-20T09:00:00Z' });
    const leaver = makeEvent({ personKey, type: 'jml.leaver', enteredAt: '2026-11-21T09:00:00Z', changedFields: ['status', 'terminationDate'] });
    // The joiner first (a leaver takes the leaver lane and may overtake a joiner still in flight;
    // orchestration.test.ts covers what happens then).
    const a = await postSigned({ url, secret: SECRET, body: joiner, webhookId: `wh-${run}-3a` });
    const joined = pipeline.temporal.workflow.getHandle(eventWorkflowId(personKey, joiner.id));
    await eventually('the joiner workflow', async () => (await joined.describe()) && joined.result());
    const b = await postSigned({ url, secret: SECRET, body: leaver, webhookId: `wh-${run}-3b` });
    expect([a.status, b.status]).toEqual([202, 202]);
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(personKey, leaver.id));
    await eventually('the leaver workflow', async () => (await handle.describe()) && handle.result());
    for (const appId of APPS) {
      expect(await redis.hget(accountKey(devConfig, appId, personKey), 'enabled')).toBe('0');
    }
    const state = await pipeline.temporal.workflow.getHandle(personWorkflowId(personKey)).query(personStateQuery);
    expect(state.recent.map((r) => [r.type, r.status])).toEqual([
      ['jml.joiner', 'completed'],
      ['jml.leaver', 'completed'],
    ]);
    await captureHistory(pipeline.temporal, personWorkflowId(personKey), 'person.joiner-then-leaver');
    await captureHistory(pipeline.temporal, eventWorkflowId(personKey, leaver.id), 'jml-event.leaver');
  });

  it('invalid input > answers 400 with the reason and records the body in the dead-letter topic', async () => {
    const webhookId = `wh-${run}-bad`;
    const body = { ...makeEvent({ personKey: `test:${run}-4`, type: 'jml.joiner' }), type: 'jml.promoted' };
    const res = await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body, webhookId });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'invalid-event', details: [expect.objectContaining({ path: 'type' })] } });

    const record = await consumeUntil({
      brokers: stack.kafkaBrokers,
      topic: TOPICS.dlq,
      take: (m) =>
        m.key?.toString() === webhookId ? { value: m.value?.toString() ?? '', reason: m.headers?.['jml-reject-reason']?.toString() ?? '' } : undefined,
    });
    expect(JSON.parse(record.value)).toEqual(body);
    expect(record.reason).toMatch(/^type: /);
  });
});
