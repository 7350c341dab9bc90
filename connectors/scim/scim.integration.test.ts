import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { SCIM2_SERVER_VERSION, startScimServer, type ScimServer } from '../../test/harness/scim-server';
import { createLogCapture, runConformance, startFaultProxy, type FaultProxy } from '../sdk/conformance';
import { isConnectorError, type AppAttributes, type ConnectorContext } from '../sdk';
import { createScimConnector, ScimConfig } from '.';
import { ENTERPRISE_SCHEMA, type ScimGroup, type ScimUser } from './schema';
import { scimAdmin, type ScimAdmin } from './testing/scim-admin';

/**
 * The SCIM connector against the real scim2-server 0.8.3 (PyPI), through a fault proxy: 429 and
 * 503 are synthesized by the proxy (the server never sends them); 401 and 400 are the server's own
 * answers to a request the proxy spoils (a wrong token, a broken filter).
 */
const connector = createScimConnector();
const ENTITLEMENT = 'team:conformance';

runConformance(connector, async () => {
  const server = await startScimServer();
  const proxy = await startFaultProxy({ upstream: server.baseUrl });
  const admin = scimAdmin(server);
  return {
    name: `scim2-server ${SCIM2_SERVER_VERSION}`,
    appId: 'conformance-scim2-server',
    config: { baseUrl: proxy.baseUrl, profile: 'scim2-server' },
    secrets: { bearerToken: server.token },
    entitlement: ENTITLEMENT,
    async reset() {
      proxy.faults.clear();
      await admin.deleteAll('Users');
      await admin.deleteAll('Groups');
      await admin.createGroup(ENTITLEMENT);
    },
    async deleteOutOfBand({ personKey }) {
      for (const user of await admin.usersWithExternalId(personKey)) {
        await admin.request({ method: 'DELETE', path: `Users/${user.id}` });
      }
    },
    handMade: {
      async create({ attributes }) {
        const user = await admin.createUser({
          userName: String(attributes.userName),
          displayName: 'Made By Hand',
          title: 'Made by hand',
          nickName: 'hand',
          active: false,
          emails: [{ value: 'hand.private@example.net', type: 'home', primary: true }],
        });
        return { externalRef: user.id };
      },
      async read({ externalRef }) {
        const res = await admin.request({ method: 'GET', path: `Users/${externalRef}` });
        const { meta: _meta, ...user } = res.body as ScimUser;
        return { status: res.status, user };
      },
    },
    faults: {
      rateLimited: ({ retryAfter }) => proxy.faults.respond(429, { 'retry-after': retryAfter }),
      unavailable: () => proxy.faults.respond(503),
      unauthorized: () => proxy.faults.next({ kind: 'rewrite', rewrite: (r) => ({ ...r, headers: { ...r.headers, authorization: 'Bearer not-the-token' } }) }),
      // The joiner's first request is a filtered lookup; a truncated filter makes the server answer 400 invalidFilter.
      badRequest: () => proxy.faults.next({ kind: 'rewrite', rewrite: (r) => ({ ...r, url: spoilFilter(r.url) }) }),
      stall: () => proxy.faults.next({ kind: 'stall' }),
    },
    async dispose() {
      await proxy.stop();
      await server.stop();
    },
  };
});

function spoilFilter(url: string): string {
  const parsed = new URL(url, 'http://proxy');
  parsed.searchParams.set('filter', 'userName eq');
  return `${parsed.pathname}${parsed.search}`;
}

