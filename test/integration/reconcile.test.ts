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
import { TOPICS } from '../../services/kafka/topics';
import { createLogger } from '../../services/log';
import { loadPolicyFile } from '../../services/policy/load';
import { reconcile } from '../../services/reconcile/run';
import type { Pipeline } from '../../services/runtime';
import { startScimServer, type ScimServer } from '../harness/scim-server';
import { startSlapd, type SlapdInstance } from '../harness/slapd';
import { postSigned } from '../support/canonical-client';
import { makeEvent } from '../support/events';
import { consumeUntil } from '../support/kafka';
import { eventually } from '../support/wait';
import { startTestPipeline } from '../support/pipeline';
import { captureHistory } from '../replay/capture';

/**
 * Reconciliation against HR truth on the real stack, a real third-party SCIM server (scim2-server)
 * and a real OpenLDAP (slapd): the pipeline provisions three people in both, one leaves; then an
 * administrator works behind its back: in SCIM re-enables the leaver's account, deletes another's,
 * renames a third, adds a user with a person key nobody has and one without any; in LDAP adds an
 * entry with a person key nobody has and one without. The apps' schedules, triggered, find each
 * (zombie, missing, drift, orphan, unmanaged), report nothing for what is in step, publish the
 * findings to jml.reconcile.v1 and change nothing in the apps.
 */
const run = Date.now().toString(36);
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const taskQueue = `reconcile-${run}`;
const key = (name: string) => `test:${run}-${name}`;

