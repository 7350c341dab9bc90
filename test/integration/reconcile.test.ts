import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eqFilter } from '../../connectors/scim/filter';
import type { ScimUser } from '../../connectors/scim/schema';
import { scimAdmin, type ScimAdmin } from '../../connectors/scim/testing/scim-admin';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import { eventWorkflowId, personStateQuery, personWorkflowId, reconcileScheduleId, type EventOutcome, type ReconcileSummary } from '../../schemas/contracts';
import { ReconcileFinding } from '../../schemas/reconcile-finding.v1';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { TOPICS } from '../../services/kafka/topics';
import { createLogger } from '../../services/log';
import { loadPolicyFile } from '../../services/policy/load';
import { applyFixes } from '../../services/reconcile/apply';
import { reconcile, type ReconcileReport } from '../../services/reconcile/run';
import type { Pipeline } from '../../services/runtime';
import { startScimServer, type ScimServer } from '../harness/scim-server';
import { startSlapd, type SlapdInstance, slapdAppYaml } from '../harness/slapd';
import { postSigned } from '../support/canonical-client';
import { makeEvent } from '../support/events';
import { consumeUntil } from '../support/kafka';
import { eventually } from '../support/wait';
import { startTestPipeline } from '../support/pipeline';
import { captureHistory } from '../replay/capture';
import { runCli } from '../support/cli-process';

