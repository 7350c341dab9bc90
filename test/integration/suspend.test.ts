import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountKey } from '../../connectors/dev-redis';
import { ensureGroup } from '../../connectors/keycloak/testing/conformance-target';
import { scimAdmin, type ScimAdmin } from '../../connectors/scim/testing/scim-admin';
import type { ScimGroup, ScimUser } from '../../connectors/scim/schema';
import { eventWorkflowId, personStateQuery, personWorkflowId, type EventOutcome, type PersonState } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import type { SecurityAction } from '../../schemas/security-action.v1';
import type { Pipeline } from '../../services/runtime';
import { startKeycloak, type KeycloakServer } from '../harness/keycloak';
import { captureHistory } from '../replay/capture';
import { startScimServer, type ScimServer } from '../harness/scim-server';
import { slapdAppYaml, startSlapd, type SlapdInstance } from '../harness/slapd';
import { postSigned } from '../support/canonical-client';
import { runCli, type Ran } from '../support/cli-process';
import { makeEvent } from '../support/events';
import { startTestPipeline } from '../support/pipeline';
import { eventually } from '../support/wait';

/**
 * Emergency suspend and restore on the real stack: dev-redis apps on the shared Redis, a SCIM app on
 * a real scim2-server, a Keycloak realm on a real Keycloak (whose connector ends sessions) and an
 * LDAP directory on a real slapd (disabled by moving the entry to ou=disabled), driven by
 * `jml suspend` / `jml restore` as a subprocess, with a mover arriving while suspended. Each of the
 * three real servers has a group per department, so the mover has something to grant and revoke in each.
 */
const run = Date.now().toString(36);
/** The HR sender's key (HR events only) and the security team's (suspend and restore of anyone). */
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const SEC_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const prefix = `jml:it-suspend:${run}`;
const PERSON = `test:${run}-eve`;
const PASSWORD = `pw-${randomBytes(12).toString('base64url')}`;