describe('scim > scim2-server specifics', () => {
  let server: ScimServer;
  let proxy: FaultProxy;
  let admin: ScimAdmin;
  const logs = createLogCapture();
  let n = 0;

  beforeAll(async () => {
    server = await startScimServer();
    proxy = await startFaultProxy({ upstream: server.baseUrl });
    admin = scimAdmin(server);
  }, 300_000);
  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });
  beforeEach(async () => {
    await admin.deleteAll('Users');
    await admin.deleteAll('Groups');
  });

  const ctx = (overrides: Partial<ScimConfig> = {}): ConnectorContext<ScimConfig> => ({
    idempotencyKey: `it-${(n += 1)}/scim/test`,
    appId: 'scim-it',
    signal: new AbortController().signal,
    heartbeat: () => undefined,
    log: logs.logger,
    config: ScimConfig.parse({ baseUrl: server.baseUrl, profile: 'scim2-server', ...overrides }),
    secrets: { bearerToken: server.token },
  });
  const person = (employeeId: string, names: Partial<PersonSnapshot> = {}): PersonSnapshot => ({
    employeeId,
    workerType: 'employee',
    status: 'active',
    givenName: 'Jo',
    familyName: 'Doe',
    ...names,
  });
  const create = (personKey: string, p: PersonSnapshot, attributes: AppAttributes, config?: Partial<ScimConfig>) =>
    connector.operations.createAccount(ctx(config), { account: { personKey }, person: p, attributes, enabled: true });
  const read = (personKey: string) => connector.operations.readAccount(ctx(), { account: { personKey } });
  /** A user as GET /Users/{id} returns it, without `meta` (its lastModified and version move with any write). */
  const userAsAdminSees = async (id: string): Promise<ScimUser> => {
    const res = await admin.request({ method: 'GET', path: `Users/${id}` });
    if (res.status !== 200) throw new Error(`GET Users/${id} answered ${res.status}`);
    const { meta: _meta, ...user } = res.body as ScimUser;
    return user;
  };

  it('reports > what the server itself does with a duplicate userName: 409 uniqueness, also for another letter case', async () => {
    await admin.createUser({ userName: 'dup@example.com' });
    for (const userName of ['dup@example.com', 'DUP@Example.com']) {
      const res = await admin.request({ method: 'POST', path: 'Users', body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName } });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ scimType: 'uniqueness' });
    }
    expect(await admin.list('Users')).toHaveLength(1);
  });

  it('userName collision > the second joiner gets conflict and never touches the first account', async () => {
    const first = await create('hr:100', person('100'), { userName: 'jo@example.com', title: 'First' });
    const before = await read('hr:100');
    const err = await create('hr:200', person('200', { givenName: 'Other' }), { userName: 'jo@example.com', title: 'Second' }).catch((e: unknown) => e);
    expect(isConnectorError(err) && err.code).toBe('conflict');
    expect(isConnectorError(err) && err.retryable).toBe(false);
    expect(await read('hr:100')).toEqual(before);
    expect(before).toMatchObject({ externalRef: first.externalRef, attributes: { title: 'First', givenName: 'Jo' } });
    expect((await read('hr:200')).exists).toBe(false);
  });

  it('userName collision > without userName lookups, the server’s 409 is re-queried and reported as conflict', async () => {
    await create('hr:100', person('100'), { userName: 'jo@example.com' }, { lookupBy: ['externalId'] });
    const err = await create('hr:200', person('200'), { userName: 'JO@example.com' }, { lookupBy: ['externalId'] }).catch((e: unknown) => e);
    expect(isConnectorError(err) && err.code).toBe('conflict');
    expect(await admin.list<ScimUser>('Users')).toHaveLength(1);
  });

  it('joiner > adopts a hand-made account whose userName matches and claims it with our externalId', async () => {
    const handMade = await admin.createUser({ userName: 'hand@example.com' });
    const result = await create('hr:300', person('300'), { userName: 'hand@example.com' });
    expect(result).toEqual({ outcome: 'adopted', externalRef: handMade.id, before: { externalId: null } });
    expect((await admin.usersWithExternalId('hr:300')).map((u) => u.id)).toEqual([handMade.id]);
  });

  it('adoption > release puts a hand-made user with attributes of its own back exactly as it was, without our externalId', async () => {
    const handMade = await admin.createUser({
      userName: 'kept@example.com',
      displayName: 'Kept By Hand',
      title: 'Hand-made',
      nickName: 'kept',
      active: false,
      name: { givenName: 'Kept', familyName: 'By Hand' },
      emails: [{ value: 'kept.private@example.net', type: 'home', primary: true }],
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE_SCHEMA],
      [ENTERPRISE_SCHEMA]: { department: 'Ops', costCenter: 'CC-7' },
    });
    const asMade = await userAsAdminSees(handMade.id);
    const adopted = await create('hr:310', person('310'), { userName: 'kept@example.com', title: 'Ours' });
    expect(adopted).toEqual({ outcome: 'adopted', externalRef: handMade.id, before: { externalId: null } });
    expect((await userAsAdminSees(handMade.id)).externalId).toBe('hr:310');
    // The person workflow carries the adoption's externalRef and `before` into the release.
    const account = { personKey: 'hr:310', externalRef: adopted.externalRef };
    const released = await connector.operations.releaseAccount(ctx(), { account, before: adopted.before });
    expect(released).toMatchObject({ outcome: 'applied', externalRef: handMade.id });
    const after = await userAsAdminSees(handMade.id);
    expect(after).toEqual(asMade);
    expect(after).not.toHaveProperty('externalId');
    expect((await connector.operations.releaseAccount(ctx(), { account, before: adopted.before })).outcome).toBe('already-in-state');
    expect((await admin.list<ScimUser>('Users')).map((u) => u.id)).toEqual([handMade.id]);
  });

  it('lookupBy [userName] > a leaver disables the user with only the person key and the ref the create returned', async () => {
    const config: Partial<ScimConfig> = { lookupBy: ['userName'] };
    const created = await create('hr:320', person('320'), { userName: 'only-by-ref@example.com' }, config);
    expect(created.outcome).toBe('applied');
    // What the person workflow holds for the app: the person key and the carried ref, nothing else.
    const account = { personKey: 'hr:320', externalRef: created.externalRef };
    const leaver = await connector.operations.suspendAccount(ctx(config), { account, reason: 'leaver' });
    expect(leaver).toMatchObject({ outcome: 'applied', externalRef: created.externalRef });
    expect(await userAsAdminSees(created.externalRef as string)).toMatchObject({ active: false, userName: 'only-by-ref@example.com' });
    expect((await connector.operations.suspendAccount(ctx(config), { account, reason: 'leaver' })).outcome).toBe('already-in-state');
    // Without the ref the app cannot be searched for the person: refused, never guessed.
    const blind = await connector.operations.suspendAccount(ctx(config), { account: { personKey: 'hr:320' } }).catch((e: unknown) => e);
    expect(isConnectorError(blind) && blind.code).toBe('invalid-request');
  });

  const awkward = [
    'comma, plus + quote " backslash \\ angle < > semi ; equals = star * parens ( )',
    '  leading and trailing spaces  ',
    '李小龍',
    'Ζωή Παπαδοπούλου',
    'محمد عبد الله',
    'Zoë Ångström-Łukasiewicz',
  ];

  it.each(awkward)('names > %j round-trips exactly (create, read, lookup by userName)', async (text) => {
    const employeeId = `n-${(n += 1)}`;
    const userName = `${text}@example.com`;
    await admin.createUser({ userName, name: { givenName: 'x' } });
    // Adoption finds the hand-made user by a `userName eq` filter holding every awkward character.
    const adopted = await create(`hr:${employeeId}`, person(employeeId, { givenName: text, familyName: text }), { userName, displayName: text });
    expect(adopted.outcome).toBe('adopted');
    const updated = await connector.operations.updateAccount(ctx(), {
      account: { personKey: `hr:${employeeId}` },
      person: person(employeeId, { givenName: text, familyName: text }),
      attributes: { userName, displayName: text, title: text, department: text },
    });
    expect(updated.outcome).toBe('applied');
    const seen = await read(`hr:${employeeId}`);
    expect(seen.attributes).toMatchObject({ userName, displayName: text, givenName: text, familyName: text, title: text, department: text });
    const [raw] = await admin.usersWithExternalId(`hr:${employeeId}`);
    expect(raw?.name).toMatchObject({ givenName: text, familyName: text });
    expect(raw?.[ENTERPRISE_SCHEMA]?.department).toBe(text);
    // unique.check filters on the same value: the owner holds it, anyone else finds it taken.
    const check = (personKey: string) => connector.operations.checkUnique(ctx(), { account: { personKey }, attribute: 'userName', value: userName });
    expect(await check(`hr:${employeeId}`)).toEqual({ holder: 'this-person' });
    expect(await check('hr:someone-else')).toEqual({ holder: 'other' });
  });

  it('names > a crafted userName is looked up as literal text: nothing is adopted or matched but itself', async () => {
    const bystander = await admin.createUser({ userName: 'bystander@example.com' }); // adoptable by a matching filter
    const crafted = 'x" or userName pr or userName eq "x';
    expect(await connector.operations.checkUnique(ctx(), { account: { personKey: 'hr:crafted' }, attribute: 'userName', value: crafted })).toEqual({ holder: 'none' });
    const created = await create('hr:crafted', person('crafted'), { userName: crafted });
    expect(created.outcome).toBe('applied');
    expect(created.externalRef).not.toBe(bystander.id);
    expect((await admin.request({ method: 'GET', path: `Users/${bystander.id}` })).body).not.toHaveProperty('externalId');
    expect((await read('hr:crafted')).attributes?.userName).toBe(crafted);
  });

  it('unique.check > tells the person’s own, another person’s, a hand-made (adoptable) and a free userName apart, in any letter case', async () => {
    await create('hr:600', person('600'), { userName: 'own@example.com' });
    await admin.createUser({ userName: 'theirs@example.com', externalId: 'hr:601' });
    await admin.createUser({ userName: 'hand@example.com' });
    const holder = async (value: string) => (await connector.operations.checkUnique(ctx(), { account: { personKey: 'hr:600' }, attribute: 'userName', value })).holder;
    expect(await holder('OWN@example.com')).toBe('this-person');
    expect(await holder('Theirs@Example.com')).toBe('other');
    expect(await holder('hand@example.com')).toBe('adoptable');
    expect(await holder('free@example.com')).toBe('none');
  });

  describe('through the fault proxy', () => {
    const proxied = (overrides: Partial<ScimConfig> = {}) => ctx({ baseUrl: proxy.baseUrl, ...overrides });
    const createVia = (c: ConnectorContext<ScimConfig>, employeeId: string) =>
      connector.operations.createAccount(c, { account: { personKey: `hr:${employeeId}` }, person: person(employeeId), attributes: { userName: `${employeeId}@example.com` }, enabled: true });
    const rejection = (p: Promise<unknown>) =>
      p.then(
        (r) => {
          throw new Error(`expected a rejection, got ${JSON.stringify(r)}`);
        },
        (e: unknown) => e,
      );
    beforeEach(() => proxy.faults.clear());

    it('429 with Retry-After on the POST (after the lookups) > rate-limited with the delay; the retry creates exactly one user', async () => {
      proxy.faults.next({ kind: 'respond', status: 429, headers: { 'retry-after': '7' }, when: { method: 'POST', url: /^\/Users(\?|$)/ } });
      const err = await rejection(createVia(proxied(), '700'));
      expect(err).toMatchObject({ code: 'rate-limited', retryable: true, retryAfterMs: 7_000, status: 429 });
      expect(proxy.faults.armed).toBe(0);
      expect((await createVia(proxied(), '700')).outcome).toBe('applied');
      expect(await admin.usersWithExternalId('hr:700')).toHaveLength(1);
    });

    it('503 after the server created the user (the answer was lost) > transient; the retry adopts it instead of creating another', async () => {
      proxy.faults.next({ kind: 'lose-answer', status: 503, when: { method: 'POST', url: /^\/Users(\?|$)/ } });
      expect(await rejection(createVia(proxied(), '701'))).toMatchObject({ code: 'transient', retryable: true, status: 503 });
      const [made] = await admin.usersWithExternalId('hr:701');
      expect(made).toBeDefined();
      expect(await createVia(proxied(), '701')).toEqual({ outcome: 'already-in-state', externalRef: made?.id, createdAt: expect.any(String) });
      expect(await admin.usersWithExternalId('hr:701')).toHaveLength(1);
    });

    it('503 on the suspend write, then 429 on its retry > each fails retryably and changes nothing; the next attempt applies once', async () => {
      const { externalRef } = await createVia(proxied(), '702');
      const write = { method: 'PATCH', url: /^\/Users\// };
      proxy.faults.next({ kind: 'respond', status: 503, when: write });
      expect(await rejection(connector.operations.suspendAccount(proxied(), { account: { personKey: 'hr:702', externalRef } }))).toMatchObject({ code: 'transient' });
      proxy.faults.next({ kind: 'respond', status: 429, headers: { 'retry-after': '1' }, when: write });
      expect(await rejection(connector.operations.suspendAccount(proxied(), { account: { personKey: 'hr:702', externalRef } }))).toMatchObject({ code: 'rate-limited', retryAfterMs: 1_000 });
      expect((await read('hr:702')).enabled).toBe(true);
      expect((await connector.operations.suspendAccount(proxied(), { account: { personKey: 'hr:702', externalRef } })).outcome).toBe('applied');
      expect((await connector.operations.suspendAccount(proxied(), { account: { personKey: 'hr:702', externalRef } })).outcome).toBe('already-in-state');
      expect((await read('hr:702')).enabled).toBe(false);
    });

    it.each([
      ['okta-style', {}],
      ['okta-style', { allowIrreversibleDelete: true }],
      ['github-emu', {}],
      ['atlassian', {}],
    ] as const)('leaver policy > profile %s %j never sends DELETE: not-supported, and the user stays', async (profile, extra) => {
      const c = proxied({ profile, ...extra });
      const { externalRef } = await createVia(c, '710');
      const before = proxy.forwarded.length;
      expect(await rejection(connector.operations.deleteAccount(c, { account: { personKey: 'hr:710', externalRef } }))).toMatchObject({ code: 'not-supported', retryable: false });
      expect(proxy.forwarded.slice(before)).toEqual([]);
      expect(proxy.forwarded.some((r) => r.method === 'DELETE')).toBe(false);
      expect((await admin.request({ method: 'GET', path: `Users/${externalRef}` })).status).toBe(200);
    });
  });

  it('leaver > DELETE also removes the user from its groups (the server would leave a dangling member)', async () => {
    const group = await admin.createGroup('team:x');
    const { externalRef } = await create('hr:400', person('400'), { userName: 'del@example.com' });
    await connector.operations.grantAccess(ctx(), { account: { personKey: 'hr:400' }, entitlement: 'team:x' });
    expect((await read('hr:400')).entitlements).toEqual(['team:x']);
    expect((await connector.operations.deleteAccount(ctx(), { account: { personKey: 'hr:400', externalRef } })).outcome).toBe('applied');
    const after = await admin.request({ method: 'GET', path: `Groups/${group.id}` });
    expect((after.body as ScimGroup).members ?? []).toEqual([]);
  });

  it('accounts.list > pages through every user', async () => {
    for (const id of ['501', '502', '503']) await create(`hr:${id}`, person(id), { userName: `u${id}@example.com` });
    const c = ctx();
    const first = await connector.operations.listAccounts(c, { pageSize: 2 });
    expect(first.accounts).toHaveLength(2);
    expect(first.nextCursor).toBeDefined();
    const second = await connector.operations.listAccounts(c, { pageSize: 2, cursor: first.nextCursor });
    expect(second.accounts).toHaveLength(1);
    expect(second.nextCursor).toBeUndefined();
    expect(new Set([...first.accounts, ...second.accounts].map((a) => a.externalRef)).size).toBe(3);
  });

  it('secrets > nothing these tests logged holds the token', () => {
    expect(logs.lineCount()).toBeGreaterThan(0);
    expect(logs.text()).not.toContain(server.token);
  });
});
