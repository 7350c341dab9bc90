import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountKey } from '../../connectors/dev-redis';
import { startFaultProxy, type FaultProxy } from '../../connectors/sdk/conformance/fault-proxy';
import { scimAdmin, type ScimAdmin } from '../../connectors/scim/testing/scim-admin';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { originalInput, redrive, redriveMany, selectRedrives } from '../../services/redrive';
import type { Pipeline } from '../../services/runtime';
import { eventWorkflowId, personStateQuery, personWorkflowId, type EventOutcome, type PersonState } from '../../schemas/contracts';
import { captureHistory } from '../replay/capture';
import { startScimServer, type ScimServer } from '../harness/scim-server';
import { postSigned } from '../support/canonical-client';
import { makeEvent } from '../support/events';
import { eventually } from '../support/wait';
import { startTestPipeline } from '../support/pipeline';

/**
 * Re-drive on the real stack: a real scim2-server behind the fault proxy, which answers 503 for
 * every request while the app is "down" (nothing reaches the app then), and a dev-redis app that
 * stays up. Every request that reached the SCIM app is in `proxy.forwarded`: the effects at the app.
 */
const run = Date.now().toString(36);
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const prefix = `jml:it-redrive:${run}`;
/** Unique per run: the selection (`Apps = …`) finds this file's events only on the shared server. */
const WIKI = `wiki-${run}`;
const BY = 'redrive integration test';

