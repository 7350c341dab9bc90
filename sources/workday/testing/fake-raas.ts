import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for one Workday RaaS report, for tests, on a free loopback port. It serves
 * `GET /ccx/service/customreport2/<tenant>/<owner>/<report>` the way Workday does:
 *
 * - HTTP Basic auth with the integration system user; 401 otherwise.
 * - `?format=json` → `{"Report_Entry": [...]}`; without it, an XML document (Workday's default).
 * - Any other query parameter is taken as a report prompt and recorded, not interpreted.
 * - 404 for any other path.
 *
 * Scripted failures (`failNext`, `scriptNext`) let tests prove retries, Retry-After and timeouts.
 */
export interface FakeRaasOptions {
  user: string;
  password: string;
  /** Initial `Report_Entry` rows. */
  entries?: Record<string, unknown>[];
  tenant?: string;
  owner?: string;
  report?: string;
}

export interface RecordedRaasRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Basic-auth user name sent, if any. */
  user?: string;
  accept?: string;
  /** What the fake answered; -1 for a dropped connection. */
  status: number;
}

/** An HTTP status (with optional Retry-After), a dropped connection, a stall, or a raw 200 body. */
export type FakeRaasFailure = { status: number; retryAfter?: string } | { reset: true } | { delayMs: number } | { body: string };

export interface FakeRaas {
  /** The report's web service URL (no query), as a client's `reportUrl`. */
  url: string;
  /** Replaces the report's rows. */
  setEntries(entries: Record<string, unknown>[]): void;
  /** The next request answers `status` (with `Retry-After` when given). Queued: call n times for n failures. */
  failNext(status: number, retryAfter?: string | number): void;
  /** The next request gets a scripted failure of any kind. */
  scriptNext(failure: FakeRaasFailure): void;
  /** Every request received, in order. */
  readonly requests: RecordedRaasRequest[];
  close(): Promise<void>;
}

export async function startFakeRaas(opts: FakeRaasOptions): Promise<FakeRaas> {
  const path = `/ccx/service/customreport2/${opts.tenant ?? 'acme'}/${opts.owner ?? 'ISU_JML'}/${opts.report ?? 'JML_Workers'}`;
  let entries = structuredClone(opts.entries ?? []);
  const script: FakeRaasFailure[] = [];
  const requests: RecordedRaasRequest[] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const auth = basicAuth(req);
    const record: RecordedRaasRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(auth && { user: auth.user }),
      ...(req.headers.accept !== undefined && { accept: req.headers.accept }),
      status: 0,
    };
    requests.push(record);
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
      res.end(body);
    };

    const failure = script.shift();
    if (failure && 'reset' in failure) {
      record.status = -1;
      req.socket.destroy();
      return;
    }
    if (failure && 'status' in failure) {
      return send(failure.status, '', failure.retryAfter !== undefined ? { 'retry-after': failure.retryAfter } : {});
    }
    if (failure && 'body' in failure) return send(200, failure.body, { 'content-type': 'application/json' });
    const handle = () => {
      if (!auth || auth.user !== opts.user || auth.password !== opts.password) return send(401, '', { 'www-authenticate': 'Basic realm="Workday"' });
      if (req.method !== 'GET' || url.pathname !== path) return send(404, '');
      if (url.searchParams.get('format') !== 'json') {
        return send(200, '<?xml version="1.0" encoding="UTF-8"?><wd:Report_Data xmlns:wd="urn:com.workday.report/JML_Workers"/>', { 'content-type': 'text/xml' });
      }
      send(200, JSON.stringify({ Report_Entry: entries }), { 'content-type': 'application/json' });
    };
    if (failure && 'delayMs' in failure) setTimeout(handle, failure.delayMs);
    else handle();
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    setEntries(next) {
      entries = structuredClone(next);
    },
    failNext(status, retryAfter) {
      script.push({ status, ...(retryAfter !== undefined && { retryAfter: String(retryAfter) }) });
    },
    scriptNext(failure) {
      script.push(failure);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function basicAuth(req: IncomingMessage): { user: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? { user: decoded, password: '' } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
