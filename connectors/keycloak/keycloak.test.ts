import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { isConnectorError, type ConnectorContext } from '../sdk';
import { createKeycloakConnector, KeycloakConfig } from '.';
import { parseEntitlement } from './access';
import { accountValues, attributeDrift, desiredValues, withValues } from './mapping';
import { describeKeycloakError } from './session';
import { FAKE_BASE_URL, fakeKeycloak } from './testing/fake-keycloak';
import { profileOf } from './users';

const config = KeycloakConfig.parse({ baseUrl: FAKE_BASE_URL, realm: 'acme', clientId: 'jml', attributes: ['title'] });
const SECRET = randomBytes(24).toString('base64url');
const ctx = (overrides: Partial<ConnectorContext<KeycloakConfig>> = {}): ConnectorContext<KeycloakConfig> => ({
  idempotencyKey: 'e1/kc/readAccount',
  appId: 'kc',
  signal: new AbortController().signal,
  heartbeat: () => undefined,
  log: pino({ level: 'silent' }),
  config,
  secrets: { clientSecret: SECRET },
  ...overrides,
});
const person: PersonSnapshot = { employeeId: '4101', workerType: 'employee', status: 'active', givenName: 'Ada', preferredName: 'Addie', familyName: 'Lovelace', workEmail: 'Ada.Lovelace@Example.com' };
const PERSON_KEY = 'hris:acme:4101';
const USER = { id: 'u-1', username: 'ada.lovelace@example.com', enabled: true, createdTimestamp: 1_700_000_000_000, attributes: { jmlPersonKey: [PERSON_KEY] } };

