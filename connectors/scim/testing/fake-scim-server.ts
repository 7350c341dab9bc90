import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultPlan } from '../../sdk/conformance/faults';
import { ENTERPRISE_SCHEMA, type ScimGroup, type ScimMeta, type ScimUser } from '../schema';

/**
 * A small in-memory SCIM 2.0 service provider for unit tests: Users and Groups, `eq` filters joined
 * by `and` (values parsed as JSON strings, RFC 7644 §3.4.2.2), PATCH on the paths the connector
 * sends, weak ETags with If-Match (412 on mismatch), 409 on a taken userName (case-insensitive),
 * 401 on a wrong bearer token, paging, and armed faults. It records every request.
 */
export interface FakeScimServer {
  baseUrl: string;
  token: string;
  faults: FaultPlan;
  requests: RecordedRequest[];
  users: Map<string, ScimUser>;
  groups: Map<string, ScimGroup>;
  /** Runs before each request is handled (after faults): lets a test play a concurrent writer. */
  onRequest?: (req: RecordedRequest) => void;
  /** Adds a resource as an admin would, bypassing the API. */
  seedUser(user: ScimUser): ScimUser & { id: string };
  seedGroup(displayName: string): ScimGroup & { id: string };
  reset(): void;
  stop(): Promise<void>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface FakeScimOptions {
  /** ServiceProviderConfig feature flags (RFC 7643 §5). Default: patch, filter and etag supported. */
  patch?: boolean;
  etag?: boolean;
  filter?: boolean;
  /** Serve User.groups (RFC 7643 §4.1.2). Default true. */
  groupsOnUser?: boolean;
}

type Json = Record<string, unknown>;

export async function startFakeScimServer(opts: FakeScimOptions = {}): Promise<FakeScimServer> {
  const token = `fake-token-${randomUUID()}`;
  const faults = new FaultPlan();
  const requests: RecordedRequest[] = [];
  const users = new Map<string, ScimUser>();
  const groups = new Map<string, ScimGroup>();
  let version = 0;
  const bump = (r: { meta?: ScimMeta }) => {
    version += 1;
    r.meta = { ...r.meta, version: `W/"${version}"` };
  };

  const withGroups = (u: ScimUser): ScimUser => {
    if (opts.groupsOnUser === false) return u;
    const member = [...groups.values()].filter((g) => g.members?.some((m) => m.value === u.id));
    return member.length ? { ...u, groups: member.map((g) => ({ value: g.id, display: g.displayName })) } : u;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const text = await readBody(req);
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    const recorded = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
    requests.push(recorded);
    const fault = faults.take({ method: recorded.method, url: req.url ?? '/' });
    if (fault && faults.apply(fault, res)) return;
    if (fault?.kind === 'lose-answer') return send(res, 501, error(501, 'the fake server cannot lose answers; use the fault proxy'));
    fake.onRequest?.(recorded);
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, error(401, 'bad token'));
    const [, collection, id] = url.pathname.split('/');
    const method = req.method ?? 'GET';

    if (collection === 'ServiceProviderConfig' && method === 'GET') {
      return send(res, 200, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
        patch: { supported: opts.patch ?? true },
        filter: { supported: opts.filter ?? true, maxResults: 200 },
        etag: { supported: opts.etag ?? true },
        bulk: { supported: false },
      });
    }
    const store = collection === 'Users' ? users : collection === 'Groups' ? groups : undefined;
    if (!store) return send(res, 404, error(404, 'no such endpoint'));
    const view = (r: Json) => (collection === 'Users' ? withGroups(r as ScimUser) : r);

