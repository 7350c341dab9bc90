import { createServer, request as forward, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy in front of a real app (scim2-server in the app drills) whose behaviour a
 * drill switches while the pipeline works, as a real app's would change during an incident:
 *
 * - `pass`: every request is forwarded untouched.
 * - `down`: the app is gone. The proxy stops listening, so new connections are refused
 *   (ECONNREFUSED, what a stopped app looks like to a connector), and every open connection is cut,
 *   answers in flight included (logged `reset`: the app may have acted on those requests).
 * - `throttle`: requests (all, or those `when` matches) are answered 429 with `Retry-After: N`
 *   seconds and not forwarded; the others pass.
 * - `reject`: `decide` sees each request and returns a status (a permanent 4xx such as 400 or 403)
 *   to answer it with, instead of forwarding it, or undefined to let it pass.
 *
 * Every request is logged with its arrival, its answer and when the answer left, so that a drill can
 * prove from the app's side what the pipeline did, e.g. that each retry after a 429 came at least
 * Retry-After later. The log keeps paths with their query (person keys of drill people sit in SCIM
 * filters) and no bodies; it stays in memory and is never printed.
 */

/** A request as the proxy saw it: the path below the upstream's base path, with its query, and the body as text. */
export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
}

export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'down' }
  | { kind: 'throttle'; retryAfterSeconds: number; when?: (req: ProxiedRequest) => boolean }
  | { kind: 'reject'; decide: (req: ProxiedRequest) => number | undefined | Promise<number | undefined> };

export interface ProxyLogEntry {
  /** When the request arrived (ms since the epoch). */
  at: number;
  /** When its answer left, or when it was cut. */
  answeredAt: number;
  method: string;
  path: string;
  /** Whom the request is about, as the proxy's `subjectOf` tells (a person key), if it can. */
  subject?: string;
  /** The mode that decided the answer. */
  mode: FaultMode['kind'];
  /** The status the client got; `reset` when the connection was cut before an answer (an outage began). */
  answer: number | 'reset';
  /** Whether the request reached the app (a `reset` one may have been acted on). */
  forwarded: boolean;
  /** Seconds asked in Retry-After, on a throttled answer. */
  retryAfterSeconds?: number;
}

export interface Outage {
  from: number;
  /** Absent while the app is still down. */
  to?: number;
}

export interface FaultProxy {
  /** What to give the connector: the upstream's base path on the proxy's origin (fixed for the proxy's life). */
  readonly baseUrl: string;
  readonly mode: FaultMode['kind'];
  /** Every request, in order of arrival. */
  readonly log: readonly ProxyLogEntry[];
  /** Each period the app was down. */
  readonly outages: readonly Outage[];
  /**
   * Switches the mode; resolves once it holds: after `down`, the port refuses connections and no
   * connection is open; leaving `down`, the port listens again (the same port: the connector's URL does not change).
   */
  setMode(mode: FaultMode): Promise<void>;
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  /** An `http://` base URL on loopback. */
  upstream: string;
  /** Names whom a request is about, for the log (e.g. the person key in a SCIM filter or body). */
  subjectOf?: (req: ProxiedRequest) => string | undefined;
}

