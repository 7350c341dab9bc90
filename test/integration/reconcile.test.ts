import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eqFilter } from '../../connectors/scim/filter';
import type { ScimUser } from '../../connectors/scim/schema';
import { scimAdmin, type ScimAdmin } from '../../connectors/scim/testing/scim-admin';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import { eventWorkflowId, reconcileScheduleId, type ReconcileSummary } from '../../schemas/contracts';
import { ReconcileFinding } from '../../schemas/reconcile-finding.v1';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { loadConfig } from '../../services/config';
import { TOPICS } from '../../services/kafka/topics';
import { createLogger } from '../../services/log';
import { loadPolicyFile } from '../../services/policy/load';
import { reconcile } from '../../services/reconcile/run';
import { startPipeline, type Pipeline } from '../../services/runtime';
import { startScimServer, type ScimServer } from '../harness/scim-server';
import { postSigned } from '../support/canonical-client';
import { makeEvent } from '../support/events';
import { consumeUntil } from '../support/kafka';
import { eventually } from '../support/wait';
import { captureHistory } from '../replay/capture';

/**
 * Reconciliation against HR truth on the real stack and a real third-party SCIM server
 * (scim2-server): the pipeline provisions three people, one leaves; then an administrator works
 * behind its back: re-enables the leaver's account, deletes another's, adds a user with a person key
 * nobody has, and one without any. The app's schedule, triggered, finds each (zombie, missing,
 * orphan, unmanaged), reports nothing for the person in step, publishes the findings to
 * jml.reconcile.v1 and changes nothing in the app.
 */
const run = Date.now().toString(36);
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const taskQueue = `reconcile-${run}`;
const key = (name: string) => `test:${run}-${name}`;

