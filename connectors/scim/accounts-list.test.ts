import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogCapture } from '../sdk/conformance';
import { isConnectorError, type ConnectorContext, type ListAccountsResult, type ListedAccount } from '../sdk';
import { createScimConnector, ScimConfig } from '.';
import { ENTERPRISE_SCHEMA, USER_SCHEMA } from './schema';
import { startFakeScimServer, type FakeScimServer } from './testing/fake-scim-server';

const logs = createLogCapture();
let n = 0;

function contextFor(server: FakeScimServer, config: Partial<ScimConfig> = {}): ConnectorContext<ScimConfig> {
  n += 1;
  return {
    idempotencyKey: `list-${n}/scim/listAccounts`,
    appId: 'scim-list-unit',
    signal: new AbortController().signal,
    heartbeat: () => undefined,
    log: logs.logger,
    config: ScimConfig.parse({ baseUrl: server.baseUrl, ...config }),
    secrets: { bearerToken: server.token },
  };
}

/** Every page of a listing, in order. */
async function allPages(c: ConnectorContext<ScimConfig>, pageSize: number): Promise<ListAccountsResult[]> {
  const connector = createScimConnector();
  const pages: ListAccountsResult[] = [];
  let cursor: string | undefined;
  do {
    const page = await connector.operations.listAccounts(c, { pageSize, ...(cursor ? { cursor } : {}) });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== undefined && pages.length < 50);
  return pages;
}
const accountsOf = (pages: ListAccountsResult[]): ListedAccount[] => pages.flatMap((p) => p.accounts);

describe('scim > accounts.list', () => {
  let server: FakeScimServer;
  beforeAll(async () => {
    server = await startFakeScimServer({ groupsOnUser: true });
  });
  afterAll(() => server.stop());
  beforeEach(() => server.reset());

  it('maps > a user to its person key, active flag, managed attributes, groups (by displayName, sorted) and creation time', async () => {
    const user = server.seedUser({
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
      userName: 'ada@example.com',
      externalId: 'bamboohr:acme:4101',
      displayName: 'Ada Lovelace',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
      active: false,
      [ENTERPRISE_SCHEMA]: { department: 'Research' },
      meta: { created: '2026-12-01T10:00:00+01:00' },
    });
    for (const name of ['team:b', 'team:a']) server.seedGroup(name).members = [{ value: user.id }];
    server.seedGroup('team:none');

    const [account] = accountsOf(await allPages(contextFor(server), 10));
    expect(account).toEqual({
      externalRef: user.id,
      personKey: 'bamboohr:acme:4101',
      enabled: false,
      attributes: {
        userName: 'ada@example.com',
        displayName: 'Ada Lovelace',
        givenName: 'Ada',
        familyName: 'Lovelace',
        email: 'ada@example.com',
        title: null,
        employeeNumber: null,
        department: 'Research',
        costCenter: null,
        division: null,
        organization: null,
        manager: null,
      },
      entitlements: ['team:a', 'team:b'],
      createdAt: '2026-12-01T09:00:00.000Z',
    });
  });

  it('maps > the same account readAccount reports', async () => {
    const connector = createScimConnector();
    const c = contextFor(server);
    server.seedGroup('team:eng');
    await connector.operations.createAccount(c, {
      account: { personKey: 'hr:7' },
      person: { employeeId: '7', workerType: 'employee', status: 'active', givenName: 'Grace', familyName: 'Hopper', jobTitle: 'Admiral' },
      attributes: { userName: 'grace@example.com' },
      enabled: true,
    });
    await connector.operations.grantAccess(c, { account: { personKey: 'hr:7' }, entitlement: 'team:eng' });
    const read = await connector.operations.readAccount(c, { account: { personKey: 'hr:7' } });
    const [listed] = accountsOf(await allPages(c, 5));
    expect(listed).toEqual({ personKey: 'hr:7', externalRef: read.externalRef, enabled: read.enabled, attributes: read.attributes, entitlements: read.entitlements });
  });

  it('person key > absent for a user without externalId, with a bare id, or when the app is configured externalId: employeeId', async () => {
    server.seedUser({ userName: 'hand@example.com' });
    server.seedUser({ userName: 'bare@example.com', externalId: '4101' });
    server.seedUser({ userName: 'keyed@example.com', externalId: 'workday:acme:21001' });
    const byUserName = (accounts: ListedAccount[]) => Object.fromEntries(accounts.map((a) => [a.attributes.userName, a.personKey]));
    expect(byUserName(accountsOf(await allPages(contextFor(server), 10)))).toEqual({
      'hand@example.com': undefined,
      'bare@example.com': undefined,
      'keyed@example.com': 'workday:acme:21001',
    });
    const employeeIdApp = accountsOf(await allPages(contextFor(server, { externalId: 'employeeId' }), 10));
    expect(employeeIdApp.map((a) => a.personKey)).toEqual([undefined, undefined, undefined]);
  });

  it('paging > startIndex/count without a filter; every user once; pages never exceed pageSize', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => server.seedUser({ userName: `u${i}@example.com`, externalId: `hr:${i}` }).id);
    const pages = await allPages(contextFor(server), 3);
    expect(pages.map((p) => p.accounts.length)).toEqual([3, 3, 1]);
    expect(accountsOf(pages).map((a) => a.externalRef)).toEqual(ids);
    const lists = server.requests.filter((r) => r.method === 'GET' && r.path === '/Users');
    expect(lists.map((r) => [r.query.get('startIndex'), r.query.get('count'), r.query.get('filter')])).toEqual([
      ['1', '3', null],
      ['4', '3', null],
      ['7', '3', null],
    ]);
  });

  it('paging > an app that answers more than count is cut back to pageSize and continues after it', async () => {
    for (let i = 0; i < 5; i += 1) server.seedUser({ userName: `m${i}@example.com` });
    // Rewrite the request the way a provider that ignores `count` would answer it.
    server.onRequest = (req) => {
      if (req.path === '/Users') req.query.set('count', '100');
    };
    const connector = createScimConnector();
    const c = contextFor(server);
    const first = await connector.operations.listAccounts(c, { pageSize: 2 });
    expect(first.accounts).toHaveLength(2);
    expect(first.nextCursor).toBe('3');
  });

  it('refuses > a cursor it did not make, and a page size out of range, as invalid-request', async () => {
    const connector = createScimConnector();
    const c = contextFor(server);
    for (const req of [{ pageSize: 2, cursor: 'abc' }, { pageSize: 2, cursor: '0' }, { pageSize: 2, cursor: '-3' }, { pageSize: 0 }, { pageSize: 1.5 }, { pageSize: 1001 }]) {
      const err = await connector.operations.listAccounts(c, req).catch((e: unknown) => e);
      expect(isConnectorError(err) ? err.code : err, JSON.stringify(req)).toBe('invalid-request');
    }
    expect(server.requests.filter((r) => r.path === '/Users')).toEqual([]);
  });
});

