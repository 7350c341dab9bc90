import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { createLogCapture } from '../sdk/conformance';
import { isConnectorError, type ConnectorContext, type ConnectorError } from '../sdk';
import { createScimConnector, ScimConfig } from '.';
import { startFakeScimServer, type FakeScimServer } from './testing/fake-scim-server';

let server: FakeScimServer;
beforeAll(async () => {
  server = await startFakeScimServer({ groupsOnUser: true });
});
afterAll(() => server.stop());
beforeEach(() => server.reset());

const logs = createLogCapture();
let n = 0;
function ctx(config: Partial<ScimConfig> = {}, secrets: Record<string, string> = { bearerToken: server.token }): ConnectorContext<ScimConfig> {
  n += 1;
  return {
    idempotencyKey: `e-${n}/scim/test`,
    appId: 'scim-unit',
    signal: new AbortController().signal,
    heartbeat: () => undefined,
    log: logs.logger,
    config: ScimConfig.parse({ baseUrl: server.baseUrl, ...config }),
    secrets,
  };
}
const person = (employeeId: string): PersonSnapshot => ({ employeeId, workerType: 'employee', status: 'active', givenName: 'Ada', familyName: 'Lovelace' });
const joiner = (c: ConnectorContext<ScimConfig>, employeeId: string, userName = `${employeeId}@example.com`) =>
  connector.operations.createAccount(c, { account: { personKey: `hr:${employeeId}` }, person: person(employeeId), attributes: { userName }, enabled: true });