describe('reconciliation on the real stack and scim2-server', () => {
  const stack = inject('stack');
  let scim: ScimServer;
  let admin: ScimAdmin;
  let pipeline: Pipeline;
  let policyFile: string;
  let env: NodeJS.ProcessEnv;

  const post = async (event: JmlEvent) => {
    const res = await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: event, webhookId: `wh-${event.id}` });
    expect(res.status).toBe(202);
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id));
    await eventually(`event ${event.id} applied`, async () => (await handle.describe()) && handle.result(), 90_000);
  };
  const userOf = async (personKey: string) => {
    const [user] = await admin.list<ScimUser & { id: string }>('Users', eqFilter('externalId', personKey));
    if (!user) throw new Error(`no SCIM user for ${personKey}`);
    return user;
  };
  const snapshotOfApp = async () => (await admin.list<ScimUser & { id: string }>('Users')).map((u) => `${u.id} ${u.externalId ?? '-'} ${u.active !== false}`).sort();

  beforeAll(async () => {
    scim = await startScimServer();
    admin = scimAdmin(scim);
    policyFile = join(await mkdtemp(join(tmpdir(), 'jml-reconcile-')), 'policy.yaml');
    await writeFile(
      policyFile,
      `version: 1
apps:
  wiki:
    connector: scim
    settings: { baseUrl: "${scim.baseUrl}", profile: scim2-server }
    secrets: { bearerToken: { env: IT_SCIM_TOKEN } }
    mapping:
      attributes: { givenName: "{givenName}", familyName: "{familyName}", displayName: "{givenName} {familyName}" }
      unique: { userName: ["{givenName|lower}.{familyName|lower}.{employeeId|lower}"] }
    reconcile: { every: PT1H }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { wiki: [] } }
`,
    );
    env = { ...process.env, JML_CANONICAL_SECRET: SECRET, TEMPORAL_TASK_QUEUE: taskQueue, JML_CONFIG_FILE: policyFile, LOG_LEVEL: 'warn', IT_SCIM_TOKEN: scim.token };
    pipeline = await startPipeline({
      config: loadConfig(env),
      env,
      endpoints: stack,
      log: createLogger({ name: 'it-reconcile', level: 'warn' }),
      parts: { pollers: false },
      gatewayPort: 0,
      workflowBundle: { code: inject('workflowBundleCode') },
      dispatcherGroupId: `reconcile-${run}`,
      dispatcherStartAt: 'now',
    });
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    await scim?.stop();
  });

  it('schedule > the worker keeps one schedule per app that asks for it, at its interval', async () => {
    const description = await pipeline.temporal.schedule.getHandle(reconcileScheduleId(taskQueue, 'wiki')).describe();
    expect(description.spec.intervals?.[0]?.every).toBe(3_600_000);
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconcileWorkflow', taskQueue });
  });

  it('findings > zombie, missing, orphan and unmanaged are each found, the person in step is not, and the app is left as it was', { timeout: 240_000 }, async () => {
    const people = ['ada', 'bob', 'cat'].map((name) => makeEvent({ personKey: key(name), type: 'jml.joiner' }));
    for (const e of people) await post(e);
    await post(makeEvent({ personKey: key('bob'), type: 'jml.leaver', enteredAt: '2026-11-25T09:00:00Z' }));
    expect((await userOf(key('bob'))).active).toBe(false);

    // Behind the pipeline's back.
    const bob = await userOf(key('bob'));
    const patched = await admin.request({
      method: 'PATCH',
      path: `Users/${bob.id}`,
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: true }] },
    });
    expect(patched.status).toBeLessThan(300);
    expect((await admin.request({ method: 'DELETE', path: `Users/${(await userOf(key('cat'))).id}` })).status).toBe(204);
    const ghost = await admin.createUser({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `ghost-${run}`, externalId: key('ghost'), active: true });
    const stranger = await admin.createUser({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `stranger-${run}`, active: true });
    const before = await snapshotOfApp();

    // The schedule's action, now.
    const started = Date.now();
    await pipeline.temporal.schedule.getHandle(reconcileScheduleId(taskQueue, 'wiki')).trigger();
    const { summary, workflowId } = await eventually(
      'the triggered reconciliation run',
      async () => {
        for await (const wf of pipeline.temporal.workflow.list({ query: `WorkflowType = 'reconcileWorkflow' AND TaskQueue = '${taskQueue}'` })) {
          if (wf.startTime.getTime() >= started - 1_000) {
            return { workflowId: wf.workflowId, summary: (await pipeline.temporal.workflow.getHandle(wf.workflowId, wf.runId).result()) as ReconcileSummary };
          }
        }
        return undefined;
      },
      120_000,
    );
    await captureHistory(pipeline.temporal, workflowId, 'reconcile.scheduled');
    expect(summary.skipped).toEqual([]);
    expect(summary.apps).toEqual([{ appId: 'wiki', accounts: 4, unchecked: 0, counts: { orphan: 1, zombie: 1, missing: 1, drift: 0, unmanaged: 1 } }]);
    expect(summary.problems).toBe(3);
    // The run's result holds counts, no person.
    expect(JSON.stringify(summary)).not.toContain(run);

    // On the topic: every finding of the run, then the app's summary.
    const records = await consumeUntil({
      brokers: stack.kafkaBrokers,
      topic: TOPICS.reconcile,
      take: (() => {
        const mine: ReconcileFinding[] = [];
        return (m) => {
          const r = ReconcileFinding.parse(JSON.parse(String(m.value)));
          if (r.runId !== summary.runId) return undefined;
          mine.push(r);
          return r.kind === 'summary' ? mine : undefined;
        };
      })(),
      timeoutMs: 30_000,
    });
    expect(records.map((r) => `${r.kind} ${r.personKey ?? r.externalRef ?? ''}`).sort()).toEqual(
      [`missing ${key('cat')}`, `orphan ${key('ghost')}`, 'summary ', `unmanaged ${stranger.id}`, `zombie ${key('bob')}`].sort(),
    );
    expect(records.find((r) => r.kind === 'orphan')?.externalRef).toBe(ghost.id);
    for (const r of records) for (const name of ['Ada', 'Lovelace']) expect(JSON.stringify(r)).not.toContain(name);

    // Read-only: the app is exactly as the administrator left it.
    expect(await snapshotOfApp()).toEqual(before);
  });

  it('on demand > reconcile() gives the same findings without a schedule', async () => {
    const policy = loadPolicyFile({ path: policyFile, env, connectors: CONNECTOR_FACTORIES });
    const report = await reconcile({ client: pipeline.temporal, policy, taskQueue, log: createLogger({ name: 'it-reconcile', level: 'warn' }), appIds: ['wiki'] });
    expect(report.apps[0]?.counts).toEqual({ orphan: 1, zombie: 1, missing: 1, drift: 0, unmanaged: 1 });
    expect(report.unreadable).toEqual([]);
    await expect(reconcile({ client: pipeline.temporal, policy, taskQueue, log: createLogger({ name: 'x', level: 'silent' }), appIds: ['nope'] })).rejects.toThrow(/no app 'nope'/);
  });
});