describe('scim > accounts.list, groups queried per user', () => {
  let server: FakeScimServer;
  beforeAll(async () => {
    server = await startFakeScimServer({ groupsOnUser: false });
  });
  afterAll(() => server.stop());
  beforeEach(() => server.reset());

  it('groups > from a members.value filter on /Groups for each user, as readAccount finds them', async () => {
    const a = server.seedUser({ userName: 'a@example.com', externalId: 'hr:1' });
    const b = server.seedUser({ userName: 'b@example.com', externalId: 'hr:2' });
    server.seedGroup('team:x').members = [{ value: a.id }, { value: b.id }];
    server.seedGroup('team:y').members = [{ value: b.id }];
    const accounts = accountsOf(await allPages(contextFor(server, { profile: 'scim2-server' }), 10));
    expect(accounts.map((x) => [x.personKey, x.entitlements])).toEqual([
      ['hr:1', ['team:x']],
      ['hr:2', ['team:x', 'team:y']],
    ]);
    const groupQueries = server.requests.filter((r) => r.path === '/Groups').map((r) => r.query.get('filter'));
    expect(groupQueries.sort()).toEqual([`members.value eq "${a.id}"`, `members.value eq "${b.id}"`].sort());
  });
});

describe('scim > accounts.list, last use', () => {
  let server: FakeScimServer;
  const EXT = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
  beforeAll(async () => {
    server = await startFakeScimServer({ groupsOnUser: true });
  });
  afterAll(() => server.stop());
  beforeEach(() => server.reset());

  const list = (config: Partial<ScimConfig>, lastUsed = true) => createScimConnector().operations.listAccounts(contextFor(server, config), { pageSize: 10, lastUsed });

  it('reads the attribute the instance names (an extension URN, or a dotted path): ISO or epoch ms; absent means never used', async () => {
    server.seedUser({ userName: 'a@example.com', externalId: 'hr:acme:1', [EXT]: { lastLogin: '2026-11-30T08:00:00+01:00' } });
    server.seedUser({ userName: 'b@example.com', externalId: 'hr:acme:2', [EXT]: { lastLogin: Date.parse('2026-12-01T00:00:00Z') } });
    server.seedUser({ userName: 'c@example.com', externalId: 'hr:acme:3' });
    const page = await list({ lastUsedAttribute: `${EXT}:lastLogin` });
    expect(page.lastUsed).toEqual({ read: true });
    expect(page.accounts.map((a) => [a.personKey, a.lastUsedAt])).toEqual([
      ['hr:acme:1', '2026-11-30T07:00:00.000Z'],
      ['hr:acme:2', '2026-12-01T00:00:00.000Z'],
      ['hr:acme:3', undefined],
    ]);
    server.reset();
    server.seedUser({ userName: 'd@example.com', externalId: 'hr:acme:4', meta: { lastLogin: '2026-10-01T00:00:00Z' } } as never);
    expect((await list({ lastUsedAttribute: 'meta.lastLogin' })).accounts[0]?.lastUsedAt).toBe('2026-10-01T00:00:00.000Z');
  });

  it('tells nothing when not asked or not configured, and a value that is not a time makes the page unknown, not unused', async () => {
    server.seedUser({ userName: 'a@example.com', externalId: 'hr:acme:1', lastLogin: 'yesterday' });
    server.seedUser({ userName: 'b@example.com', externalId: 'hr:acme:2', lastLogin: '2026-12-01T00:00:00Z' });
    expect(await list({ lastUsedAttribute: 'lastLogin' }, false)).not.toHaveProperty('lastUsed');
    expect(await list({})).not.toHaveProperty('lastUsed');
    const page = await list({ lastUsedAttribute: 'lastLogin' });
    expect(page.lastUsed).toEqual({ read: false, reason: "the app's lastLogin holds a value that is not a time" });
    expect(page.accounts.some((a) => a.lastUsedAt !== undefined)).toBe(false);
  });

  it('config > refuses an attribute name that is neither a path nor an extension URN', () => {
    expect(ScimConfig.safeParse({ baseUrl: 'https://app.example.com', lastUsedAttribute: 'last login' }).success).toBe(false);
    expect(ScimConfig.safeParse({ baseUrl: 'https://app.example.com', lastUsedAttribute: `${EXT}:lastLogin` }).success).toBe(true);
  });
});