describe('emergency suspend and restore on the real stack', () => {
  const stack = inject('stack');
  let scim: ScimServer;
  let admin: ScimAdmin;
  let kc: KeycloakServer;
  let slapd: SlapdInstance;
  let pipeline: Pipeline;
  let redis: Redis;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let hook = 0;

  const jml = (args: string[]): Promise<Ran> => runCli(args, { env, cwd: dir });
  const post = async (event: JmlEvent) => {
    hook += 1;
    expect((await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: event, webhookId: `suspend-${run}-${hook}` })).status).toBe(202);
  };
  const outcomeOf = (id: string) => {
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(PERSON, id));
    return eventually(`workflow ${id}`, async () => (await handle.describe()) && ((await handle.result()) as EventOutcome), 120_000);
  };
  const state = () => pipeline.temporal.workflow.getHandle(personWorkflowId(PERSON)).query(personStateQuery) as Promise<PersonState>;
  /** The person's state once the restore's outcome is folded in (a moment after its workflow closed). */
  const restored = () => eventually('the suspension to end', async () => ((await state()).suspension === undefined ? state() : undefined));
  /** A dev-redis account: whether it exists, is enabled, and its groups. */
  const devAccount = async (appId: string) => {
    const key = accountKey({ keyPrefix: prefix }, appId, PERSON);
    const fields = await redis.hgetall(key);
    return { exists: fields.enabled !== undefined, enabled: fields.enabled === '1', groups: (await redis.smembers(`${key}:entitlements`)).sort() };
  };
  const wikiUser = async () => (await admin.usersWithExternalId(PERSON))[0] as ScimUser & { id: string };
  const ssoUser = async () => {
    const found = await kc.admin<Array<{ id: string; enabled: boolean }>>({ method: 'GET', path: 'users', query: { q: `jmlPersonKey:${PERSON}`, exact: 'true' } });
    return (found.body ?? [])[0] as { id: string; enabled: boolean };
  };
  /** The SCIM user's groups, read from scim2-server's Groups (it leaves the user's `groups` empty). */
  const wikiGroups = async () => (await admin.list<ScimGroup>('Groups', `members.value eq "${(await wikiUser()).id}"`)).map((g) => g.displayName).sort();
  /** The Keycloak user's group paths. */
  const ssoGroups = async () => ((await kc.admin<Array<{ path: string }>>({ method: 'GET', path: `users/${(await ssoUser()).id}/groups` })).body ?? []).map((g) => g.path).sort();
  /**
   * The person's LDAP entry read back from slapd: enabled when it lies under ou=people (the
   * connector's move-to-ou disable moves it to ou=disabled), and the groups whose `member` names it
   * under either OU (slapd has no refint overlay: a stale member value under the other OU counts too).
   */
  const ldapAccount = async () => {
    const { searchEntries } = await slapd.admin.search(slapd.baseDn, { scope: 'sub', filter: `(employeeNumber=${PERSON})`, attributes: ['1.1'] });
    expect(searchEntries).toHaveLength(1);
    const dn = (searchEntries[0] as { dn: string }).dn;
    const rdn = dn.slice(0, dn.indexOf(','));
    const names = new Set([`${rdn},${slapd.peopleDn}`, `${rdn},${slapd.disabledDn}`].map((d) => d.toLowerCase()));
    const { searchEntries: groups } = await slapd.admin.search(slapd.groupsDn, { scope: 'one', filter: '(objectClass=groupOfNames)', attributes: ['cn', 'member'] });
    const member = groups.filter((g) => [g.member ?? []].flat().some((m) => names.has(String(m).toLowerCase())));
    return { enabled: dn.toLowerCase().endsWith(`,${slapd.peopleDn.toLowerCase()}`), groups: member.map((g) => String(g.cn)).sort() };
  };

  const engineer = { workerType: 'employee' as const, department: 'Engineering', workEmail: `eve.${run}@example.com` };
  const joiner = makeEvent({ personKey: PERSON, type: 'jml.joiner', enteredAt: new Date(Date.now() - 60_000).toISOString(), person: engineer });
  const mover = makeEvent({
    personKey: PERSON,
    type: 'jml.mover',
    enteredAt: new Date(Date.now() - 30_000).toISOString(),
    person: { ...engineer, department: 'Sales' },
    changedFields: ['department'],
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jml-suspend-'));
    [scim, kc, slapd] = await Promise.all([startScimServer(), startKeycloak(), startSlapd({ groups: ['staff', 'engineering', 'sales'] })]);
    admin = scimAdmin(scim);
    for (const group of ['staff', 'eng', 'sales']) await ensureGroup(kc, group);
    for (const group of ['wiki-eng', 'wiki-sales']) await admin.createGroup(group);
    redis = new Redis(stack.redisUrl);
    const dev = `connector: dev-redis, settings: { url: "${stack.redisUrl}", keyPrefix: "${prefix}" }`;
    const file = join(dir, 'policy.yaml');
    await writeFile(
      file,
      `version: 1
apps:
  directory: { ${dev} }
  chat: { ${dev} }
  code: { ${dev} }
  crm: { ${dev} }
  wiki:
    connector: scim
    settings: { baseUrl: "${scim.baseUrl}", profile: scim2-server }
    secrets: { bearerToken: { env: IT_SCIM_TOKEN } }
  sso:
    connector: keycloak
    settings: { baseUrl: "${kc.baseUrl}", realm: "${kc.realm}", clientId: "${kc.clientId}" }
    secrets: { clientSecret: { env: IT_KC_SECRET } }
    mapping: { attributes: { username: "{workEmail|lower}", email: "{workEmail}", firstName: "{givenName}", lastName: "{familyName}" } }
  ldap:
    connector: ldap
${slapdAppYaml(slapd, 'IT_LDAP_PASSWORD')}
    mapping:
      attributes: { uid: "{givenName|lower}.{familyName|lower}-${run}", cn: "{givenName} {familyName}", sn: "{familyName}" }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { directory: [], chat: ["channel:general"], wiki: [], sso: ["group:staff"], ldap: [staff] } }
  - { name: eng, when: { department: Engineering }, grant: { code: ["team:eng"], chat: ["channel:eng"], wiki: [wiki-eng], sso: ["group:eng"], ldap: [engineering] } }
  - { name: sales, when: { department: Sales }, grant: { crm: ["pipeline:emea"], chat: ["channel:sales"], wiki: [wiki-sales], sso: ["group:sales"], ldap: [sales] } }
`,
    );
    env = {
      ...process.env,
      JML_CANONICAL_SECRETS: JSON.stringify([
        { secret: { env: 'IT_HR_KEY' } },
        { secret: { env: 'IT_SEC_KEY' }, sources: ['/security/'], actions: ['suspend', 'restore'] },
      ]),
      IT_HR_KEY: SECRET,
      IT_SEC_KEY: SEC_SECRET,
      TEMPORAL_TASK_QUEUE: `suspend-${run}`,
      JML_CONFIG_FILE: file,
      LOG_LEVEL: 'warn',
      IT_SCIM_TOKEN: scim.token,
      IT_KC_SECRET: kc.clientSecret,
      IT_LDAP_PASSWORD: slapd.bindPassword,
    };
    pipeline = await startTestPipeline({ name: 'it-suspend', env, group: `suspend-${run}` });
  }, 900_000);
  afterAll(async () => {
    await pipeline?.stop();
    await scim?.stop();
    await kc?.stop();
    await slapd?.stop();
    redis?.disconnect();
  });

  it('suspend > every app disabled and the Keycloak session ended, on the leaver lane, with who asked and why', async () => {
    await post(joiner);
    expect((await outcomeOf(joiner.id)).status).toBe('completed');
    expect(await devAccount('code')).toEqual({ exists: true, enabled: true, groups: ['team:eng'] });
    expect(await ldapAccount()).toEqual({ enabled: true, groups: ['engineering', 'staff'] });
    expect(await wikiGroups()).toEqual(['wiki-eng']);
    expect(await ssoGroups()).toEqual(['/eng', '/staff']);
    const user = await ssoUser();
    expect(user.enabled).toBe(true);
    expect((await kc.admin({ method: 'PUT', path: `users/${user.id}/reset-password`, body: { type: 'password', value: PASSWORD, temporary: false } })).status).toBe(204);
    const session = await kc.login(engineer.workEmail.toLowerCase(), PASSWORD);

    const asked = await jml(['suspend', PERSON, '--reason', 'SEC-1 phished credentials', '--json']);
    expect(asked.code, asked.stderr).toBe(0);
    expect(JSON.parse(asked.stdout)).toMatchObject({ status: 'accepted', actionId: 'suspend-1', workflowId: eventWorkflowId(PERSON, 'suspend-1') });

    const outcome = await outcomeOf('suspend-1');
    expect(outcome.status).toBe('completed');
    expect(outcome.kind).toBe('suspend');
    const sso = outcome.apps.find((a) => a.appId === 'sso');
    expect(sso?.steps.map((s) => `${s.operation} ${s.outcome}`)).toEqual(['suspendAccount applied', 'revokeSessions applied']);
    for (const appId of ['directory', 'chat', 'code']) expect((await devAccount(appId)).enabled, appId).toBe(false);
    expect(await devAccount('crm')).toEqual({ exists: false, enabled: false, groups: [] });
    expect((await wikiUser()).active).toBe(false);
    expect((await ssoUser()).enabled).toBe(false);
    expect((await kc.refresh(session.refreshToken)).status).toBe(400);
    expect(outcome.apps.find((a) => a.appId === 'ldap')?.steps.map((s) => `${s.operation} ${s.outcome}`)).toEqual(['suspendAccount applied']);
    expect((await ldapAccount()).enabled).toBe(false);

    const desc = await pipeline.temporal.workflow.getHandle(eventWorkflowId(PERSON, 'suspend-1')).describe();
    expect(desc.taskQueue).toBe(`suspend-${run}.leavers`);
    expect(await desc.staticDetails()).toMatch(/^Suspension asked by jml suspend \(.+\): SEC-1 phished credentials$/);
    expect((await state()).suspension).toMatchObject({ id: 'suspend-1', reason: 'SEC-1 phished credentials', took: ['chat', 'code', 'directory', 'ldap', 'sso', 'wiki'], inactive: [] });

    const again = await jml(['suspend', PERSON, '--reason', 'again']);
    expect(again.code).toBe(4);
    expect(again.stderr + again.stdout).toMatch(/already-suspended/);
  }, 900_000);

  it('while suspended > a mover is applied where it removes access and grants nothing', async () => {
    await post(mover);
    const outcome = await outcomeOf(mover.id);
    expect(outcome.status).toBe('completed');
    expect(outcome.apps.map((a) => a.appId).sort()).not.toContain('crm');
    expect(await devAccount('crm')).toEqual({ exists: false, enabled: false, groups: [] });
    expect(await devAccount('chat')).toEqual({ exists: true, enabled: false, groups: ['channel:general'] });
    for (const appId of ['directory', 'code']) expect((await devAccount(appId)).enabled, appId).toBe(false);
    expect((await wikiUser()).active).toBe(false);
    expect((await ssoUser()).enabled).toBe(false);
    expect((await ldapAccount()).enabled).toBe(false);
    // Engineering's groups went with the mover; Sales' are not granted while suspended.
    expect(await wikiGroups()).toEqual([]);
    expect(await ssoGroups()).toEqual(['/staff']);
    expect((await ldapAccount()).groups).toEqual(['staff']);
    expect((await state()).suspension?.id).toBe('suspend-1');
  }, 300_000);

  it('restore > the state before the suspension plus the mover\'s change, nothing more', async () => {
    const asked = await jml(['restore', PERSON, '--reason', 'SEC-1 credentials reset']);
    expect(asked.code, asked.stderr).toBe(0);
    const outcome = await outcomeOf('restore-1');
    expect(outcome.status).toBe('completed');
    expect(await devAccount('directory')).toEqual({ exists: true, enabled: true, groups: [] });
    expect(await devAccount('chat')).toEqual({ exists: true, enabled: true, groups: ['channel:general', 'channel:sales'] });
    expect(await devAccount('crm')).toEqual({ exists: true, enabled: true, groups: ['pipeline:emea'] });
    // Engineering's app went with the mover: it stays disabled.
    expect(await devAccount('code')).toEqual({ exists: true, enabled: false, groups: ['team:eng'] });
    expect((await wikiUser()).active).toBe(true);
    expect((await ssoUser()).enabled).toBe(true);
    expect(await wikiGroups()).toEqual(['wiki-sales']);
    expect(await ssoGroups()).toEqual(['/sales', '/staff']);
    expect(await ldapAccount()).toEqual({ enabled: true, groups: ['sales', 'staff'] });
    const after = await restored();
    expect(after.apps.code?.status).toBe('disabled');
    const twice = await jml(['restore', PERSON, '--reason', 'again']);
    expect(twice.code).toBe(4);
  }, 300_000);

  it('canonical API > only a key scoped for security actions suspends and restores; any other gets 403 and nothing is produced', async () => {
    const action = (type: SecurityAction['type'], n: number): SecurityAction => ({
      specversion: '1.0',
      id: `soar-${run}-${n}`,
      source: '/security/soar',
      type,
      subject: PERSON,
      time: new Date().toISOString(),
      data: { reason: `SEC-2 step ${n}`, requestedBy: 'SOAR playbook 7' },
    });
    const send = async (secret: string, body: SecurityAction) => {
      hook += 1;
      return postSigned({ url: pipeline.gatewayUrl as string, secret, body, webhookId: `suspend-${run}-${hook}` });
    };
    // The HR key is not scoped for security actions: refused, never produced.
    const refused = await send(SECRET, action('jml.security.suspend', 1));
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ error: { code: 'out-of-scope' } });
    // Had it been produced, it would be suspend-2, and the security key's below would be refused as already-suspended.
    expect((await send(SEC_SECRET, action('jml.security.suspend', 2))).status).toBe(202);
    expect((await outcomeOf('suspend-2')).status).toBe('completed');
    const desc = await pipeline.temporal.workflow.getHandle(eventWorkflowId(PERSON, 'suspend-2')).describe();
    expect(await desc.staticDetails()).toBe('Suspension asked by SOAR playbook 7 via /security/soar: SEC-2 step 2');
    expect(desc.taskQueue).toBe(`suspend-${run}.leavers`);
    for (const appId of ['directory', 'chat', 'crm']) expect((await devAccount(appId)).enabled, appId).toBe(false);
    expect((await wikiUser()).active).toBe(false);
    expect((await ldapAccount()).enabled).toBe(false);

    expect((await send(SEC_SECRET, action('jml.security.restore', 3))).status).toBe(202);
    expect((await outcomeOf('restore-2')).status).toBe('completed');
    expect(await devAccount('crm')).toEqual({ exists: true, enabled: true, groups: ['pipeline:emea'] });
    expect(await ldapAccount()).toEqual({ enabled: true, groups: ['sales', 'staff'] });
    expect((await restored()).recent.map((r) => `${r.type} ${r.status}`).slice(-2)).toEqual(['suspend completed', 'restore completed']);
    await captureHistory(pipeline.temporal, personWorkflowId(PERSON), 'person.suspend-restore');
    await captureHistory(pipeline.temporal, eventWorkflowId(PERSON, 'suspend-2'), 'jml-event.suspend');
  }, 300_000);
});