    if (!id && method === 'GET') {
      let matches: Json[];
      try {
        matches = [...store.values()].filter(matcher(url.searchParams.get('filter')));
      } catch {
        return send(res, 400, error(400, 'bad filter', 'invalidFilter'));
      }
      const start = Number(url.searchParams.get('startIndex') ?? 1);
      const count = Number(url.searchParams.get('count') ?? 100);
      const page = matches.slice(start - 1, start - 1 + count).map(view);
      return send(res, 200, { totalResults: matches.length, startIndex: start, itemsPerPage: page.length, Resources: page });
    }
    if (!id && method === 'POST') {
      const resource = { ...(body as Json), id: randomUUID().replace(/-/g, '') } as ScimUser;
      if (collection === 'Users' && [...users.values()].some((u) => u.userName?.toLowerCase() === resource.userName?.toLowerCase())) {
        return send(res, 409, error(409, 'userName taken', 'uniqueness'));
      }
      bump(resource);
      store.set(resource.id as string, resource);
      return send(res, 201, view(resource), { etag: resource.meta?.version as string });
    }
    const current = id ? store.get(id) : undefined;
    if (!current) return send(res, 404, error(404, 'not found'));
    const expected = req.headers['if-match'];
    if (expected && (method === 'PUT' || method === 'PATCH' || method === 'DELETE') && expected !== current.meta?.version) {
      return send(res, 412, error(412, 'version mismatch'));
    }
    if (method === 'GET') return send(res, 200, view(current), { etag: current.meta?.version as string });
    if (method === 'DELETE') {
      store.delete(current.id as string);
      return send(res, 204);
    }
    if (method === 'PUT') {
      const replaced = { ...(body as Json), id: current.id, meta: current.meta } as ScimUser;
      bump(replaced);
      store.set(current.id as string, replaced);
      return send(res, 200, view(replaced), { etag: replaced.meta?.version as string });
    }
    if (method === 'PATCH') {
      const next = structuredClone(current) as Json;
      for (const op of (body as { Operations: PatchOp[] }).Operations) applyPatch(next, op);
      if (JSON.stringify(next) !== JSON.stringify(current)) bump(next);
      store.set(current.id as string, next);
      return send(res, 204, undefined, { etag: (next.meta as Json).version as string });
    }
    return send(res, 405, error(405, 'method not allowed'));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, error(500, String(err))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeScimServer = {
    baseUrl: `http://127.0.0.1:${port}/`,
    token,
    faults,
    requests,
    users,
    groups,
    seedUser(user) {
      const seeded = { ...user, id: randomUUID().replace(/-/g, '') };
      bump(seeded);
      users.set(seeded.id, seeded);
      return seeded;
    },
    seedGroup(displayName) {
      const group: ScimGroup & { id: string } = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id: randomUUID().replace(/-/g, ''), displayName, members: [] };
      bump(group);
      groups.set(group.id, group);
      return group;
    },
    reset() {
      fake.onRequest = undefined;
      faults.clear();
      users.clear();
      groups.clear();
      requests.length = 0;
    },
    async stop() {
      faults.clear();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return fake;
}

interface PatchOp {
  op: string;
  path?: string;
  value?: unknown;
}

/** The PATCH subset the connector sends (RFC 7644 §3.5.2): plain, dotted and URN-prefixed paths; `members[value eq "…"]`. */
function applyPatch(resource: Json, op: PatchOp): void {
  const kind = op.op.toLowerCase();
  if (!op.path) {
    Object.assign(resource, op.value as Json);
    return;
  }
  const memberFilter = /^members\[value eq (".*")\]$/.exec(op.path);
  if (memberFilter?.[1] && kind === 'remove') {
    const value = JSON.parse(memberFilter[1]) as string;
    resource.members = ((resource.members as Json[] | undefined) ?? []).filter((m) => m.value !== value);
    return;
  }
  if (op.path === 'members' && kind === 'add') {
    const existing = (resource.members as Json[] | undefined) ?? [];
    const added = (op.value as Json[]).filter((m) => !existing.some((e) => e.value === m.value));
    resource.members = [...existing, ...added];
    return;
  }
  let target = resource;
  let path = op.path;
  if (path.startsWith(`${ENTERPRISE_SCHEMA}:`)) {
    target = (resource[ENTERPRISE_SCHEMA] ??= {}) as Json;
    path = path.slice(ENTERPRISE_SCHEMA.length + 1);
  }
  const parts = path.split('.');
  const leaf = parts.pop() as string;
  for (const part of parts) target = (target[part] ??= {}) as Json;
  if (kind === 'remove') delete target[leaf];
  else target[leaf] = op.value;
}

/** `attr eq "json string"` joined by `and`; anything else is an invalid filter. */
function matcher(filter: string | null): (r: Json) => boolean {
  if (!filter) return () => true;
  const terms: Array<{ path: string; value: unknown }> = [];
  let rest = filter.trim();
  const term = /^([A-Za-z][\w.:$-]*)\s+eq\s+("(?:[^"\\]|\\.)*"|true|false|null)(?:\s+and\s+|$)/i;
  while (rest) {
    const m = term.exec(rest);
    if (!m?.[1] || !m[2]) throw new Error(`invalid filter at '${rest}'`);
    terms.push({ path: m[1], value: JSON.parse(m[2]) as unknown });
    rest = rest.slice(m[0].length);
  }
  return (r) => terms.every(({ path, value }) => valuesAt(r, path).some((v) => equal(path, v, value)));
}

function valuesAt(resource: Json, path: string): unknown[] {
  let current: unknown[] = [resource];
  let rest = path;
  if (rest.startsWith(`${ENTERPRISE_SCHEMA}:`)) {
    current = [resource[ENTERPRISE_SCHEMA]];
    rest = rest.slice(ENTERPRISE_SCHEMA.length + 1);
  }
  for (const part of rest.split('.')) {
    current = current.flatMap((c) => {
      const v = (c as Json | undefined)?.[part];
      return Array.isArray(v) ? v : [v];
    });
  }
  return current;
}

function equal(path: string, actual: unknown, expected: unknown): boolean {
  // userName and emails are caseExact false (RFC 7643 §4.1); externalId is caseExact true (§3.1).
  if (/^(userName|emails\.value|displayName)$/i.test(path) && typeof actual === 'string' && typeof expected === 'string') {
    return actual.toLowerCase() === expected.toLowerCase();
  }
  return actual === expected;
}

function error(status: number, detail: string, scimType?: string) {
  return { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), detail, ...(scimType ? { scimType } : {}) };
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const defined = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined));
  res.writeHead(status, body === undefined ? defined : { 'content-type': 'application/scim+json', ...defined });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