describe('reconciliation on the real stack, scim2-server and slapd', () => {
  const stack = inject('stack');
  let scim: ScimServer;
  let slapd: SlapdInstance;
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
  const directoryEntries = async () =>
    (await slapd.admin.search(slapd.baseDn, { scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: ['employeeNumber', 'cn'] })).searchEntries.map((e) => `${e.dn} ${String(e.employeeNumber ?? '-')} ${String(e.cn)}`).sort();
  const snapshotOfApp = async () => (await admin.list<ScimUser & { id: string }>('Users')).map((u) => `${u.id} ${u.externalId ?? '-'} ${u.active !== false}`).sort();

  beforeAll(async () => {
    [scim, slapd] = await Promise.all([startScimServer(), startSlapd()]);
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
  directory:
    connector: ldap
    settings:
      url: "${slapd.url}"
      bindDn: "${slapd.bindDn}"
      baseDn: "${slapd.peopleDn}"
      groupsDn: "${slapd.groupsDn}"
      disable: { kind: move-to-ou, disabledDn: "${slapd.disabledDn}" }
    secrets: { bindPassword: { env: IT_LDAP_PASSWORD } }
    mapping:
      attributes: { cn: "{givenName} {familyName}", sn: "{familyName}", givenName: "{givenName}" }
      unique: { uid: ["{givenName|lower}.{familyName|lower}.{employeeId|lower}"] }
    reconcile: { every: PT2H }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { wiki: [], directory: [] } }
`,
    );
    env = { ...process.env, JML_CANONICAL_SECRET: SECRET, TEMPORAL_TASK_QUEUE: taskQueue, JML_CONFIG_FILE: policyFile, LOG_LEVEL: 'warn', IT_SCIM_TOKEN: scim.token, IT_LDAP_PASSWORD: slapd.bindPassword };
    pipeline = await startTestPipeline({ name: 'it-reconcile', env: env, group: `reconcile-${run}` });
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    await Promise.all([scim?.stop(), slapd?.stop()]);
  });

  it('schedule > the worker keeps one schedule per app that asks for it, at its interval', async () => {
    const description = await pipeline.temporal.schedule.getHandle(reconcileScheduleId(taskQueue, 'wiki')).describe();
    expect(description.spec.intervals?.[0]?.every).toBe(3_600_000);
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconcileWorkflow', taskQueue });
  });

  it('findings > zombie, missing, drift, orphan and unmanaged are each found in SCIM and LDAP, what is in step is not, and the apps are left as they were', { timeout: 240_000 }, async () => {
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
    const ada = await userOf(key('ada'));
    const renamed = await admin.request({
      method: 'PATCH',
      path: `Users/${ada.id}`,
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'Somebody Else' }] },
    });
    expect(renamed.status).toBeLessThan(300);
    const person = { objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], sn: 'Hand' };
    await slapd.admin.add(`uid=ghost-${run},${slapd.peopleDn}`, { ...person, uid: `ghost-${run}`, cn: 'Ghost Hand', employeeNumber: key('ghost-ldap') });
    await slapd.admin.add(`uid=admin-${run},${slapd.peopleDn}`, { ...person, uid: `admin-${run}`, cn: 'Admin Hand' });
    const before = await snapshotOfApp();
    const directoryBefore = await directoryEntries();

    // The schedules' actions, now.
    const started = Date.now();
    for (const appId of ['wiki', 'directory']) await pipeline.temporal.schedule.getHandle(reconcileScheduleId(taskQueue, appId)).trigger();
    const runs = await eventually(
      'both triggered reconciliation runs',
      async () => {
        const found: Array<{ workflowId: string; summary: ReconcileSummary }> = [];
        for await (const wf of pipeline.temporal.workflow.list({ query: `WorkflowType = 'reconcileWorkflow' AND TaskQueue = '${taskQueue}'` })) {
          if (wf.startTime.getTime() >= started - 1_000) {
            found.push({ workflowId: wf.workflowId, summary: (await pipeline.temporal.workflow.getHandle(wf.workflowId, wf.runId).result()) as ReconcileSummary });
          }
        }
        return found.length === 2 ? found : undefined;
      },
      120_000,
    );
    const wikiRun = runs.find((r) => r.summary.apps[0]?.appId === 'wiki') as (typeof runs)[number];
    const summary = wikiRun.summary;
    await captureHistory(pipeline.temporal, wikiRun.workflowId, 'reconcile.scheduled');
    expect(summary.skipped).toEqual([]);
    expect(summary.apps).toEqual([{ appId: 'wiki', accounts: 4, unchecked: 0, counts: { orphan: 1, zombie: 1, missing: 1, drift: 1, unmanaged: 1 } }]);
    expect(summary.problems).toBe(4);
    // LDAP: the leaver's entry is disabled (moved), so no zombie; the two hand-made entries are found.
    const directory = runs.find((r) => r.summary.apps[0]?.appId === 'directory')?.summary;
    expect(directory?.apps).toEqual([{ appId: 'directory', accounts: 5, unchecked: 0, counts: { orphan: 1, zombie: 0, missing: 0, drift: 0, unmanaged: 1 } }]);
    // The runs' results hold counts, no person.
    for (const r of runs) expect(JSON.stringify(r.summary)).not.toContain(run);

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
      [`drift ${key('ada')}`, `missing ${key('cat')}`, `orphan ${key('ghost')}`, 'summary ', `unmanaged ${stranger.id}`, `zombie ${key('bob')}`].sort(),
    );
    expect(records.find((r) => r.kind === 'orphan')?.externalRef).toBe(ghost.id);
    expect(records.find((r) => r.kind === 'drift')?.drift).toEqual({ attributes: ['displayName'] });
    for (const r of records) for (const name of ['Ada', 'Lovelace', 'Somebody']) expect(JSON.stringify(r)).not.toContain(name);

    // Read-only: the apps are exactly as the administrator left them.
    expect(await snapshotOfApp()).toEqual(before);
    expect(await directoryEntries()).toEqual(directoryBefore);
  });

  it('on demand > reconcile() gives the same findings without a schedule', async () => {
    const policy = loadPolicyFile({ path: policyFile, env, connectors: CONNECTOR_FACTORIES });
    const report = await reconcile({ client: pipeline.temporal, policy, taskQueue, log: createLogger({ name: 'it-reconcile', level: 'warn' }), appIds: ['wiki'] });
    expect(report.apps[0]?.counts).toEqual({ orphan: 1, zombie: 1, missing: 1, drift: 1, unmanaged: 1 });
    expect(report.unreadable).toEqual([]);
    await expect(reconcile({ client: pipeline.temporal, policy, taskQueue, log: createLogger({ name: 'x', level: 'silent' }), appIds: ['nope'] })).rejects.toThrow(/no app 'nope'/);
  });
});
