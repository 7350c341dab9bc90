import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKeycloak, type KeycloakServer } from '../../test/harness/keycloak';
import { createLogCapture, runConformance } from '../sdk/conformance';
import { isConnectorError, type ConnectorContext } from '../sdk';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { createKeycloakConnector, KeycloakConfig } from '.';
import { allUsers, ensureGroup, keycloakConformanceTarget, KIT_ATTRIBUTES, KIT_GROUP } from './testing/conformance-target';

/**
 * The Keycloak connector against a real Keycloak (test/harness/keycloak.ts): the whole conformance
 * kit through the fault proxy, then what only a real Keycloak shows: a user logged in with a
 * password grant has a session that the leaver's disable and sign-out end, and realm and client
 * roles as entitlements.
 */
let kc: KeycloakServer | undefined;
const started = Date.now();

beforeAll(async () => {
  kc = await startKeycloak();
  process.stderr.write(`[keycloak] ready for tests ${((Date.now() - started) / 1000).toFixed(0)} s after the file started (server answered after ${(kc.startedInMs / 1000).toFixed(0)} s)\n`);
}, 15 * 60_000);

afterAll(async () => {
  await kc?.stop();
  process.stderr.write(`[keycloak] file done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}, 60_000);

const connector = createKeycloakConnector();

runConformance(connector, () => {
  if (!kc) throw new Error('Keycloak did not start (see the file beforeAll)');
  return keycloakConformanceTarget(kc);
});

describe('keycloak > real server', () => {
  let config: KeycloakConfig;
  let server: KeycloakServer;
  let n = 0;
  const run = randomBytes(3).toString('hex');

  beforeAll(async () => {
    if (!kc) throw new Error('Keycloak did not start (see the file beforeAll)');
    server = kc;
    await ensureGroup(server, KIT_GROUP);
    config = KeycloakConfig.parse({ baseUrl: server.baseUrl, realm: server.realm, clientId: server.clientId, attributes: KIT_ATTRIBUTES });
  });

  const ctx = (): ConnectorContext<KeycloakConfig> => ({
    idempotencyKey: `kc-${run}-${(n += 1)}`,
    appId: 'keycloak-it',
    signal: new AbortController().signal,
    heartbeat: () => undefined,
    log: createLogCapture().logger,
    config,
    secrets: { clientSecret: server.clientSecret },
  });
  const person = (id: string): { personKey: string; person: PersonSnapshot } => ({
    personKey: `hris:kc:${run}-${id}`,
    person: { employeeId: `${run}-${id}`, workerType: 'employee', status: 'active', givenName: 'Grace', familyName: `Hopper ${id}`, workEmail: `grace.${run}-${id}@example.com` },
  });
  const ops = connector.operations;

  /** A user made by the connector with a password set by an admin, logged in once with a password grant. */
  async function loggedIn(id: string) {
    const p = person(id);
    const created = await ops.createAccount(ctx(), { account: { personKey: p.personKey }, person: p.person, attributes: {}, enabled: true });
    const account = { personKey: p.personKey, externalRef: created.externalRef as string };
    const password = `pw-${randomBytes(12).toString('base64url')}`;
    const reset = await server.admin({ method: 'PUT', path: `users/${account.externalRef}/reset-password`, body: { type: 'password', value: password, temporary: false } });
    expect(reset.status).toBe(204);
    const tokens = await server.login(p.person.workEmail as string, password);
    return { p, account, password, tokens };
  }
  const sessionsOf = async (id: string) => (await server.admin<unknown[]>({ method: 'GET', path: `users/${id}/sessions` })).body ?? [];

  it('leaver > a live session from a password grant is gone after the disable and sessions.revoke; its refresh token is refused', async () => {
    const { account, password, tokens, p } = await loggedIn('leaver');
    expect(await sessionsOf(account.externalRef), 'the password grant opened one session').toHaveLength(1);
    expect((await server.refresh(tokens.refreshToken)).status, 'the session works before the leaver').toBe(200);

    expect((await ops.suspendAccount(ctx(), { account })).outcome).toBe('applied');
    const afterDisable = (await sessionsOf(account.externalRef)).length;
    process.stderr.write(`[keycloak] sessions left by the disable alone: ${afterDisable}\n`);
    const revoked = await ops.revokeSessions(ctx(), { account });
    expect(revoked.outcome, 'applied while a session was open, already-in-state if the disable ended it').toBe(afterDisable > 0 ? 'applied' : 'already-in-state');
    expect(await sessionsOf(account.externalRef), 'no session left').toEqual([]);
    expect(await server.refresh(tokens.refreshToken), 'the old refresh token is refused').toMatchObject({ status: 400, error: 'invalid_grant' });
    await expect(server.login(p.person.workEmail as string, password), 'a disabled user cannot log in again').rejects.toThrow(/400|401/);
    expect((await ops.revokeSessions(ctx(), { account })).outcome, 'a repeat finds nothing to end').toBe('already-in-state');
  });

  it('sessions.revoke > also revokes offline tokens, which the admin logout alone leaves working', async () => {
    const { account, password, p } = await loggedIn('offline');
    const offline = await server.login(p.person.workEmail as string, password, { offline: true });
    const [client] = (await server.admin<Array<{ id: string }>>({ method: 'GET', path: 'clients', query: { clientId: server.loginClientId } })).body ?? [];
    const offlineSessions = async () => (await server.admin<unknown[]>({ method: 'GET', path: `users/${account.externalRef}/offline-sessions/${client?.id}` })).body ?? [];
    expect(await offlineSessions(), 'the offline_access grant made an offline session').toHaveLength(1);

    expect((await ops.suspendAccount(ctx(), { account })).outcome).toBe('applied');
    expect((await ops.revokeSessions(ctx(), { account })).outcome).toBe('applied');
    expect(await sessionsOf(account.externalRef)).toEqual([]);
    expect(await offlineSessions(), 'no offline session left').toEqual([]);
    // Restored, the person would otherwise get their old offline token back to work.
    expect((await ops.restoreAccount(ctx(), { account })).outcome).toBe('applied');
    expect(await server.refresh(offline.refreshToken), 'the offline refresh token is refused, even after a restore').toMatchObject({ status: 400, error: 'invalid_grant' });
    expect((await ops.revokeSessions(ctx(), { account })).outcome).toBe('already-in-state');
  });

  it('sessions.revoke > ends the sessions of an enabled user too (emergency sign-out), leaving the account enabled', async () => {
    const { account, tokens } = await loggedIn('signout');
    expect(await sessionsOf(account.externalRef)).toHaveLength(1);
    expect((await ops.revokeSessions(ctx(), { account })).outcome).toBe('applied');
    expect(await sessionsOf(account.externalRef)).toEqual([]);
    expect((await server.refresh(tokens.refreshToken)).status).toBe(400);
    expect(await ops.readAccount(ctx(), { account })).toMatchObject({ exists: true, enabled: true });
  });

  it('credentials.revoke > a disabled leaver has no password left: enabled again by mistake, the old password does not log in', async () => {
    const { account, password, p } = await loggedIn('credentials');
    expect((await ops.suspendAccount(ctx(), { account })).outcome).toBe('applied');
    expect((await ops.revokeCredentials(ctx(), { account })).outcome).toBe('applied');
    expect((await server.admin<unknown[]>({ method: 'GET', path: `users/${account.externalRef}/credentials` })).body).toEqual([]);
    expect((await ops.revokeCredentials(ctx(), { account })).outcome).toBe('already-in-state');
    expect((await ops.restoreAccount(ctx(), { account })).outcome).toBe('applied');
    await expect(server.login(p.person.workEmail as string, password), 'the old password after a restore').rejects.toThrow(/400|401/);
  });

  it('delete > the user and its credentials are gone: the password no longer logs in', async () => {
    const { account, password, p } = await loggedIn('delete');
    const credentials = await server.admin<unknown[]>({ method: 'GET', path: `users/${account.externalRef}/credentials` });
    expect(credentials.body, 'the user has a password credential').toHaveLength(1);
    expect((await ops.deleteAccount(ctx(), { account })).outcome).toBe('applied');
    expect((await server.admin({ method: 'GET', path: `users/${account.externalRef}/credentials` })).status).toBe(404);
    await expect(server.login(p.person.workEmail as string, password)).rejects.toThrow(/401|400/);
  });

  it('entitlements > groups, realm roles and client roles are granted, read back, and revoked; the default role is not reported', async () => {
    await server.admin({ method: 'POST', path: 'roles', body: { name: 'auditor' } });
    await server.admin({ method: 'POST', path: 'clients', body: { clientId: 'https://app.example.com/saml', publicClient: false } });
    const [client] = (await server.admin<Array<{ id: string }>>({ method: 'GET', path: 'clients', query: { clientId: 'https://app.example.com/saml' } })).body ?? [];
    await server.admin({ method: 'POST', path: `clients/${client?.id}/roles`, body: { name: 'viewer' } });
    const p = person('roles');
    const created = await ops.createAccount(ctx(), { account: { personKey: p.personKey }, person: p.person, attributes: {}, enabled: true });
    const account = { personKey: p.personKey, externalRef: created.externalRef as string };
    const wanted = [`client-role:https://app.example.com/saml:viewer`, `group:${KIT_GROUP}`, 'realm-role:auditor'];

    expect((await ops.readAccount(ctx(), { account })).entitlements, 'a new user holds nothing we report').toEqual([]);
    for (const entitlement of wanted) expect((await ops.grantAccess(ctx(), { account, entitlement })).outcome, entitlement).toBe('applied');
    for (const entitlement of wanted) expect((await ops.grantAccess(ctx(), { account, entitlement })).outcome, entitlement).toBe('already-in-state');
    expect((await ops.readAccount(ctx(), { account })).entitlements).toEqual(wanted);
    const listed = await ops.listAccounts(ctx(), { pageSize: 1000 });
    expect(listed.accounts.find((a) => a.externalRef === account.externalRef)?.entitlements).toEqual(wanted);
    for (const entitlement of wanted) expect((await ops.revokeAccess(ctx(), { account, entitlement })).outcome, entitlement).toBe('applied');
    expect((await ops.readAccount(ctx(), { account })).entitlements).toEqual([]);

    const unknown = await ops.grantAccess(ctx(), { account, entitlement: 'realm-role:no-such-role' }).catch((e: unknown) => e);
    expect(isConnectorError(unknown) && unknown.code).toBe('invalid-request');
    expect((await ops.revokeAccess(ctx(), { account, entitlement: 'group:no-such-group' })).outcome).toBe('already-in-state');
  });

  it('accounts.list > leaves out the connector’s own service account', async () => {
    const listed = await ops.listAccounts(ctx(), { pageSize: 1000 });
    const usernames = (await allUsers(server)).map((u) => u.username);
    expect(usernames.some((u) => u?.startsWith('service-account-'))).toBe(false);
    expect(listed.accounts.map((a) => a.attributes.username)).not.toContain(`service-account-${server.clientId}`);
  });
});