/**
 * Reconciliation against HR truth on the real stack, a real third-party SCIM server (scim2-server)
 * and a real OpenLDAP (slapd): the pipeline provisions three people in both, one leaves; then an
 * administrator works behind its back: in SCIM re-enables the leaver's account, deletes another's,
 * renames a third, adds a user with a person key nobody has and one without any; in LDAP adds an
 * entry with a person key nobody has and one without. The apps' schedules, triggered, find each
 * (zombie, missing, drift, orphan, unmanaged), report nothing for what is in step, publish the
 * findings to jml.reconcile.v1 and change nothing in the apps, except where the app's policy says
 * `reconcile.fix` (the directory): there the run asks for the fixes. Then `jml reconcile --fix`
 * fixes the rest under the mass-change guard, and a hand-made account is never adopted by a fix
 * unless the policy says so.
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
massChangeGuard: { max: 2, window: PT10M }
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
${slapdAppYaml(slapd, 'IT_LDAP_PASSWORD')}
    mapping:
      attributes: { cn: "{givenName} {familyName}", sn: "{familyName}", givenName: "{givenName}" }
      unique: { uid: ["{givenName|lower}.{familyName|lower}.{employeeId|lower}"] }
    reconcile: { every: PT2H, fix: true }
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

  it('findings > zombie, missing, drift, orphan and unmanaged are each found in SCIM and LDAP, what is in step is not; the wiki is left as it was, the directory (reconcile.fix) has its orphan disabled by the schedule', { timeout: 240_000 }, async () => {
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
    expect(summary.apps).toEqual([{ appId: 'wiki', accounts: 4, unchecked: 0, counts: { orphan: 1, zombie: 1, missing: 1, drift: 1, unmanaged: 1, unused: 0 } }]);
    expect(summary.problems).toBe(4);
    // LDAP: the leaver's entry is disabled (moved), so no zombie; the two hand-made entries are found.
    const directory = runs.find((r) => r.summary.apps[0]?.appId === 'directory')?.summary;
    expect(directory?.apps).toEqual([{ appId: 'directory', accounts: 5, unchecked: 0, counts: { orphan: 1, zombie: 0, missing: 0, drift: 0, unmanaged: 1, unused: 0 } }]);
    // The directory's policy says reconcile.fix: its run asked for the orphan's fix, and left the unmanaged entry alone.
    expect(directory?.fixes).toEqual({ asked: 1, skipped: 1 });
    expect(summary.fixes).toBeUndefined();
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

    // The wiki (no reconcile.fix) is exactly as the administrator left it; in the directory, only the
    // orphan changed: disabled by the schedule's fix (moved to the disabled OU), never deleted.
    expect(await snapshotOfApp()).toEqual(before);
    const ghostMoved = directoryBefore.map((e) => e.replace(`uid=ghost-${run},${slapd.peopleDn}`, `uid=ghost-${run},${slapd.disabledDn}`)).sort();
    expect(ghostMoved).not.toEqual(directoryBefore);
    await eventually('the scheduled fix disabled the directory orphan', async () => (JSON.stringify(await directoryEntries()) === JSON.stringify(ghostMoved) ? true : undefined), 60_000);
  });

  it('on demand > reconcile() gives the same findings without a schedule', async () => {
    const policy = loadPolicyFile({ path: policyFile, env, connectors: CONNECTOR_FACTORIES });
    const report = await reconcile({ client: pipeline.temporal, policy, taskQueue, log: createLogger({ name: 'it-reconcile', level: 'warn' }), appIds: ['wiki'] });
    expect(report.apps[0]?.counts).toEqual({ orphan: 1, zombie: 1, missing: 1, drift: 1, unmanaged: 1, unused: 0 });
    expect(report.unreadable).toEqual([]);
    await expect(reconcile({ client: pipeline.temporal, policy, taskQueue, log: createLogger({ name: 'x', level: 'silent' }), appIds: ['nope'] })).rejects.toThrow(/no app 'nope'/);
  });
  it('fix > jml reconcile --fix: the zombie and the orphan disabled, the missing account made again, the drift put back, the unmanaged left alone, and removals past the guard\'s limit held until approved', { timeout: 300_000 }, async () => {
    const cwd = dirname(policyFile);
    const cliEnv: NodeJS.ProcessEnv = { ...env, JML_STACK_DIR: join(cwd, 'stack') };
    delete cliEnv.NODE_OPTIONS;
    const jml = (...args: string[]) => runCli(args, { env: cliEnv, cwd });
    const strangerBefore = (await admin.list<ScimUser & { id: string }>('Users')).find((u) => u.userName === `stranger-${run}`);
    const adminEntry = async () => (await slapd.admin.search(`uid=admin-${run},${slapd.peopleDn}`, { scope: 'base' })).searchEntries;
    const adminBefore = await adminEntry();
    const before = await snapshotOfApp();

    // A dry run lists the fixes and asks for none.
    const dry = await jml('reconcile', '--fix', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    type Fix = { status: string; kind: string; appId: string; personKey?: string; removes?: boolean; workflowId?: string };
    const listed = (JSON.parse(dry.stdout) as { fixes: Fix[] }).fixes;
    // The directory's orphan was fixed by its schedule (the findings test): a disabled orphan is in step.
    const expected = ['asked drift wiki', 'asked missing wiki', 'asked orphan wiki', 'asked zombie wiki', 'skipped unmanaged directory', 'skipped unmanaged wiki'];
    expect(listed.map((f) => `${f.status} ${f.kind} ${f.appId}`).sort()).toEqual(expected);
    expect(listed.filter((f) => f.removes).map((f) => `${f.kind} ${f.appId}`).sort()).toEqual(['orphan wiki', 'zombie wiki']);
    expect(await snapshotOfApp()).toEqual(before);

    const fixed = await jml('reconcile', '--fix', '--json', '--reason', 'integration test');
    expect(fixed.code, fixed.stderr).toBe(0);
    const asked = (JSON.parse(fixed.stdout) as { fixes: Fix[] }).fixes;
    expect(asked.map((f) => `${f.status} ${f.kind} ${f.appId}`).sort()).toEqual(expected);
    const zombieFix = asked.find((f) => f.kind === 'zombie') as Fix;
    expect(zombieFix.workflowId).toMatch(new RegExp(`^jml/${key('bob')}/reconcile-.*\\.fix\\.wiki$`));

    // Adds are not counted: the missing account is made again and the drift put back, at once.
    await eventually('cat has a wiki account again', async () => (await admin.list<ScimUser>('Users', eqFilter('externalId', key('cat')))).length === 1 || undefined, 90_000);
    await eventually('ada\'s display name is the policy\'s again', async () => ((await userOf(key('ada'))).displayName !== 'Somebody Else') || undefined, 90_000);

    // Removals are: the leaver and the directory's orphan filled the guard's window (2), so both are held.
    const held = await eventually(
      'two removals held by the guard',
      async () => {
        const r = await jml('held', '--json');
        const found = (JSON.parse(r.stdout) as { held: Array<{ workflowId: string; kind?: string }> }).held;
        return found.length === 2 ? found : undefined;
      },
      90_000,
    );
    for (const h of held) expect(h.kind).toBe('reconcile');
    const orphanFix = asked.find((f) => f.kind === 'orphan' && f.appId === 'wiki') as Fix;
    const enabledRemovals = async () => {
      const users = await admin.list<ScimUser & { id: string }>('Users');
      return [users.find((u) => u.externalId === key('bob'))?.active, users.find((u) => u.externalId === key('ghost'))?.active].filter((e) => e === true).length;
    };
    // While they are held, neither account changed.
    expect(await enabledRemovals()).toBe(2);

    const approved = await jml('approve', ...held.map((h) => h.workflowId), '--reason', 'reconciliation checked');
    expect(approved.code, approved.stderr).toBe(0);
    await eventually('every removal applied', async () => ((await enabledRemovals()) === 0 ? true : undefined), 90_000);
    const orphanOutcome = (await pipeline.temporal.workflow.getHandle(orphanFix.workflowId as string).result()) as EventOutcome;
    expect(orphanOutcome).toMatchObject({ kind: 'reconcile', apps: [{ appId: 'wiki', status: 'done' }] });
    expect(orphanOutcome.status).toBe('completed');
    await captureHistory(pipeline.temporal, orphanFix.workflowId as string, 'reconcile.fix-orphan');
    await captureHistory(pipeline.temporal, zombieFix.workflowId as string, 'reconcile.fix-zombie');

    // Converged: nothing left but the unmanaged accounts, which are exactly as they were.
    const check = await jml('reconcile', '--check');
    expect(check.code, `${check.stdout}${check.stderr}`).toBe(0);
    expect((await admin.list<ScimUser & { id: string }>('Users')).find((u) => u.userName === `stranger-${run}`)).toEqual(strangerBefore);
    expect(await adminEntry()).toEqual(adminBefore);
    // The fixes are in the person's history like any event: bob's state lists the fix as a reconcile outcome.
    const bobState = await pipeline.temporal.workflow.getHandle(personWorkflowId(key('bob'))).query(personStateQuery);
    expect(bobState.recent.at(-1)).toMatchObject({ eventId: zombieFix.workflowId?.split('/').at(-1), type: 'reconcile', status: 'completed' });
    expect(bobState.apps.wiki?.status).toBe('disabled');
  });

  it('adoption > with reconcile.adopt off, a fix never claims the hand-made account that holds a missing person\'s user name: it stops, needs attention, and the account is left as it was', { timeout: 180_000 }, async () => {
    const cwd = dirname(policyFile);
    const cliEnv: NodeJS.ProcessEnv = { ...env, JML_STACK_DIR: join(cwd, 'stack') };
    delete cliEnv.NODE_OPTIONS;
    await post(makeEvent({ personKey: key('eve'), type: 'jml.joiner' }));
    // Behind the pipeline's back: the account loses our anchor, so it is no longer the pipeline's.
    const eve = await userOf(key('eve'));
    const unanchored = await admin.request({
      method: 'PATCH',
      path: `Users/${eve.id}`,
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path: 'externalId' }] },
    });
    expect(unanchored.status).toBeLessThan(300);
    const handMade = await admin.request({ method: 'GET', path: `Users/${eve.id}` });
    expect((handMade.body as ScimUser).externalId).toBeUndefined();

    const fixed = await runCli(['reconcile', '--app', 'wiki', '--fix', '--json'], { env: cliEnv, cwd });
    expect(fixed.code, fixed.stderr).toBe(0);
    const fixes = (JSON.parse(fixed.stdout) as { fixes: Array<{ status: string; kind: string; personKey?: string; externalRef?: string; workflowId?: string }> }).fixes;
    expect(fixes.filter((f) => f.personKey === key('eve') || f.externalRef === eve.id).map((f) => `${f.status} ${f.kind}`).sort()).toEqual(['asked missing', 'skipped unmanaged']);
    const missing = fixes.find((f) => f.kind === 'missing') as { workflowId: string };
    const outcome = await eventually(
      'the fix of eve\'s missing account ends',
      async () => {
        const handle = pipeline.temporal.workflow.getHandle(missing.workflowId);
        return (await handle.describe()) && ((await handle.result()) as EventOutcome);
      },
      90_000,
    );
    expect(outcome).toMatchObject({ kind: 'reconcile', status: 'needs-attention', apps: [{ appId: 'wiki', status: 'failed' }] });
    expect(outcome.apps[0]?.error).toMatch(/^conflict: .*adopting it is not allowed/);
    // Exactly as it was: no anchor written, nothing created beside it.
    expect((await admin.request({ method: 'GET', path: `Users/${eve.id}` })).body).toEqual(handMade.body);
    expect((await admin.list<ScimUser>('Users')).filter((u) => u.userName === eve.userName)).toHaveLength(1);
    expect((await runCli(['reconcile', '--app', 'wiki', '--check'], { env: cliEnv, cwd })).code).toBe(4);
  });

  it('fix twice > the same run\'s fix asked a second time answers already-asked and is queued once', { timeout: 180_000 }, async () => {
    const policy = loadPolicyFile({ path: policyFile, env, connectors: CONNECTOR_FACTORIES });
    const at = new Date().toISOString();
    // One drift finding of ada's wiki account (its display name); applying it changes nothing that is in step.
    const drift = { kind: 'drift' as const, appId: 'wiki', personKey: key('ada'), summary: 'displayName differs', drift: { attributes: ['displayName'] } };
    const report: ReconcileReport = {
      runId: `reconcile-${at}`,
      at,
      apps: [{ appId: 'wiki', accounts: 1, people: 1, unchecked: 0, findings: [drift], counts: { orphan: 0, zombie: 0, missing: 0, drift: 1, unmanaged: 0, unused: 0 } }],
      skipped: [],
      unreadable: [],
      problems: 1,
    };
    const ask = () => applyFixes(report, { client: pipeline.temporal, policy, taskQueue, by: 'integration test' });
    const first = await ask();
    const second = await ask();
    expect(first.map((f) => f.status)).toEqual(['asked']);
    expect(second.map((f) => f.status)).toEqual(['already-asked']);
    expect(second[0]?.workflowId).toBe(first[0]?.workflowId);
    const outcome = await eventually(
      'the fix ends',
      async () => {
        const handle = pipeline.temporal.workflow.getHandle(first[0]?.workflowId as string);
        return (await handle.describe()) && ((await handle.result()) as EventOutcome);
      },
      90_000,
    );
    expect(outcome.status).toBe('completed');
    const recent = ((await pipeline.temporal.workflow.getHandle(personWorkflowId(key('ada'))).query(personStateQuery)) as { recent: Array<{ eventId: string }> }).recent;
    expect(recent.filter((r) => r.eventId === `${report.runId}.fix.wiki`)).toHaveLength(1);
  });
});