describe('re-drive on the real stack', () => {
  const stack = inject('stack');
  let scim: ScimServer;
  let proxy: FaultProxy;
  let admin: ScimAdmin;
  let pipeline: Pipeline;
  let redis: Redis;
  let hook = 0;
  const startedAt = new Date(Date.now() - 1_000);

  beforeAll(async () => {
    scim = await startScimServer();
    proxy = await startFaultProxy({ upstream: scim.baseUrl });
    admin = scimAdmin(scim);
    redis = new Redis(stack.redisUrl);
    const file = join(await mkdtemp(join(tmpdir(), 'jml-redrive-')), 'policy.yaml');
    await writeFile(
      file,
      `version: 1
apps:
  directory: { connector: dev-redis, settings: { url: "${stack.redisUrl}", keyPrefix: "${prefix}" } }
  ${WIKI}:
    connector: scim
    settings: { baseUrl: "${proxy.baseUrl}", profile: scim2-server }
    secrets: { bearerToken: { env: IT_SCIM_TOKEN } }
    retry: { maximumAttempts: 2, initialInterval: PT1S, maximumInterval: PT1S }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { directory: [], ${WIKI}: [] } }
`,
    );
    const env = { ...process.env, JML_CANONICAL_SECRET: SECRET, TEMPORAL_TASK_QUEUE: `redrive-${run}`, JML_CONFIG_FILE: file, LOG_LEVEL: 'warn', IT_SCIM_TOKEN: scim.token };
    pipeline = await startTestPipeline({ name: 'it-redrive', env: env, group: `redrive-${run}` });
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    await proxy?.stop();
    await scim?.stop();
    redis?.disconnect();
  });

  const post = async (event: JmlEvent) => {
    hook += 1;
    expect((await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: event, webhookId: `redrive-${run}-${hook}` })).status).toBe(202);
  };
  /** The outcome of the first run of an event's workflow. */
  const outcomeOf = (event: JmlEvent) => {
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id));
    return eventually(`workflow ${event.id}`, async () => (await handle.describe()) && ((await handle.result()) as EventOutcome), 90_000);
  };
  const stateOf = (personKey: string): Promise<PersonState> => pipeline.temporal.workflow.getHandle(personWorkflowId(personKey)).query(personStateQuery);
  /** The writes that reached the SCIM app (reads change nothing). */
  const writes = () => proxy.forwarded.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.url.replace(/\/Users\/[^/?]+/, '/Users/<id>')}`);
  const directory = async (personKey: string) => redis.hgetall(accountKey({ keyPrefix: prefix }, 'directory', personKey));
  const down = () => {
    for (let i = 0; i < 5_000; i += 1) proxy.faults.respond(503);
  };
  const back = () => proxy.faults.clear();

  it('an app down leaves events needs-attention; once it is back, redriveMany --app applies each once, as a new run linked to the original', async () => {
    const people = [`test:${run}-ada`, `test:${run}-alan`];
    const joiners = people.map((personKey) => makeEvent({ personKey, type: 'jml.joiner', enteredAt: new Date(Date.now() - 1_000).toISOString() }));
    down();
    for (const joiner of joiners) await post(joiner);
    for (const joiner of joiners) {
      const outcome = await outcomeOf(joiner);
      expect(outcome.status).toBe('needs-attention');
      expect(outcome.apps.map((a) => [a.appId, a.status])).toEqual([
        ['directory', 'done'],
        [WIKI, 'failed'],
      ]);
    }
    expect(writes()).toEqual([]);
    for (const personKey of people) {
      const state = await eventually('the outcome recorded', async () => {
        const s = await stateOf(personKey);
        return s.processed === 1 ? s : undefined;
      });
      expect(state.attention).toEqual([{ eventId: expect.any(String), type: 'jml.joiner', status: 'needs-attention', apps: [WIKI] }]);
      expect(Object.keys(state.apps)).toEqual(['directory']);
    }

    const selection = { app: WIKI, since: startedAt };
    const candidates = await eventually('both events visible as candidates', async () => {
      const found = await selectRedrives(pipeline.temporal, selection);
      return found.length === 2 ? found : undefined;
    });
    expect(candidates.map((c) => [c.personKey, c.eventId, c.status, c.apps]).sort()).toEqual(
      joiners.map((j) => [j.subject, j.id, 'needs-attention', [WIKI]]).sort(),
    );
    const originals = new Map(candidates.map((c) => [c.workflowId, c.runId]));

    // More than the confirmation threshold: held, nothing asked.
    const held = await redriveMany(pipeline.temporal, selection, { by: BY, reason: 'wiki back', confirmAbove: 1 });
    expect(held).toMatchObject({ outcome: 'held', results: [] });
    expect(held.candidates).toHaveLength(2);
    for (const personKey of people) expect((await stateOf(personKey)).redrives).toEqual([]);

    back();
    const done = await redriveMany(pipeline.temporal, selection, { by: BY, reason: 'wiki back', confirmAbove: 1, confirm: true });
    expect(done.outcome).toBe('done');
    for (const result of done.results) {
      expect(result).toMatchObject({ status: 'accepted', attempt: 1, newRunId: expect.any(String) });
      if (result.status !== 'accepted') continue;
      expect(result.originalRunId).toBe(originals.get(result.workflowId));
      expect(result.newRunId).not.toBe(result.originalRunId);

      const again = (await pipeline.temporal.workflow.getHandle(result.workflowId, result.newRunId).result()) as EventOutcome;
      expect(again.status).toBe('completed');
      expect(again.apps.map((a) => [a.appId, a.steps.map((s) => `${s.operation}:${s.outcome}`)])).toEqual([
        ['directory', ['createAccount:already-in-state']],
        [WIKI, ['createAccount:applied']],
      ]);
      // Linked to the run it re-drives: in its input, its memo and the details the UI shows.
      const described = await pipeline.temporal.workflow.getHandle(result.workflowId, result.newRunId).describe();
      expect(described.memo?.redrive).toMatchObject({ of: result.originalRunId, attempt: 1, by: BY, reason: 'wiki back' });
      expect(await described.staticDetails()).toContain(result.originalRunId);
      expect((await originalInput(pipeline.temporal, result.workflowId, result.newRunId as string)).redrive).toMatchObject({ of: result.originalRunId, attempt: 1 });

      const state = await eventually('the re-drive recorded', async () => {
        const s = await stateOf(result.personKey);
        return s.redrives?.[0]?.status === 'completed' ? s : undefined;
      });
      expect(state.redrives).toEqual([
        { eventId: result.eventId, attempt: 1, of: result.originalRunId, runId: result.newRunId, by: BY, reason: 'wiki back', at: expect.any(String), status: 'completed' },
      ]);
      expect(state.attention).toEqual([]);
      expect(state.recent.at(-1)).toEqual({ eventId: result.eventId, type: 'jml.joiner', status: 'completed', redrive: 1 });
      expect(state.apps[WIKI]).toMatchObject({ status: 'active', externalRef: expect.any(String) });
      expect(state.processed).toBe(1);
    }
    // Exactly one account per person reached the app, and nothing else was written.
    expect(writes()).toEqual(['POST /Users', 'POST /Users']);
    for (const personKey of people) expect(await admin.usersWithExternalId(personKey)).toHaveLength(1);

    // Applied now: a second re-drive is refused, by the workflow id or by the person and event.
    const first = joiners[0] as JmlEvent;
    expect(await redrive(pipeline.temporal, { workflowId: eventWorkflowId(first.subject, first.id) }, { by: BY })).toMatchObject({
      status: 'refused',
      reason: 'already-applied',
    });
    expect(await redrive(pipeline.temporal, { personKey: first.subject, eventId: 'no-such-event' }, { by: BY })).toMatchObject({ status: 'refused', reason: 'not-found' });
    expect(await selectRedrives(pipeline.temporal, selection)).toEqual([]);
    await captureHistory(pipeline.temporal, personWorkflowId(first.subject), 'person.redrive');
  });

  it('one event by its id alone > re-driven after the app is back; refused while its new run is in flight', async () => {
    const personKey = `test:${run}-grace`;
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: new Date(Date.now() - 1_000).toISOString() });
    down();
    await post(joiner);
    expect((await outcomeOf(joiner)).status).toBe('needs-attention');
    back();
    const before = writes().length;
    await eventually('the event visible as a candidate', async () => ((await selectRedrives(pipeline.temporal, { app: WIKI, since: startedAt })).length === 1 ? true : undefined));

    // The app takes its time with the create (the POST hangs until the stall is cleared): the new run stays open.
    proxy.faults.next({ kind: 'stall', when: { method: 'POST' } });
    const accepted = await redrive(pipeline.temporal, { eventId: joiner.id }, { by: BY });
    expect(accepted).toMatchObject({ status: 'accepted', personKey, eventId: joiner.id, workflowId: eventWorkflowId(personKey, joiner.id), attempt: 1, newRunId: expect.any(String) });
    expect(await redrive(pipeline.temporal, { workflowId: eventWorkflowId(personKey, joiner.id) }, { by: BY })).toMatchObject({ status: 'refused', reason: 'in-flight' });
    // The person workflow records the new run once its start is in its history (a task after the start).
    const running = await eventually('the re-drive recorded as running', async () => {
      const s = await stateOf(personKey);
      return s.redrives?.[0]?.status === 'running' ? s : undefined;
    });
    expect(running.redrives).toMatchObject([{ eventId: joiner.id, attempt: 1, runId: (accepted as { newRunId: string }).newRunId }]);
    expect(running.currentEventId).toBe(joiner.id);

    // The stalled request ends without reaching the app; the retry creates the account.
    proxy.faults.clear();
    const state = await eventually('the re-drive recorded', async () => {
      const s = await stateOf(personKey);
      return s.redrives?.[0]?.status === 'completed' ? s : undefined;
    });
    expect(state.redrives).toHaveLength(1);
    expect(writes().slice(before)).toEqual(['POST /Users']);
    expect(await admin.usersWithExternalId(personKey)).toHaveLength(1);
  });

  it('newer HR truth > a re-drive applies the newest snapshot (no older department comes back); one newer truth decided is refused superseded', async () => {
    const personKey = `test:${run}-hedy`;
    const iso = (agoMs: number) => new Date(Date.now() - agoMs).toISOString();
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: iso(60_000), person: { department: 'Engineering' } });
    const mover = makeEvent({ personKey, type: 'jml.mover', enteredAt: iso(30_000), person: { department: 'Sales' }, changedFields: ['department'] });
    down();
    await post(joiner);
    expect((await outcomeOf(joiner)).status).toBe('needs-attention');
    await post(mover);
    expect((await outcomeOf(mover)).status).toBe('needs-attention');
    back();

    const accepted = await redrive(pipeline.temporal, { personKey, eventId: joiner.id }, { by: BY });
    expect(accepted).toMatchObject({ status: 'accepted', attempt: 1, newRunId: expect.any(String) });
    if (accepted.status !== 'accepted') return;
    const [first, again] = await Promise.all([
      originalInput(pipeline.temporal, accepted.workflowId, accepted.originalRunId),
      originalInput(pipeline.temporal, accepted.workflowId, accepted.newRunId as string),
    ]);
    expect([first.event.data.person.department, again.event.data.person.department]).toEqual(['Engineering', 'Sales']);
    expect([again.event.id, again.event.type, again.event.data.enteredAt]).toEqual([joiner.id, 'jml.joiner', joiner.data.enteredAt]);
    expect(((await pipeline.temporal.workflow.getHandle(accepted.workflowId, accepted.newRunId).result()) as EventOutcome).status).toBe('completed');
    const state = await eventually('the re-drive recorded', async () => {
      const s = await stateOf(personKey);
      return s.redrives?.[0]?.status === 'completed' ? s : undefined;
    });
    expect(state.person?.department).toBe('Sales');
    expect(state.attention?.map((a) => a.eventId)).toEqual([mover.id]);

    // A newer mover applied in full: the older one is decided, and its re-drive refused.
    const newer = makeEvent({ personKey, type: 'jml.mover', enteredAt: iso(10_000), person: { department: 'Research' }, changedFields: ['department'] });
    await post(newer);
    expect((await outcomeOf(newer)).status).toBe('completed');
    await eventually('the newer mover recorded', async () => ((await stateOf(personKey)).person?.department === 'Research' ? true : undefined));
    const refusedOlder = await redrive(pipeline.temporal, { personKey, eventId: mover.id }, { by: BY });
    expect(refusedOlder).toMatchObject({ status: 'refused', reason: 'superseded', message: expect.stringContaining(newer.id) });
    expect(refusedOlder.status === 'refused' && refusedOlder.message).not.toContain('Research');
  });

  it('Temporal UI path > a reset of an event workflow to its first workflow task runs it again with no second effect at the apps', async () => {
    back(); // whatever an earlier test left armed
    const personKey = `test:${run}-linus`;
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: new Date(Date.now() - 1_000).toISOString() });
    await post(joiner);
    expect((await outcomeOf(joiner)).status).toBe('completed');
    const workflowId = eventWorkflowId(personKey, joiner.id);
    const stateBefore = await eventually('the outcome recorded', async () => {
      const s = await stateOf(personKey);
      return s.processed === 1 ? s : undefined;
    });
    const writesBefore = writes();
    expect(writesBefore.filter((w) => w === 'POST /Users').length).toBeGreaterThan(0);
    const directoryBefore = await directory(personKey);

    // What the UI's "Reset" does: WorkflowService.ResetWorkflowExecution to the first workflow task.
    const described = await pipeline.temporal.workflow.getHandle(workflowId).describe();
    const history = await pipeline.temporal.workflow.getHandle(workflowId, described.runId).fetchHistory();
    const firstTask = history.events?.find((e) => e.workflowTaskCompletedEventAttributes);
    const { runId } = await pipeline.temporal.workflowService.resetWorkflowExecution({
      namespace: pipeline.temporal.options.namespace,
      workflowExecution: { workflowId, runId: described.runId },
      workflowTaskFinishEventId: firstTask?.eventId,
      reason: 'redrive test: reset to the first workflow task',
      requestId: randomUUID(),
    });
    expect(runId).toBeTruthy();
    expect(runId).not.toBe(described.runId);

    const again = (await pipeline.temporal.workflow.getHandle(workflowId, runId as string).result()) as EventOutcome;
    expect(again.status).toBe('completed');
    expect(again.apps.flatMap((a) => a.steps.map((s) => `${a.appId}:${s.operation}:${s.outcome}`))).toEqual([
      'directory:createAccount:already-in-state',
      `${WIKI}:createAccount:already-in-state`,
    ]);
    // No second effect: nothing more was written to the SCIM app, the dev-redis account is as it was.
    expect(writes()).toEqual(writesBefore);
    expect(await admin.usersWithExternalId(personKey)).toHaveLength(1);
    expect(await directory(personKey)).toEqual(directoryBefore);
    // The person workflow is not involved in a reset: what it recorded stays.
    const stateAfter = await stateOf(personKey);
    expect([stateAfter.processed, stateAfter.recent, stateAfter.apps]).toEqual([stateBefore.processed, stateBefore.recent, stateBefore.apps]);
  });
});
