import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import { eventWorkflowId } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import type { AccessReport } from '../../services/access/report';
import { createLogger } from '../../services/log';
import { loadPolicyFile } from '../../services/policy/load';
import type { FixResult } from '../../services/reconcile/apply';
import { reconcile, type ReconcileReport } from '../../services/reconcile/run';
import type { Pipeline } from '../../services/runtime';
import { startKeycloak, type KeycloakServer } from '../harness/keycloak';
import { postSigned } from '../support/canonical-client';
import { runCli } from '../support/cli-process';
import { makeEvent } from '../support/events';
import { startTestPipeline } from '../support/pipeline';
import { eventually } from '../support/wait';

/**
 * Unused accounts on a real Keycloak (last login from the realm's LOGIN events) and the real stack:
 * three active people get an account; A logs in (password grant) and then nobody uses A's account
 * for longer than the policy's `unused.after`; B logs in just before the run; C never logs in.
 * `jml reconcile --fix --publish` reports A and C unused (B not) and disables both under the
 * mass-change guard; the access report shows each account's last use; a run after the disable
 * finds nothing; and a service account without `view-events` makes the run say so, not fail.
 */
const run = Date.now().toString(36);
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const taskQueue = `unused-${run}`;
const key = (name: string) => `test:${run}-${name}`;
/** `unused.after`: long enough for B's login to stay fresh through a CLI start on a busy machine. */
const AFTER_S = 40;