const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Starts the proxy on a free loopback port, in `pass` mode. */
export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(opts.upstream);
  if (upstream.protocol !== 'http:') throw new Error('the fault proxy only fronts plain-HTTP test servers');
  const basePath = upstream.pathname.replace(/\/+$/, '');
  const log: ProxyLogEntry[] = [];
  const outages: Outage[] = [];
  /** Requests not yet answered, with how to mark them cut. */
  const open = new Set<ProxyLogEntry>();
  let mode: FaultMode = { kind: 'pass' };
  let server: Server | undefined;

  const handle = async (inbound: IncomingMessage, outbound: ServerResponse) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    for await (const chunk of inbound) chunks.push(chunk as Buffer);
    const url = inbound.url ?? '/';
    const req: ProxiedRequest = { method: inbound.method ?? 'GET', path: url.slice(basePath.length) || '/', body: Buffer.concat(chunks).toString('utf8') };
    const subject = opts.subjectOf?.(req);
    const entry: ProxyLogEntry = { at, answeredAt: at, method: req.method, path: req.path, ...(subject !== undefined ? { subject } : {}), mode: mode.kind, answer: 'reset', forwarded: false };
    log.push(entry);
    open.add(entry);
    const answer = (status: number, headers: Record<string, string>, body: string) => {
      if (outbound.destroyed) return;
      outbound.writeHead(status, { 'content-type': 'application/scim+json', ...headers });
      outbound.end(body);
      finish(entry, status);
    };
    const current = mode;
    if (current.kind === 'throttle' && (current.when?.(req) ?? true)) {
      entry.retryAfterSeconds = current.retryAfterSeconds;
      answer(429, { 'retry-after': String(current.retryAfterSeconds) }, JSON.stringify({ schemas: [SCIM_ERROR], status: '429', detail: 'too many requests (fault drill)' }));
      return;
    }
    if (current.kind === 'reject') {
      const status = await current.decide(req);
      if (status !== undefined) {
        answer(status, {}, JSON.stringify({ schemas: [SCIM_ERROR], status: String(status), ...(status === 400 ? { scimType: 'invalidValue' } : {}), detail: 'rejected for good (fault drill)' }));
        return;
      }
    }
    entry.forwarded = true;
    const upstreamReq = forward(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: url, headers: { ...inbound.headers, host: upstream.host, 'content-length': String(Buffer.byteLength(req.body)) } },
      (res) => {
        if (outbound.destroyed) {
          res.resume();
          return;
        }
        outbound.writeHead(res.statusCode ?? 502, res.headers);
        res.pipe(outbound);
        res.once('end', () => finish(entry, res.statusCode ?? 502));
      },
    );
    upstreamReq.once('error', () => answer(502, {}, JSON.stringify({ schemas: [SCIM_ERROR], status: '502', detail: 'upstream unreachable' })));
    upstreamReq.end(req.body);
  };
  const finish = (entry: ProxyLogEntry, status: number) => {
    if (!open.delete(entry)) return;
    entry.answer = status;
    entry.answeredAt = Date.now();
  };

  const listen = async (port: number): Promise<number> => {
    const s = createServer((inbound, outbound) => {
      handle(inbound, outbound).catch(() => outbound.destroy());
    });
    s.keepAliveTimeout = 5_000;
    // The port was ours a moment ago; another process may hold it briefly (TIME_WAIT does not block a listen).
    for (let attempt = 1; ; attempt += 1) {
      try {
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.listen(port, '127.0.0.1', () => {
            s.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    server = s;
    return (s.address() as AddressInfo).port;
  };
  const close = async () => {
    const s = server;
    if (!s) return;
    server = undefined;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeAllConnections();
    const cutAt = Date.now();
    for (const entry of open) {
      entry.answeredAt = cutAt;
      entry.answer = 'reset';
    }
    open.clear();
    await closed;
  };

  const port = await listen(0);
  return {
    baseUrl: `http://127.0.0.1:${port}${basePath}`,
    get mode() {
      return mode.kind;
    },
    log,
    outages,
    async setMode(next) {
      const was = mode.kind;
      mode = next;
      if (next.kind === 'down' && was !== 'down') {
        outages.push({ from: Date.now() });
        await close();
      } else if (next.kind !== 'down' && was === 'down') {
        await listen(port);
        const last = outages.at(-1);
        if (last) last.to = Date.now();
      }
    },
    async stop() {
      mode = { kind: 'pass' };
      await close();
    },
  };
}

/**
 * How long each throttled subject waited before coming back: for every 429 about a subject, the
 * time from that answer leaving to the subject's next request arriving (`asked`: the Retry-After,
 * in ms). Subjects that never came back after a 429 are `unretried`. 429s about no one are skipped.
 */
export function retryGaps(log: readonly ProxyLogEntry[]): { gaps: Array<{ subject: string; asked: number; gapMs: number }>; unretried: string[] } {
  const gaps: Array<{ subject: string; asked: number; gapMs: number }> = [];
  const unretried: string[] = [];
  log.forEach((e, i) => {
    if (e.answer !== 429 || e.subject === undefined) return;
    const next = log.slice(i + 1).find((n) => n.subject === e.subject);
    if (!next) unretried.push(e.subject);
    else gaps.push({ subject: e.subject, asked: (e.retryAfterSeconds ?? 0) * 1000, gapMs: next.at - e.answeredAt });
  });
  return { gaps, unretried };
}