const failure = (p: Promise<unknown>) =>
  p.then(
    (r) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(r)}`);
    },
    (e: unknown) => {
      if (!isConnectorError(e)) throw e;
      return e as ConnectorError;
    },
  );

let connector = createScimConnector();
beforeEach(() => {
  connector = createScimConnector(); // a fresh ServiceProviderConfig cache per test
});

describe('scim > error mapping', () => {
  it('429 > rate-limited with Retry-After in seconds', async () => {
    server.faults.respond(429, { 'retry-after': '5' });
    expect(await failure(joiner(ctx(), '1'))).toMatchObject({ code: 'rate-limited', retryable: true, retryAfterMs: 5_000, status: 429 });
  });

  it('429 > rate-limited with Retry-After as an HTTP-date', async () => {
    const at = Math.ceil(Date.now() / 1000) * 1000 + 60_000;
    server.faults.respond(429, { 'retry-after': new Date(at).toUTCString() });
    const err = await failure(joiner(ctx(), '1'));
    expect(err.code).toBe('rate-limited');
    expect(err.retryAfterMs).toBeGreaterThan(55_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(61_000);
  });

  it('503 > transient and retryable; the failed ServiceProviderConfig read is not cached', async () => {
    server.faults.respond(503);
    expect(await failure(joiner(ctx(), '1'))).toMatchObject({ code: 'transient', retryable: true });
    expect((await joiner(ctx(), '1')).outcome).toBe('applied');
    expect(server.requests.filter((r) => r.path === '/ServiceProviderConfig')).toHaveLength(2);
  });

  it('401 > a wrong token is auth, not retryable, and the token is in no message', async () => {
    const err = await failure(joiner(ctx({}, { bearerToken: 'wrong-token-value' }), '1'));
    expect(err).toMatchObject({ code: 'auth', retryable: false, status: 401 });
    expect(JSON.stringify({ m: err.message, c: err.context })).not.toContain('wrong-token-value');
  });

  it('400 > invalid-request, not retryable, with the app’s scimType in context', async () => {
    server.faults.next({ kind: 'respond', status: 400, body: { scimType: 'invalidValue', detail: 'nope' } });
    const err = await failure(joiner(ctx(), '1'));
    expect(err).toMatchObject({ code: 'invalid-request', retryable: false, context: { scimType: 'invalidValue' } });
  });
});

describe('scim > joiner lookups and 409', () => {
  it('409 > a user created by someone else between lookup and POST is re-queried and adopted', async () => {
    let racer: string | undefined;
    server.onRequest = (req) => {
      if (req.method === 'POST' && !racer) racer = server.seedUser({ userName: '7@example.com', externalId: 'hr:7' }).id;
    };
    const result = await joiner(ctx(), '7');
    expect(result).toEqual({ outcome: 'already-in-state', externalRef: racer });
    expect(server.users.size).toBe(1);
    const methods = server.requests.filter((r) => r.path.startsWith('/Users')).map((r) => r.method);
    expect(methods).toEqual(['GET', 'GET', 'POST', 'GET']);
  });

  it('409 > adopted by userName when the racer left externalId empty, claiming it', async () => {
    let racer: string | undefined;
    server.onRequest = (req) => {
      if (req.method === 'POST' && !racer) racer = server.seedUser({ userName: '8@EXAMPLE.com' }).id;
    };
    expect(await joiner(ctx(), '8')).toEqual({ outcome: 'adopted', externalRef: racer, before: { externalId: null } });
    expect(server.users.get(racer as string)?.externalId).toBe('hr:8');
  });

  it('409 > with no user to adopt (userName lookups disabled) is a conflict', async () => {
    server.seedUser({ userName: 'taken@example.com', externalId: 'someone' });
    const err = await failure(joiner(ctx({ lookupBy: ['externalId'] }), '9', 'taken@example.com'));
    expect(err).toMatchObject({ code: 'conflict', retryable: false });
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(server.users.size).toBe(1);
  });

  it('userName held by another person > conflict, and that account is left untouched', async () => {
    const other = server.seedUser({ userName: 'shared@example.com', externalId: 'other', title: 'Theirs' });
    const before = structuredClone(server.users.get(other.id));
    expect(await failure(joiner(ctx(), '10', 'shared@example.com'))).toMatchObject({ code: 'conflict' });
    expect(server.users.get(other.id)).toEqual(before);
    expect(server.requests.some((r) => r.method !== 'GET')).toBe(false);
  });

  it('filter escaping > values are JSON string literals (RFC 7644 §3.4.2.2) and match', async () => {
    const userName = 'o\'brien "the \\ one", (x) * <y> ; = + 李';
    const handMade = server.seedUser({ userName });
    expect(await joiner(ctx(), '11', userName)).toEqual({ outcome: 'adopted', externalRef: handMade.id, before: { externalId: null } });
    const filters = server.requests.map((r) => r.query.get('filter')).filter(Boolean);
    expect(filters).toEqual(['externalId eq "hr:11"', 'userName eq "o\'brien \\"the \\\\ one\\", (x) * <y> ; = + 李"']);
  });

  it('unknown attributes > invalid-request naming them all, before any write', async () => {
    const err = await failure(
      connector.operations.createAccount(ctx(), { account: { personKey: 'hr:12' }, person: person('12'), attributes: { userName: 'a@b.c', shoeSize: 9, mood: 'ok' }, enabled: true }),
    );
    expect(err.code).toBe('invalid-request');
    expect(err.message).toMatch(/'shoeSize', 'mood'/);
    expect(server.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});

describe('scim > DELETE and profiles', () => {
  const remove = (c: ConnectorContext<ScimConfig>, employeeId: string) => connector.operations.deleteAccount(c, { account: { personKey: `hr:${employeeId}` } });

  it.each([
    ['github-emu', {}],
    ['atlassian', {}],
    ['okta-style', { allowIrreversibleDelete: true }],
  ] as const)('never DELETE > profile %s refuses with not-supported and sends nothing', async (profile, extra) => {
    const c = ctx({ profile, ...extra });
    await joiner(c, '20');
    server.requests.length = 0;
    expect(await failure(remove(c, '20'))).toMatchObject({ code: 'not-supported', retryable: false });
    expect(server.requests).toEqual([]);
    expect(server.users.size).toBe(1);
  });

  it('irreversible DELETE > is sent once the app instance opts in', async () => {
    const c = ctx({ profile: 'github-emu', allowIrreversibleDelete: true });
    await joiner(c, '21');
    expect((await remove(c, '21')).outcome).toBe('applied');
    expect(server.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(server.users.size).toBe(0);
  });

  it('DELETE > a user gone between lookup and DELETE (404) is already-in-state', async () => {
    const c = ctx();
    await joiner(c, '23');
    server.onRequest = (req) => {
      if (req.method === 'DELETE') server.users.clear();
    };
    expect((await remove(c, '23')).outcome).toBe('already-in-state');
    expect(server.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  it('ServiceProviderConfig > is read once per connector instance', async () => {
    const c = ctx();
    await joiner(c, '22');
    await connector.operations.suspendAccount(c, { account: { personKey: 'hr:22' } });
    await connector.operations.readAccount(c, { account: { personKey: 'hr:22' } });
    expect(server.requests.filter((r) => r.path === '/ServiceProviderConfig')).toHaveLength(1);
  });
});

describe('scim > writes', () => {
  it('ETag > writes carry If-Match; a 412 after a concurrent change is re-read and retried', async () => {
    const c = ctx();
    const { externalRef } = await joiner(c, '30');
    let meddled = false;
    server.onRequest = (req) => {
      if (req.method === 'PATCH' && !meddled) {
        meddled = true;
        const user = server.users.get(externalRef as string);
        if (user) server.users.set(user.id as string, { ...user, nickName: 'changed by an admin', meta: { version: 'W/"admin"' } });
      }
    };
    const result = await connector.operations.suspendAccount(c, { account: { personKey: 'hr:30', externalRef } });
    expect(result.outcome).toBe('applied');
    const patches = server.requests.filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(2);
    expect(patches[1]?.headers['if-match']).toBe('W/"admin"');
    expect(server.users.get(externalRef as string)).toMatchObject({ active: false, nickName: 'changed by an admin' });
  });

  it('PUT > without PATCH support the whole user is replaced, keeping attributes we do not manage', async () => {
    const noPatch = await startFakeScimServer({ patch: false, etag: false });
    try {
      const c = { ...ctx(), config: ScimConfig.parse({ baseUrl: noPatch.baseUrl }), secrets: { bearerToken: noPatch.token } };
      const { externalRef } = await joiner(c, '31');
      const id = externalRef as string;
      noPatch.users.set(id, { ...noPatch.users.get(id), nickName: 'Ada' });
      const updated = await connector.operations.updateAccount(c, { account: { personKey: 'hr:31' }, person: person('31'), attributes: { title: 'CTO' } });
      expect(updated).toMatchObject({ outcome: 'applied', before: { title: null } });
      expect(noPatch.requests.some((r) => r.method === 'PATCH')).toBe(false);
      const put = noPatch.requests.find((r) => r.method === 'PUT');
      expect(put?.headers['if-match']).toBeUndefined();
      expect(noPatch.users.get(id)).toMatchObject({ title: 'CTO', nickName: 'Ada', externalId: 'hr:31', userName: '31@example.com' });
    } finally {
      await noPatch.stop();
    }
  });

  it('manager > the HR manager id resolves to the manager’s SCIM id', async () => {
    const c = ctx();
    const boss = await joiner(c, '40');
    await connector.operations.createAccount(c, {
      account: { personKey: 'hr:41' },
      person: { ...person('41'), managerEmployeeId: '40' },
      attributes: { userName: '41@example.com' },
      enabled: true,
    });
    const read = await connector.operations.readAccount(c, { account: { personKey: 'hr:41' } });
    expect(read.attributes).toMatchObject({ manager: boss.externalRef });
  });

  it('accounts.list > pages with a cursor and names people by a person-key externalId', async () => {
    const c = ctx({ externalId: 'personKey' });
    for (const id of ['50', '51', '52']) await joiner(c, id);
    const first = await connector.operations.listAccounts(c, { pageSize: 2 });
    const second = await connector.operations.listAccounts(c, { pageSize: 2, cursor: first.nextCursor });
    expect(first.accounts).toHaveLength(2);
    expect(second).toMatchObject({ accounts: [{ personKey: 'hr:52', enabled: true }] });
    expect(second.nextCursor).toBeUndefined();
  });
});

describe('scim > unique.check', () => {
  const check = (c: ConnectorContext<ScimConfig>, employeeId: string, attribute: string, value: string) =>
    connector.operations.checkUnique(c, { account: { personKey: `hr:${employeeId}` }, attribute, value });

  it('holders > own (by externalId), another person’s, a hand-made one to adopt, and none, from one eq filter each', async () => {
    server.seedUser({ userName: 'mine@example.com', externalId: 'hr:60' });
    server.seedUser({ userName: 'theirs@example.com', externalId: 'hr:61' });
    server.seedUser({ userName: 'hand@example.com' });
    const c = ctx();
    expect(await check(c, '60', 'userName', 'MINE@example.com')).toEqual({ holder: 'this-person' });
    expect(await check(c, '60', 'userName', 'theirs@example.com')).toEqual({ holder: 'other' });
    expect(await check(c, '60', 'userName', 'hand@example.com')).toEqual({ holder: 'adoptable' });
    expect(await check(c, '60', 'userName', 'free@example.com')).toEqual({ holder: 'none' });
    expect(server.requests.filter((r) => r.path === '/Users').map((r) => r.query.get('filter'))).toEqual([
      'userName eq "MINE@example.com"',
      'userName eq "theirs@example.com"',
      'userName eq "hand@example.com"',
      'userName eq "free@example.com"',
    ]);
    expect(server.requests.some((r) => r.method !== 'GET')).toBe(false);
  });

  it('adoptable > only where createAccount would adopt: a userName with userName lookups', async () => {
    server.seedUser({ userName: 'hand@example.com', emails: [{ value: 'hand@example.com' }] });
    expect(await check(ctx({ lookupBy: ['externalId'] }), '62', 'userName', 'hand@example.com')).toEqual({ holder: 'other' });
    expect(await check(ctx(), '62', 'email', 'HAND@example.com')).toEqual({ holder: 'other' });
    expect(server.requests.at(-1)?.query.get('filter')).toBe('emails.value eq "HAND@example.com"');
  });

  it('own account without externalId > recognised by the externalRef a previous step returned', async () => {
    const handMade = server.seedUser({ userName: 'ref@example.com' });
    const result = await connector.operations.checkUnique(ctx(), { account: { personKey: 'hr:63', externalRef: handMade.id }, attribute: 'userName', value: 'ref@example.com' });
    expect(result).toEqual({ holder: 'this-person' });
  });

  it('values > are JSON string literals in the filter, so a crafted one matches nothing', async () => {
    server.seedUser({ userName: 'someone@example.com', externalId: 'hr:64' });
    for (const value of ['" or userName pr or userName eq "', '*', 'someone@example.com" or "1" eq "1']) {
      expect(await check(ctx(), '65', 'userName', value)).toEqual({ holder: 'none' });
    }
  });

  it('refused before any request > unknown attributes and the manager (invalid-request), a profile that cannot filter on it (not-supported)', async () => {
    expect(await failure(check(ctx(), '66', 'shoeSize', 'x'))).toMatchObject({ code: 'invalid-request', retryable: false });
    expect(await failure(check(ctx(), '66', 'manager', 'x'))).toMatchObject({ code: 'invalid-request' });
    const aws = ctx({ profile: 'aws-identity-center' });
    expect(await failure(check(aws, '66', 'email', 'x@example.com'))).toMatchObject({ code: 'not-supported', retryable: false, context: { profile: 'aws-identity-center' } });
    expect(server.requests.filter((r) => r.path === '/Users')).toEqual([]);
    expect(await check(aws, '66', 'userName', 'x@example.com')).toEqual({ holder: 'none' });
  });

  it('an app without filter support > not-supported', async () => {
    const noFilter = await startFakeScimServer({ filter: false });
    try {
      const c = { ...ctx(), config: ScimConfig.parse({ baseUrl: noFilter.baseUrl }), secrets: { bearerToken: noFilter.token } };
      expect(await failure(check(c, '67', 'userName', 'x@example.com'))).toMatchObject({ code: 'not-supported' });
      expect(noFilter.requests.filter((r) => r.path === '/Users')).toEqual([]);
    } finally {
      await noFilter.stop();
    }
  });
});

describe('scim > userName is chosen at create', () => {
  it('update > a new work email in HR never renames the user; only an explicit policy userName does', async () => {
    const c = ctx();
    const { externalRef } = await joiner(c, '70', 'jsmith@example.com');
    const moved = await connector.operations.updateAccount(c, {
      account: { personKey: 'hr:70' },
      person: { ...person('70'), workEmail: 'john.smith@example.com' },
      attributes: { title: 'CTO' },
    });
    expect(moved.outcome).toBe('applied');
    expect(server.users.get(externalRef as string)).toMatchObject({ userName: 'jsmith@example.com', title: 'CTO' });
  });
});

describe('scim > adoption is not creation', () => {
  const release = (c: ConnectorContext<ScimConfig>, account: { personKey: string; externalRef?: string }, before: unknown) =>
    connector.operations.releaseAccount(c, { account, before });
  /** The user as an admin sees it, without the server's bookkeeping. */
  const raw = (srv: FakeScimServer, id: string) => {
    const { meta: _meta, ...user } = structuredClone(srv.users.get(id) ?? {});
    return user;
  };

  it('joiner > a hand-made user is adopted: outcome adopted, before holds the externalId it had (none), nothing else written', async () => {
    const handMade = server.seedUser({ userName: '80@example.com', title: 'Theirs', nickName: 'hand' });
    const result = await joiner(ctx(), '80');
    expect(result).toEqual({ outcome: 'adopted', externalRef: handMade.id, before: { externalId: null } });
    expect(raw(server, handMade.id)).toEqual({ ...raw(server, handMade.id), userName: '80@example.com', title: 'Theirs', nickName: 'hand', externalId: 'hr:80' });
    // The adoption is done: a repeat finds the user anchored to the person.
    expect(await joiner(ctx(), '80')).toEqual({ outcome: 'already-in-state', externalRef: handMade.id });
  });

  it('release > restores the user exactly as it was before the adoption; a repeat is already-in-state; it never DELETEs', async () => {
    const handMade = server.seedUser({ userName: '81@example.com', title: 'Theirs', active: true });
    const untouched = raw(server, handMade.id);
    const adopted = await joiner(ctx(), '81');
    expect(adopted.outcome).toBe('adopted');
    const account = { personKey: 'hr:81', externalRef: adopted.externalRef };
    expect(await release(ctx(), account, adopted.before)).toEqual({ outcome: 'applied', externalRef: handMade.id, before: { externalId: 'hr:81' } });
    expect(raw(server, handMade.id)).toEqual(untouched);
    expect(await release(ctx(), account, adopted.before)).toEqual({ outcome: 'already-in-state', externalRef: handMade.id });
    expect(server.requests.some((r) => r.method === 'DELETE')).toBe(false);
    // A later joiner that still carries the ref finds the released user without our externalId: it adopts it again.
    const again = await connector.operations.createAccount(ctx({ lookupBy: ['externalId'] }), { account, person: person('81'), attributes: { userName: 'x@example.com' }, enabled: true });
    expect(again).toEqual({ outcome: 'adopted', externalRef: handMade.id, before: { externalId: null } });
  });

  it('release > puts back a previous externalId; with PUT (no PATCH) everything else the app holds is sent back unchanged', async () => {
    const noPatch = await startFakeScimServer({ patch: false, etag: false });
    try {
      const c = { ...ctx(), config: ScimConfig.parse({ baseUrl: noPatch.baseUrl }), secrets: { bearerToken: noPatch.token } };
      const handMade = noPatch.seedUser({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: '82@example.com', nickName: 'keep me' });
      const untouched = raw(noPatch, handMade.id);
      const adopted = await joiner(c, '82');
      expect(adopted).toMatchObject({ outcome: 'adopted', before: { externalId: null } });
      expect((await release(c, { personKey: 'hr:82', externalRef: handMade.id }, adopted.before)).outcome).toBe('applied');
      expect(raw(noPatch, handMade.id)).toEqual(untouched);
      // A `before` naming an earlier externalId restores that value.
      await joiner(c, '82');
      expect((await release(c, { personKey: 'hr:82', externalRef: handMade.id }, { externalId: 'legacy-7' })).outcome).toBe('applied');
      expect(noPatch.users.get(handMade.id)?.externalId).toBe('legacy-7');
    } finally {
      await noPatch.stop();
    }
  });

  it('release > leaves a user alone that someone else claimed since, and is not-applicable once the user is gone', async () => {
    const handMade = server.seedUser({ userName: '83@example.com' });
    const adopted = await joiner(ctx(), '83');
    const account = { personKey: 'hr:83', externalRef: handMade.id };
    server.users.set(handMade.id, { ...server.users.get(handMade.id), externalId: 'someone-else' });
    const claimed = structuredClone(server.users.get(handMade.id));
    expect((await release(ctx(), account, adopted.before)).outcome).toBe('already-in-state');
    expect(server.users.get(handMade.id)).toEqual(claimed);
    server.users.clear();
    expect((await release(ctx(), account, adopted.before)).outcome).toBe('not-applicable');
    expect(server.requests.some((r) => r.method === 'DELETE' || r.method === 'POST')).toBe(false);
  });

  it('joiner > a hand-made user claimed for someone else between lookup and write (412) is a conflict, never overwritten', async () => {
    const handMade = server.seedUser({ userName: '85@example.com' });
    server.onRequest = (req) => {
      if (req.method === 'PATCH' && server.users.get(handMade.id)?.externalId === undefined) {
        server.users.set(handMade.id, { ...server.users.get(handMade.id), externalId: 'someone-else', meta: { version: 'W/"admin"' } });
      }
    };
    expect(await failure(joiner(ctx(), '85'))).toMatchObject({ code: 'conflict', retryable: false });
    expect(server.users.get(handMade.id)?.externalId).toBe('someone-else');
    expect(server.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('release > a `before` that is not an adoption’s is invalid-request, before any request', async () => {
    server.requests.length = 0;
    expect(await failure(release(ctx(), { personKey: 'hr:84', externalRef: 'x' }, { attributes: {} }))).toMatchObject({ code: 'invalid-request' });
    expect(server.requests.filter((r) => r.path.startsWith('/Users'))).toEqual([]);
  });
});