describe('unused accounts on a real Keycloak', () => {
  let kc: KeycloakServer;
  let pipeline: Pipeline;
  let policyFile: string;
  let env: NodeJS.ProcessEnv;
  let cliEnv: NodeJS.ProcessEnv;
  const jml = (...args: string[]) => runCli(args, { env: cliEnv, cwd: join(policyFile, '..') });
  const email = (name: string) => `${name}.${run}@example.com`;

  const post = async (event: JmlEvent) => {
    const res = await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: event, webhookId: `wh-${event.id}` });
    expect(res.status).toBe(202);
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id));
    await eventually(`event ${event.id} applied`, async () => (await handle.describe()) && handle.result(), 120_000);
  };
  const userOf = async (name: string) => {
    const found = await kc.admin<Array<{ id: string; enabled: boolean; createdTimestamp: number }>>({ method: 'GET', path: 'users', query: { q: `jmlPersonKey:${key(name)}`, exact: 'true' } });
    const user = (found.body ?? [])[0];
    if (!user) throw new Error(`no Keycloak user for ${name}`);
    return user;
  };
  const logIn = async (name: string) => {
    const password = `pw-${randomBytes(12).toString('base64url')}`;
    const user = await userOf(name);
    expect((await kc.admin({ method: 'PUT', path: `users/${user.id}/reset-password`, body: { type: 'password', value: password, temporary: false } })).status).toBe(204);
    await kc.login(email(name), password);
    return Date.now();
  };
  const reconcileNow = async (): Promise<ReconcileReport> => {
    const policy = loadPolicyFile({ path: policyFile, env, connectors: CONNECTOR_FACTORIES });
    return reconcile({ client: pipeline.temporal, policy, taskQueue, log: createLogger({ name: 'it-unused', level: 'warn' }), appIds: ['sso'] });
  };

  beforeAll(async () => {
    kc = await startKeycloak();
    policyFile = join(await mkdtemp(join(tmpdir(), 'jml-unused-')), 'policy.yaml');
    await writeFile(
      policyFile,
      `version: 1
massChangeGuard: { max: 1, window: PT10M }
apps:
  sso:
    connector: keycloak
    settings: { baseUrl: "${kc.baseUrl}", realm: "${kc.realm}", clientId: "${kc.clientId}" }
    secrets: { clientSecret: { env: IT_KC_SECRET } }
    mapping: { attributes: { username: "{workEmail|lower}", email: "{workEmail}", firstName: "{givenName}", lastName: "{familyName}" } }
    unused: { after: PT${AFTER_S}S, disable: true }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { sso: [] } }
`,
    );
    env = { ...process.env, JML_CANONICAL_SECRET: SECRET, TEMPORAL_TASK_QUEUE: taskQueue, JML_CONFIG_FILE: policyFile, LOG_LEVEL: 'warn', IT_KC_SECRET: kc.clientSecret };
    cliEnv = { ...env, JML_STACK_DIR: join(policyFile, '..', 'stack') };
    delete cliEnv.NODE_OPTIONS;
    pipeline = await startTestPipeline({ name: 'it-unused', env, group: `unused-${run}` });
  }, 900_000);
  afterAll(async () => {
    await pipeline?.stop();
    await kc?.stop();
  });

  it('reports A (last login too long ago) and C (never logged in) unused, not B; --fix disables A and C under the guard; the access report shows last use', { timeout: 420_000 }, async () => {
    for (const name of ['ada', 'bea', 'cyd']) {
      await post(makeEvent({ personKey: key(name), type: 'jml.joiner', person: { workerType: 'employee', workEmail: email(name) } }));
    }
    const aLogin = await logIn('ada');
    // A's login ages past `after` (C's creation, earlier, too); then B logs in, fresh for the run.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, aLogin + (AFTER_S + 1) * 1000 - Date.now())));
    const bLogin = await logIn('bea');

    // The judgement, in process right away; then the CLI's run, which publishes and fixes.
    const report = await reconcileNow();
    const sso = report.apps[0];
    expect(sso?.unusedUnknown).toBeUndefined();
    const unused = (sso?.findings ?? []).filter((f) => f.kind === 'unused');
    expect(unused.map((f) => f.personKey).sort()).toEqual([key('ada'), key('cyd')]);
    const ada = unused.find((f) => f.personKey === key('ada'));
    expect(Math.abs(Date.parse(ada?.lastUsedAt as string) - aLogin), 'last use is the login event').toBeLessThan(5_000);
    expect(ada?.daysUnused).toBe(0);
    expect(unused.find((f) => f.personKey === key('cyd'))).not.toHaveProperty('lastUsedAt');
    expect(sso?.counts).toMatchObject({ unused: 2, drift: 0, missing: 0 });
    expect(Math.abs(Date.parse(sso?.lastUse?.[key('bea')] as string) - bLogin)).toBeLessThan(5_000);
    expect(sso?.lastUse?.[key('cyd')]).toBeNull();
    expect(report.problems, 'unused accounts are not out of step').toBe(0);

    const fixed = await jml('reconcile', '--app', 'sso', '--fix', '--publish', '--json', '--reason', 'unused accounts test');
    expect(fixed.code, fixed.stderr).toBe(0);
    const out = JSON.parse(fixed.stdout) as { runId: string; fixes: FixResult[] };
    expect(Date.parse(out.runId.slice('reconcile-'.length)) - bLogin, 'the CLI run started while B was fresh').toBeLessThan(AFTER_S * 1000);
    expect(out.fixes.map((f) => `${f.status} ${f.kind} ${f.personKey}`).sort()).toEqual([`asked unused ${key('ada')}`, `asked unused ${key('cyd')}`]);
    expect(out.fixes.every((f) => f.removes === true)).toBe(true);

    // The guard lets one removal through (max 1) and holds the other until ops approve it.
    const held = await eventually(
      'one unused disable held by the guard',
      async () => {
        const r = await jml('held', '--json');
        const found = (JSON.parse(r.stdout) as { held: Array<{ workflowId: string; kind?: string }> }).held;
        return found.length === 1 ? found : undefined;
      },
      120_000,
    );
    expect(held[0]?.kind).toBe('reconcile');
    const enabled = async () => Object.fromEntries(await Promise.all(['ada', 'bea', 'cyd'].map(async (n) => [n, (await userOf(n)).enabled] as const)));
    await eventually('the first disable applied', async () => (Object.values(await enabled()).filter((e) => !e).length === 1 ? true : undefined), 90_000);
    const approved = await jml('approve', held[0]?.workflowId as string, '--reason', 'unused accounts checked');
    expect(approved.code, approved.stderr).toBe(0);
    await eventually('A and C disabled', async () => ((await enabled()).cyd === false && (await enabled()).ada === false ? true : undefined), 90_000);
    expect((await enabled()).bea, 'B untouched').toBe(true);

    // The access report (from the published run) shows last use per account.
    const reported = await jml('access', 'report', '--app', 'sso', '--json', '--no-history');
    expect(reported.code, reported.stderr).toBe(0);
    const rows = (JSON.parse(reported.stdout) as AccessReport).rows;
    const row = (name: string) => rows.find((r) => r.personKey === key(name));
    expect(Math.abs(Date.parse(row('ada')?.lastUsed as string) - aLogin)).toBeLessThan(5_000);
    expect(Math.abs(Date.parse(row('bea')?.lastUsed as string) - bLogin)).toBeLessThan(5_000);
    expect(row('cyd')?.lastUsed).toBe('never');
    expect(row('ada')?.finding).toMatch(/^unused: /);
    expect(row('bea')?.finding).toBeUndefined();

    // Converged: the disabled accounts are neither unused (disabled) nor drift (the person workflows hold them disabled).
    const again = await reconcileNow();
    expect(again.apps[0]?.findings).toEqual([]);
  });

  it('a service account without view-events: the run says why unused accounts were not judged, and judges none', { timeout: 120_000 }, async () => {
    const [client] = (await kc.admin<Array<{ id: string }>>({ method: 'GET', path: 'clients', query: { clientId: kc.clientId } })).body ?? [];
    const [management] = (await kc.admin<Array<{ id: string }>>({ method: 'GET', path: 'clients', query: { clientId: 'realm-management' } })).body ?? [];
    const serviceUser = (await kc.admin<{ id: string }>({ method: 'GET', path: `clients/${client?.id}/service-account-user` })).body;
    const role = (await kc.admin<{ id: string; name: string }>({ method: 'GET', path: `clients/${management?.id}/roles/view-events` })).body;
    const removed = await kc.admin({ method: 'DELETE', path: `users/${serviceUser?.id}/role-mappings/clients/${management?.id}`, body: [role] });
    expect(removed.status).toBe(204);
    const report = await reconcileNow();
    expect(report.skipped).toEqual([]);
    expect(report.apps[0]?.unusedUnknown).toMatch(/view-events/);
    expect(report.apps[0]?.counts.unused).toBe(0);
    expect(report.apps[0]?.lastUse).toBeUndefined();
  });
});
