import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultPlan } from '../../sdk/conformance/faults';
import type { AppAttributes } from '../../sdk/types';

/**
 * TEST-ONLY. An in-memory fake of the REST app the `__ID__` connector speaks, on a free loopback
 * port. It answers like a careful app: bearer check first (401), 404 for unknown users and groups,
 * 409 for a second user with the same externalId, 400 for bodies it cannot read. `faults` arms
 * one misbehaviour for the next request (the conformance kit's 429/503/400/stall hooks; a
 * `rewrite` fault changes the request's headers before the bearer check, for a real 401).
 *
 * TODO(__ID__): keep this fake in step with the real app's API whenever index.ts changes.
 */
export interface FakeApp {
  /** Base URL to give the connector. */
  baseUrl: string;
  /** The bearer token the app accepts. */
  token: string;
  /** Users by id. Tests may read them; change them only through the methods below. */
  users: ReadonlyMap<string, FakeUser>;
  faults: FaultPlan;
  /** Deletes every user and disarms pending faults; groups stay. */
  reset(): void;
  /** Deletes a user behind the connector's back, as an admin would in the app's UI. True when one was deleted. */
  deleteUser(req: { externalId: string }): boolean;
  /** Adds a user as an admin would in the app's UI: without our externalId unless one is given. */
  seedUser(req: { externalId?: string; active?: boolean; attributes: AppAttributes }): FakeUser;
  stop(): Promise<void>;
}

export interface FakeUser {
  id: string;
  /** Absent on a user made by hand (seedUser). */
  externalId?: string;
  active: boolean;
  attributes: AppAttributes;
  groups: string[];
}

export interface FakeAppOptions {
  /** Groups the app knows; grants to any other group answer 404. */
  groups?: readonly string[];
}

export async function startFakeApp(opts: FakeAppOptions = {}): Promise<FakeApp> {
  const token = `fake-${randomBytes(16).toString('hex')}`;
  const groups = new Set(opts.groups ?? []);
  const users = new Map<string, FakeUser>();
  const faults = new FaultPlan();

  const server: Server = createServer((req, res) => {
    const fault = faults.take();
    if (fault && faults.apply(fault, res)) return;
    if (fault?.kind === 'rewrite') {
      const rewritten = fault.rewrite({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
      req.headers = rewritten.headers;
    }
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: { message: 'invalid bearer token' } });
    readJson(req).then(
      (body) => route({ method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'http://fake'), body }, res),
      () => send(res, 400, { error: { message: 'body is not JSON' } }),
    );
  });

  function route(req: { method: string; url: URL; body: unknown }, res: ServerResponse): void {
    const parts = req.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [collection, id, sub, memberId] = parts;
    if (collection === 'users' && parts.length === 1) {
      if (req.method === 'GET') return listUsers(req.url.searchParams, res);
      if (req.method === 'POST') return createUser(req.body, res);
    }
    if (collection === 'users' && id !== undefined && parts.length === 2) {
      const user = users.get(id);
      if (!user) return send(res, 404, { error: { message: 'no such user' } });
      if (req.method === 'GET') return send(res, 200, user);
      if (req.method === 'PATCH') return patchUser(user, req.body, res);
      if (req.method === 'DELETE') {
        users.delete(id);
        return send(res, 204);
      }
    }
    if (collection === 'groups' && id !== undefined && sub === 'members' && memberId !== undefined && parts.length === 4) {
      const user = users.get(memberId);
      if (!groups.has(id) || !user) return send(res, 404, { error: { message: 'no such group or user' } });
      if (req.method === 'PUT') {
        if (!user.groups.includes(id)) user.groups.push(id);
        return send(res, 204);
      }
      if (req.method === 'DELETE') {
        if (!user.groups.includes(id)) return send(res, 404, { error: { message: 'not a member' } });
        user.groups = user.groups.filter((g) => g !== id);
        return send(res, 204);
      }
    }
    send(res, 404, { error: { message: `no route ${req.method} ${req.url.pathname}` } });
  }

  /**
   * `?externalId=` finds users by our anchor; `?limit=&after=` pages through all of them in id order,
   * `after` being the last id of the previous page (`nextCursor`). A malformed `after` or `limit` is 400.
   */
  function listUsers(params: URLSearchParams, res: ServerResponse): void {
    const externalId = params.get('externalId');
    const after = params.get('after');
    const limitParam = params.get('limit');
    const limit = limitParam === null ? undefined : Number(limitParam);
    if (after !== null && !UUID.test(after)) return send(res, 400, { error: { message: 'after is not a user id' } });
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) return send(res, 400, { error: { message: 'limit must be a positive integer' } });
    const matching = [...users.values()]
      .filter((u) => (externalId === null || u.externalId === externalId) && (after === null || u.id > after))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (limit === undefined) return send(res, 200, { users: matching });
    const page = matching.slice(0, limit);
    send(res, 200, { users: page, ...(matching.length > limit ? { nextCursor: page.at(-1)?.id } : {}) });
  }

  function createUser(body: unknown, res: ServerResponse): void {
    const b = body as { externalId?: unknown; active?: unknown; attributes?: unknown } | undefined;
    if (typeof b?.externalId !== 'string' || typeof b.active !== 'boolean' || !isAttributes(b.attributes)) {
      return send(res, 400, { error: { message: 'externalId, active and attributes are required' } });
    }
    for (const u of users.values()) if (u.externalId === b.externalId) return send(res, 409, { error: { message: 'externalId is taken' } });
    const user: FakeUser = { id: randomUUID(), externalId: b.externalId, active: b.active, attributes: withoutNulls(b.attributes), groups: [] };
    users.set(user.id, user);
    send(res, 201, user);
  }

  function patchUser(user: FakeUser, body: unknown, res: ServerResponse): void {
    const b = body as { active?: unknown; attributes?: unknown } | undefined;
    if (b === undefined || (b.active !== undefined && typeof b.active !== 'boolean') || (b.attributes !== undefined && !isAttributes(b.attributes))) {
      return send(res, 400, { error: { message: 'active must be a boolean and attributes an object of scalars' } });
    }
    if (typeof b.active === 'boolean') user.active = b.active;
    // A null value removes the attribute.
    if (b.attributes !== undefined) user.attributes = withoutNulls({ ...user.attributes, ...(b.attributes as AppAttributes) });
    send(res, 200, user);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    token,
    users,
    faults,
    reset() {
      users.clear();
      faults.clear();
    },
    deleteUser({ externalId }) {
      for (const [id, user] of users) if (user.externalId === externalId) return users.delete(id);
      return false;
    },
    seedUser({ externalId, active = true, attributes }) {
      const user: FakeUser = { id: randomUUID(), ...(externalId === undefined ? {} : { externalId }), active, attributes: withoutNulls(attributes), groups: [] };
      users.set(user.id, user);
      return user;
    },
    async stop() {
      faults.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function send(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
}

function isAttributes(value: unknown): value is AppAttributes {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
  );
}

function withoutNulls(attributes: AppAttributes): AppAttributes {
  return Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== null));
}