const caught = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe('keycloak > config', () => {
  it('refuses plain http off loopback, and mapped attributes that clash with core fields or the anchor', () => {
    const bad = KeycloakConfig.safeParse({ baseUrl: 'http://sso.example.com', realm: 'r', clientId: 'c', attributes: ['email', 'jmlPersonKey'] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['baseUrl', 'attributes', 'attributes']);
    expect(KeycloakConfig.parse({ baseUrl: 'http://127.0.0.1:8080', realm: 'r', clientId: 'c' })).toMatchObject({ anchorAttribute: 'jmlPersonKey', adoptBy: 'username', attributes: [] });
  });
});

describe('keycloak > mapping', () => {
  it('create: username from the work email in lower case, names from HR (preferred name first), policy values win', () => {
    expect(desiredValues({ config, appId: 'kc', person, attributes: { title: 'Engineer' }, for: 'create' })).toEqual({
      username: 'ada.lovelace@example.com',
      email: 'Ada.Lovelace@Example.com',
      firstName: 'Addie',
      lastName: 'Lovelace',
      title: 'Engineer',
    });
    expect(desiredValues({ config, appId: 'kc', person, attributes: { username: 'ALOVELACE', firstName: 'Ada' }, for: 'create' })).toMatchObject({ username: 'alovelace', firstName: 'Ada' });
  });

  it('update: never renames from HR; an empty policy value clears', () => {
    const desired = desiredValues({ config, appId: 'kc', person, attributes: { title: '' }, for: 'update' });
    expect(desired).not.toHaveProperty('username');
    expect(desired.title).toBeNull();
  });

  it('a name outside the vocabulary is invalid-request, naming what it maps', () => {
    const err = (() => {
      try {
        desiredValues({ config, appId: 'kc', person, attributes: { department: 'R&D' }, for: 'update' });
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(isConnectorError(err) && err.code).toBe('invalid-request');
    expect((err as Error).message).toMatch(/'department'.*username, email, firstName, lastName, title/);
  });

  it('writes replace core fields and single attribute values; null removes an attribute; a profile write carries the whole profile', () => {
    const user = { ...USER, email: 'a@example.com', firstName: 'Ada', attributes: { ...USER.attributes, title: ['Eng'], note: ['kept'] } };
    const next = withValues(config, user, { firstName: 'Addie', title: null, lastName: null });
    expect(next).toMatchObject({ firstName: 'Addie', lastName: '', attributes: { jmlPersonKey: [PERSON_KEY], note: ['kept'] } });
    expect(next.attributes).not.toHaveProperty('title');
    expect(profileOf(next)).toEqual({ username: USER.username, email: 'a@example.com', firstName: 'Addie', lastName: '', attributes: { jmlPersonKey: [PERSON_KEY], note: ['kept'] } });
    expect(accountValues(config, user)).toEqual({ username: USER.username, email: 'a@example.com', firstName: 'Ada', lastName: null, title: 'Eng' });
  });

  it('attributeDrift ignores letter case in username and email, as Keycloak does', () => {
    const held = { username: 'ada.lovelace@example.com', email: 'ada.lovelace@example.com', firstName: 'Addie', lastName: 'Lovelace', title: 'Eng' };
    expect(attributeDrift(config, { personKey: PERSON_KEY, person, attributes: { title: 'Eng' }, held })).toEqual([]);
    expect(attributeDrift(config, { personKey: PERSON_KEY, person, attributes: { title: 'Staff' }, held })).toEqual(['title']);
  });

  it('entitlements: groups by path, realm roles, client roles split at the last colon; anything else is invalid-request', () => {
    expect(parseEntitlement('kc', 'group:/eng/backend')).toEqual({ kind: 'group', path: 'eng/backend' });
    expect(parseEntitlement('kc', 'realm-role:auditor')).toEqual({ kind: 'realm-role', name: 'auditor' });
    expect(parseEntitlement('kc', 'client-role:https://app.example.com/saml:viewer')).toEqual({ kind: 'client-role', clientId: 'https://app.example.com/saml', name: 'viewer' });
    for (const bad of ['staff', 'group:', 'client-role:viewer', 'client-role:app:', 'team:x']) {
      expect(() => parseEntitlement('kc', bad), bad).toThrow(/is not group:<path>/);
    }
  });

  it('error bodies give Keycloak’s message and the field, never the refused values', () => {
    expect(describeKeycloakError({ field: 'email', errorMessage: 'invalidEmailMessage', params: ['email', 'ada@secret'] })).toEqual({ detail: 'invalidEmailMessage', context: { field: 'email' } });
    expect(describeKeycloakError({ error: 'invalid_grant', error_description: 'Invalid user credentials' })).toEqual({ detail: 'Invalid user credentials', context: { oauthError: 'invalid_grant' } });
  });
});

describe('keycloak > against a faked admin API', () => {
  const userById = () => ({ status: 200, body: USER });

  it('gets one client-credentials token and reuses it until shortly before it expires', async () => {
    let now = 1_000_000;
    const fake = fakeKeycloak().tokenEndpoint(300).on('GET', /\/admin\/realms\/acme\/users\/u-1$/, userById).on('GET', /\/users\/u-1\/(groups|role-mappings)$/, () => ({ status: 200, body: [] }));
    const c = createKeycloakConnector({ fetch: fake.fetch, now: () => now });
    await c.operations.readAccount(ctx(), { account: { personKey: PERSON_KEY, externalRef: 'u-1' } });
    await c.operations.readAccount(ctx(), { account: { personKey: PERSON_KEY, externalRef: 'u-1' } });
    expect(fake.tokenRequests()).toHaveLength(1);
    const form = new URLSearchParams(fake.tokenRequests()[0]?.body);
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'client_credentials', client_id: 'jml', client_secret: SECRET });
    expect(fake.adminRequests().every((r) => r.headers.authorization === 'Bearer token-1')).toBe(true);
    now += 271_000; // past expiry minus the 30 s margin
    await c.operations.readAccount(ctx(), { account: { personKey: PERSON_KEY, externalRef: 'u-1' } });
    expect(fake.tokenRequests()).toHaveLength(2);
    expect(fake.adminRequests().at(-1)?.headers.authorization).toBe('Bearer token-2');
  });

  it('a 401 on a cached token is retried once with a fresh token; a second 401 is auth, not retryable', async () => {
    let refuse = 1;
    const fake = fakeKeycloak()
      .tokenEndpoint()
      .on('GET', /\/users\/u-1$/, () => (refuse-- > 0 ? { status: 401, body: { error: 'HTTP 401 Unauthorized' } } : userById()))
      .on('GET', /\/users\/u-1\/(groups|role-mappings)$/, () => ({ status: 200, body: [] }));
    const c = createKeycloakConnector({ fetch: fake.fetch });
    expect(await c.operations.readAccount(ctx(), { account: { personKey: PERSON_KEY, externalRef: 'u-1' } })).toMatchObject({ exists: true, externalRef: 'u-1' });
    expect(fake.tokenRequests()).toHaveLength(2);

    refuse = 2;
    const err = await caught(c.operations.readAccount(ctx(), { account: { personKey: PERSON_KEY, externalRef: 'u-1' } }));
    expect(err).toMatchObject({ code: 'auth', retryable: false, status: 401 });
  });

  it('maps 429 with Retry-After, 503, 400 and refused client credentials to the SDK codes', async () => {
    const answers: Array<{ status: number; headers?: Record<string, string>; body?: unknown }> = [
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 503, headers: { 'retry-after': '3' } },
      { status: 400, body: { error: 'unknown_error', error_description: 'Cannot parse the JSON' } },
    ];
    const fake = fakeKeycloak().tokenEndpoint().on('GET', /\/admin\/realms\/acme\/users$/, () => answers.shift());
    const c = createKeycloakConnector({ fetch: fake.fetch });
    const read = () => caught(c.operations.readAccount(ctx(), { account: { personKey: PERSON_KEY } }));
    expect(await read()).toMatchObject({ code: 'rate-limited', retryable: true, retryAfterMs: 7_000 });
    expect(await read()).toMatchObject({ code: 'transient', retryable: true, retryAfterMs: 3_000 });
    expect(await read()).toMatchObject({ code: 'invalid-request', retryable: false, message: expect.stringMatching(/Cannot parse the JSON/) });

    const refused = fakeKeycloak().on('POST', /\/token$/, () => ({ status: 401, body: { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' } }));
    const err = await caught(createKeycloakConnector({ fetch: refused.fetch }).operations.readAccount(ctx(), { account: { personKey: PERSON_KEY } }));
    expect(err).toMatchObject({ code: 'auth', retryable: false });
    expect(JSON.stringify(err)).not.toContain(SECRET);
    const busy = fakeKeycloak().on('POST', /\/token$/, () => ({ status: 503 }));
    expect(await caught(createKeycloakConnector({ fetch: busy.fetch }).operations.readAccount(ctx(), { account: { personKey: PERSON_KEY } }))).toMatchObject({ code: 'transient' });
  });

  it('create: finds nobody, POSTs the user with our anchor and returns the id from Location', async () => {
    const fake = fakeKeycloak()
      .tokenEndpoint()
      .on('GET', /\/users$/, () => ({ status: 200, body: [] }))
      .on('POST', /\/users$/, () => ({ status: 201, headers: { location: `${FAKE_BASE_URL}/admin/realms/acme/users/new-id` } }));
    const c = createKeycloakConnector({ fetch: fake.fetch });
    const result = await c.operations.createAccount(ctx(), { account: { personKey: PERSON_KEY }, person, attributes: { title: 'Engineer' }, enabled: false });
    expect(result).toEqual({ outcome: 'applied', externalRef: 'new-id' });
    const post = fake.adminRequests().find((r) => r.method === 'POST');
    expect(JSON.parse(post?.body ?? '{}')).toEqual({
      enabled: false,
      username: 'ada.lovelace@example.com',
      email: 'Ada.Lovelace@Example.com',
      firstName: 'Addie',
      lastName: 'Lovelace',
      attributes: { jmlPersonKey: [PERSON_KEY], title: ['Engineer'] },
    });
    const lookups = fake.adminRequests().filter((r) => r.method === 'GET');
    expect(lookups.map((r) => Object.fromEntries(r.query))).toEqual([
      { q: `jmlPersonKey:${PERSON_KEY}`, exact: 'true', briefRepresentation: 'false', max: '5' },
      { username: 'ada.lovelace@example.com', exact: 'true', briefRepresentation: 'false', max: '5' },
    ]);
  });

  it('create: a 409 with no user to adopt (the email is another user’s) is a conflict', async () => {
    const fake = fakeKeycloak()
      .tokenEndpoint()
      .on('GET', /\/users$/, () => ({ status: 200, body: [] }))
      .on('POST', /\/users$/, () => ({ status: 409, body: { errorMessage: 'User exists with same email' } }));
    const err = await caught(createKeycloakConnector({ fetch: fake.fetch }).operations.createAccount(ctx(), { account: { personKey: PERSON_KEY }, person, attributes: {}, enabled: true }));
    expect(err).toMatchObject({ code: 'conflict', retryable: false, status: 409 });
  });

  it('create: a username held by a hand-made user is adopted by writing only the anchor, refused with adopt: false, and never taken from another person', async () => {
    const handMade = { id: 'h-1', username: 'ada.lovelace@example.com', email: 'private@example.net', firstName: 'Made', enabled: false, attributes: { note: ['by hand'] } };
    let holder: Record<string, unknown> = handMade;
    const fake = fakeKeycloak()
      .tokenEndpoint()
      .on('GET', /\/users$/, (r) => ({ status: 200, body: r.query.has('username') ? [holder] : [] }))
      .on('PUT', /\/users\/h-1$/, () => ({ status: 204 }));
    const c = createKeycloakConnector({ fetch: fake.fetch });
    const create = (adopt?: boolean) => c.operations.createAccount(ctx(), { account: { personKey: PERSON_KEY }, person, attributes: {}, enabled: true, ...(adopt === undefined ? {} : { adopt }) });

    expect(await caught(create(false))).toMatchObject({ code: 'conflict', message: expect.stringMatching(/adopt/) });
    expect(fake.adminRequests().filter((r) => r.method !== 'GET')).toEqual([]);

    expect(await create()).toEqual({ outcome: 'adopted', externalRef: 'h-1', before: { anchor: null } });
    const put = fake.adminRequests().find((r) => r.method === 'PUT');
    expect(JSON.parse(put?.body ?? '{}')).toEqual({
      username: handMade.username,
      email: handMade.email,
      firstName: 'Made',
      attributes: { note: ['by hand'], jmlPersonKey: [PERSON_KEY] },
    });

    holder = { ...handMade, attributes: { jmlPersonKey: ['hris:acme:9999'] } };
    expect(await caught(create())).toMatchObject({ code: 'conflict', message: expect.stringMatching(/another person/) });
  });

  it('suspend writes `enabled` alone, so the profile is left as it is; a second suspend writes nothing', async () => {
    let user: Record<string, unknown> = { ...USER };
    const fake = fakeKeycloak()
      .tokenEndpoint()
      .on('GET', /\/users\/u-1$/, () => ({ status: 200, body: user }))
      .on('PUT', /\/users\/u-1$/, (r) => {
        user = { ...user, ...(JSON.parse(r.body ?? '{}') as object) };
        return { status: 204 };
      });
    const c = createKeycloakConnector({ fetch: fake.fetch });
    const account = { personKey: PERSON_KEY, externalRef: 'u-1' };
    expect(await c.operations.suspendAccount(ctx(), { account })).toEqual({ outcome: 'applied', externalRef: 'u-1', before: { enabled: true } });
    expect(fake.adminRequests().filter((r) => r.method === 'PUT').map((r) => r.body)).toEqual(['{"enabled":false}']);
    expect(await c.operations.suspendAccount(ctx(), { account })).toMatchObject({ outcome: 'already-in-state' });
    expect(fake.adminRequests().filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('sessions.revoke always sends the logout, revokes offline tokens client by client; applied only when something was open; not-applicable without a user', async () => {
    let sessions = [{ id: 's-1' }];
    let consents = [
      { clientId: 'https://app.example.com/x', grantedClientScopes: [], additionalGrants: [{ client: 'c-uuid', key: 'Offline Token' }] },
      { clientId: 'consent-only', grantedClientScopes: ['profile'], additionalGrants: [] },
    ];
    const fake = fakeKeycloak()
      .tokenEndpoint()
      .on('GET', /\/users\/u-1$/, userById)
      .on('GET', /\/users\/u-1\/sessions$/, () => ({ status: 200, body: sessions }))
      .on('GET', /\/users\/u-1\/consents$/, () => ({ status: 200, body: consents }))
      .on('DELETE', /\/users\/u-1\/consents\/[^/]+$/, (r) => {
        consents = consents.filter((c) => `/admin/realms/acme/users/u-1/consents/${encodeURIComponent(c.clientId)}` !== r.path);
        return { status: 204 };
      })
      .on('POST', /\/users\/u-1\/logout$/, () => {
        sessions = [];
        return { status: 204 };
      })
      .on('GET', /\/users$/, () => ({ status: 200, body: [] }));
    const c = createKeycloakConnector({ fetch: fake.fetch });
    const account = { personKey: PERSON_KEY, externalRef: 'u-1' };
    expect(await c.operations.revokeSessions(ctx(), { account })).toEqual({ outcome: 'applied', externalRef: 'u-1' });
    expect(await c.operations.revokeSessions(ctx(), { account })).toEqual({ outcome: 'already-in-state', externalRef: 'u-1' });
    expect(fake.adminRequests().filter((r) => r.path.endsWith('/logout'))).toHaveLength(2);
    expect(fake.adminRequests().filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([`/admin/realms/acme/users/u-1/consents/${encodeURIComponent('https://app.example.com/x')}`]);
    expect(consents.map((c) => c.clientId), 'a consent without an offline token is left alone').toEqual(['consent-only']);
    expect(await c.operations.revokeSessions(ctx(), { account: { personKey: 'hris:acme:gone' } })).toEqual({ outcome: 'not-applicable' });
  });

  it('credentials.revoke deletes each credential the user holds; applied only when there was one; not-applicable without a user', async () => {
    let credentials = [
      { id: 'c-pw', type: 'password', userLabel: 'My password' },
      { id: 'c-otp', type: 'otp', userLabel: "Ada's phone" },
    ];
    const fake = fakeKeycloak()
      .tokenEndpoint()
      .on('GET', /\/users\/u-1$/, userById)
      .on('GET', /\/users\/u-1\/credentials$/, () => ({ status: 200, body: credentials }))
      .on('DELETE', /\/users\/u-1\/credentials\/[^/]+$/, (r) => {
        credentials = credentials.filter((c) => !r.path.endsWith(`/credentials/${c.id}`));
        return { status: 204 };
      })
      .on('GET', /\/users$/, () => ({ status: 200, body: [] }));
    const c = createKeycloakConnector({ fetch: fake.fetch });
    const account = { personKey: PERSON_KEY, externalRef: 'u-1' };
    expect(await c.operations.revokeCredentials(ctx(), { account })).toEqual({ outcome: 'applied', externalRef: 'u-1' });
    expect(credentials).toEqual([]);
    expect(fake.adminRequests().filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([
      '/admin/realms/acme/users/u-1/credentials/c-pw',
      '/admin/realms/acme/users/u-1/credentials/c-otp',
    ]);
    expect(await c.operations.revokeCredentials(ctx(), { account })).toEqual({ outcome: 'already-in-state', externalRef: 'u-1' });
    expect(await c.operations.revokeCredentials(ctx(), { account: { personKey: 'hris:acme:gone' } })).toEqual({ outcome: 'not-applicable' });
  });

  it('accounts.list pages by offset, asks one more than the page to know the end, and refuses a foreign cursor', async () => {
    const users = Array.from({ length: 3 }, (_, i) => ({ id: `u-${i}`, username: `user${i}`, enabled: i !== 1, attributes: i === 2 ? { note: ['x'] } : { jmlPersonKey: [`hris:acme:${i}`] } }));
    const fake = fakeKeycloak()
      .tokenEndpoint()
      .on('GET', /\/admin\/realms\/acme\/users$/, (r) => {
        const first = Number(r.query.get('first'));
        return { status: 200, body: users.slice(first, first + Number(r.query.get('max'))) };
      })
      .on('GET', /\/groups$/, () => ({ status: 200, body: [{ id: 'g', name: 'staff', path: '/staff' }] }))
      .on('GET', /\/role-mappings$/, () => ({ status: 200, body: { realmMappings: [{ id: 'd', name: 'default-roles-acme' }, { id: 'r', name: 'auditor' }] } }));
    const c = createKeycloakConnector({ fetch: fake.fetch });
    const first = await c.operations.listAccounts(ctx(), { pageSize: 2 });
    expect(first.nextCursor).toBe('o1.2');
    expect(first.accounts.map((a) => [a.externalRef, a.personKey, a.enabled])).toEqual([
      ['u-0', 'hris:acme:0', true],
      ['u-1', 'hris:acme:1', false],
    ]);
    expect(first.accounts[0]?.entitlements).toEqual(['group:staff', 'realm-role:auditor']);
    const last = await c.operations.listAccounts(ctx(), { pageSize: 2, cursor: first.nextCursor as string });
    expect(last).toMatchObject({ accounts: [{ externalRef: 'u-2' }] });
    expect(last.nextCursor).toBeUndefined();
    expect(last.accounts[0]).not.toHaveProperty('personKey');
    expect(await caught(c.operations.listAccounts(ctx(), { pageSize: 2, cursor: '2' }))).toMatchObject({ code: 'invalid-request' });
  });
  describe('accounts.list with lastUsed', () => {
    const users = [
      { id: 'u-0', username: 'user0', enabled: true, createdTimestamp: 1_700_000_000_000, attributes: { jmlPersonKey: ['hris:acme:0'] } },
      { id: 'u-1', username: 'user1', enabled: true, createdTimestamp: 1_700_000_000_000, attributes: { jmlPersonKey: ['hris:acme:1'] } },
    ];
    const realm = (opts: { config?: unknown; events?: (user: string | null) => { status: number; body?: unknown } }) =>
      fakeKeycloak()
        .tokenEndpoint()
        .on('GET', /\/admin\/realms\/acme\/users$/, () => ({ status: 200, body: users }))
        .on('GET', /\/groups$/, () => ({ status: 200, body: [] }))
        .on('GET', /\/role-mappings$/, () => ({ status: 200, body: {} }))
        .on('GET', /\/admin\/realms\/acme\/events\/config$/, () => ({ status: 200, body: opts.config ?? { eventsEnabled: true, enabledEventTypes: ['LOGIN', 'LOGOUT'] } }))
        .on('GET', /\/admin\/realms\/acme\/events$/, (r) => (opts.events ?? (() => ({ status: 200, body: [] })))(r.query.get('user')));

    it('reads each user’s newest LOGIN event (type, user, max=1, newest first); a user without one carries no lastUsedAt', async () => {
      const fake = realm({ events: (user) => ({ status: 200, body: user === 'u-0' ? [{ time: Date.parse('2026-12-01T10:00:00Z'), type: 'LOGIN', userId: 'u-0' }] : [] }) });
      const page = await createKeycloakConnector({ fetch: fake.fetch }).operations.listAccounts(ctx(), { pageSize: 10, lastUsed: true });
      expect(page.lastUsed).toEqual({ read: true });
      expect(page.accounts.map((a) => [a.externalRef, a.lastUsedAt])).toEqual([
        ['u-0', '2026-12-01T10:00:00.000Z'],
        ['u-1', undefined],
      ]);
      const asked = fake.requests.filter((r) => r.path.endsWith('/events')).map((r) => Object.fromEntries(r.query));
      expect(asked).toContainEqual({ type: 'LOGIN', user: 'u-0', first: '0', max: '1', direction: 'desc' });
      expect(asked).toHaveLength(2);
    });

    it('does not read events unless asked', async () => {
      const fake = realm({});
      const page = await createKeycloakConnector({ fetch: fake.fetch }).operations.listAccounts(ctx(), { pageSize: 10 });
      expect(page).not.toHaveProperty('lastUsed');
      expect(fake.requests.some((r) => r.path.includes('/events'))).toBe(false);
    });

    it('a 403 on the events (no view-events) is a page that says why, with no last use at all, never a failure', async () => {
      const fake = realm({ events: (user) => (user === 'u-1' ? { status: 403, body: { error: 'unknown_error' } } : { status: 200, body: [{ time: 1_700_000_500_000 }] }) });
      const page = await createKeycloakConnector({ fetch: fake.fetch }).operations.listAccounts(ctx(), { pageSize: 10, lastUsed: true });
      expect(page.lastUsed).toEqual({ read: false, reason: expect.stringContaining('view-events') });
      expect(page.accounts.every((a) => a.lastUsedAt === undefined)).toBe(true);
    });

    it('a realm that saves no login events says so and reads no events', async () => {
      for (const config of [{ eventsEnabled: false }, { eventsEnabled: true, enabledEventTypes: ['LOGOUT'] }]) {
        const fake = realm({ config });
        const page = await createKeycloakConnector({ fetch: fake.fetch }).operations.listAccounts(ctx(), { pageSize: 10, lastUsed: true });
        expect(page.lastUsed).toMatchObject({ read: false, reason: expect.stringMatching(/LOGIN|login events/) });
        expect(fake.requests.some((r) => r.path.endsWith('/events'))).toBe(false);
      }
    });
  });
});
