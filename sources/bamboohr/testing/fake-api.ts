import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the BambooHR REST API, for tests. It serves the two calls the adapter makes,
 * with BambooHR's documented JSON shapes, under the documented path layout
 * (`/api/gateway.php/<companyDomain>/v1/...`), on a free loopback port:
 *
 * - `GET …/v1/employees/{id}?fields=a,b&onlyCurrent=false` → `{"id": "<id>", "a": …, "b": …}`;
 *   a requested field the employee lacks is `null`; 404 for an unknown id.
 * - `GET …/v1/employees/changed?since=<ISO-8601>[&type=inserted|updated|deleted]` →
 *   `{"latest": …, "employees": {"<id>": {"id", "action": "Inserted"|"Updated"|"Deleted", "lastChanged"}}}`.
 *
 * It checks HTTP Basic auth (the API key is the user name; 401 otherwise, as BambooHR does for a bad
 * key), answers XML unless the client accepts JSON (as BambooHR does), puts error details in
 * `X-BambooHR-Error-Message`, and plays scripted failures so tests can prove retries.
 */
export interface FakeEmployee {
  /** Field values by API alias. */
  fields: Record<string, string | null>;
  /** For `/employees/changed`; ISO-8601. A `Deleted` employee answers 404 but stays listed as changed. */
  lastChanged: string;
  action: 'Inserted' | 'Updated' | 'Deleted';
}

export interface FakeBambooHrOptions {
  apiKey: string;
  companyDomain?: string;
  /** Initial employees by id: field values, inserted at `2026-01-01T00:00:00+00:00`. */
  employees?: Record<string, Record<string, string | null>>;
}

export interface RecordedRequest {
  method: string;
  /** Path below the API root, e.g. `/employees/4101`. */
  path: string;
  query: Record<string, string>;
  /** The Basic-auth user name sent, if any. */
  user?: string;
  accept?: string;
  /** What the fake answered. */
  status: number;
}

/** A scripted failure: an HTTP status (with optional Retry-After), a dropped connection, or a stall. */
export type FakeFailure = { status: number; retryAfter?: string } | { reset: true } | { delayMs: number };

export interface FakeBambooHr {
  /** API root to pass as the client's `baseUrl`, ending in `/v1`. */
  url: string;
  close(): Promise<void>;
  /** Inserts or updates an employee; `lastChanged` defaults to now. */
  setEmployee(id: string, fields: Record<string, string | null>, opts?: { lastChanged?: string }): void;
  /** Removes an employee (404 from then on) and records a `Deleted` change. */
  deleteEmployee(id: string, opts?: { lastChanged?: string }): void;
  /** The next request answers `status` (with `Retry-After: retryAfter` when given). Queued: call n times for n failures. */
  failNext(status: number, retryAfter?: string | number): void;
  /** The next request gets a scripted failure of any kind. */
  scriptNext(failure: FakeFailure): void;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
}

export async function startFakeBambooHr(opts: FakeBambooHrOptions): Promise<FakeBambooHr> {
  const domain = opts.companyDomain ?? 'acme';
  const root = `/api/gateway.php/${domain}/v1`;
  const employees = new Map<string, FakeEmployee>();
  for (const [id, fields] of Object.entries(opts.employees ?? {})) {
    employees.set(id, { fields: { ...fields }, lastChanged: '2026-01-01T00:00:00+00:00', action: 'Inserted' });
  }
  const script: FakeFailure[] = [];
  const requests: RecordedRequest[] = [];
  const stalls = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const record: RecordedRequest = {
      method: req.method ?? '',
      path: url.pathname.startsWith(root) ? url.pathname.slice(root.length) : url.pathname,
      query: Object.fromEntries(url.searchParams),
      user: basicUser(req),
      accept: req.headers.accept,
      status: 0,
    };
    requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      reply(req, res, status, body, headers);
    };

    const failure = script.shift();
    if (failure && 'reset' in failure) {
      record.status = -1;
      req.socket.destroy();
      return;
    }
    if (failure && 'status' in failure) {
      return send(failure.status, null, {
        'x-bamboohr-error-message': 'scripted failure',
        ...(failure.retryAfter !== undefined && { 'retry-after': failure.retryAfter }),
      });
    }
    const handle = () => {
      if (record.user !== opts.apiKey) return send(401, null, { 'x-bamboohr-error-message': 'Invalid API key' });
      if (req.method !== 'GET' || !url.pathname.startsWith(`${root}/`)) return send(404, null, { 'x-bamboohr-error-message': 'No such endpoint' });
      if (record.path === '/employees/changed') return changed(url, send);
      const m = /^\/employees\/([^/]+)\/?$/.exec(record.path);
      if (m) return employee(decodeURIComponent(m[1] as string), url, send);
      return send(404, null, { 'x-bamboohr-error-message': 'No such endpoint' });
    };
    if (failure && 'delayMs' in failure) {
      const t = setTimeout(() => {
        stalls.delete(t);
        handle();
      }, failure.delayMs);
      stalls.add(t);
    } else {
      handle();
    }
  });

  type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

  function employee(id: string, url: URL, send: Send): void {
    const e = employees.get(id);
    if (!e || e.action === 'Deleted') return send(404, null, { 'x-bamboohr-error-message': 'Employee not found' });
    const wanted = (url.searchParams.get('fields') ?? '').split(',').filter(Boolean);
    const body: Record<string, string | null> = { id };
    for (const f of wanted) body[f] = e.fields[f] ?? null;
    send(200, body);
  }

  function changed(url: URL, send: Send): void {
    const since = Date.parse(url.searchParams.get('since') ?? '');
    if (Number.isNaN(since)) return send(400, null, { 'x-bamboohr-error-message': 'since must be an ISO 8601 date' });
    const type = url.searchParams.get('type');
    const out: Record<string, { id: string; action: string; lastChanged: string }> = {};
    let latest = 0;
    for (const [id, e] of employees) {
      const at = Date.parse(e.lastChanged);
      if (at < since || (type && e.action.toLowerCase() !== type)) continue;
      out[id] = { id, action: e.action, lastChanged: e.lastChanged };
      latest = Math.max(latest, at);
    }
    // Like BambooHR (PHP), an empty map goes out as an empty list.
    send(200, { latest: new Date(latest || since).toISOString().replace('.000Z', '+00:00'), employees: Object.keys(out).length ? out : [] });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${root}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const t of stalls) clearTimeout(t);
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
    setEmployee(id, fields, o) {
      const existing = employees.get(id);
      employees.set(id, {
        fields: { ...existing?.fields, ...fields },
        lastChanged: o?.lastChanged ?? new Date().toISOString(),
        action: existing && existing.action !== 'Deleted' ? 'Updated' : 'Inserted',
      });
    },
    deleteEmployee(id, o) {
      const existing = employees.get(id);
      employees.set(id, { fields: existing?.fields ?? {}, lastChanged: o?.lastChanged ?? new Date().toISOString(), action: 'Deleted' });
    },
    failNext(status, retryAfter) {
      script.push({ status, ...(retryAfter !== undefined && { retryAfter: String(retryAfter) }) });
    },
    scriptNext(failure) {
      script.push(failure);
    },
  };
}

function basicUser(req: IncomingMessage): string | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? decoded : decoded.slice(0, colon);
}

/** JSON when the client accepts it, else a token XML body (BambooHR's default format). */
function reply(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const json = (req.headers.accept ?? '').includes('application/json');
  const text = body === null ? '' : json ? JSON.stringify(body) : '<?xml version="1.0"?><employee/>';
  res.writeHead(status, { ...headers, 'content-type': json ? 'application/json' : 'text/xml', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
