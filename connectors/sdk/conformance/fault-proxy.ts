import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultPlan } from './faults';

/** A loopback reverse proxy in front of a real HTTP app that injects faults on demand. */
export interface FaultProxy {
  /** Base URL to give the connector: the upstream's path, on the proxy's origin. */
  baseUrl: string;
  faults: FaultPlan;
  /**
   * Every request that reached the upstream app, in order (method and the upstream path with query),
   * so that a test can prove what the app saw, e.g. that no DELETE ever reached it.
   */
  forwarded: Array<{ method: string; url: string }>;
  stop(): Promise<void>;
}

/**
 * Starts a proxy to `upstream` (an `http://` base URL) on a free loopback port. Requests pass
 * through untouched unless a fault is armed; then the next request (or the next one its `when`
 * matches) gets the fault. This lets the conformance kit inject 429/503 in front of a real app
 * that cannot produce them on demand, provoke real 401/400 answers from the app itself by
 * rewriting one request, and drop the answer to a write the app did perform (`lose-answer`).
 */
export async function startFaultProxy(req: { upstream: string }): Promise<FaultProxy> {
  const upstream = new URL(req.upstream);
  if (upstream.protocol !== 'http:') throw new Error('the fault proxy only fronts plain-HTTP test servers');
  const faults = new FaultPlan();
  const forwarded: FaultProxy['forwarded'] = [];

  const server: Server = createServer((inbound, outbound) => {
    const method = inbound.method ?? 'GET';
    const fault = faults.take({ method, url: (inbound.url ?? '/').slice(upstreamPath(upstream).length) || '/' });
    if (fault && faults.apply(fault, outbound)) return;
    let target = { method, url: inbound.url ?? '/', headers: { ...inbound.headers, host: upstream.host } };
    if (fault?.kind === 'rewrite') {
      const rewritten = fault.rewrite(target);
      target = { ...rewritten, headers: { ...rewritten.headers, host: upstream.host } };
    }
    forwarded.push({ method: target.method, url: target.url });
    const upstreamReq = forward(
      { host: upstream.hostname, port: upstream.port, method: target.method, path: target.url, headers: target.headers },
      (answer) => {
        if (fault?.kind === 'lose-answer') {
          // The app has acted; its answer is dropped and the client sees the fault instead.
          answer.resume();
          answer.once('end', () => {
            outbound.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
            outbound.end(JSON.stringify({ status: String(fault.status), detail: 'injected fault after the app answered' }));
          });
          return;
        }
        outbound.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outbound);
      },
    );
    upstreamReq.on('error', () => {
      if (!outbound.headersSent) outbound.writeHead(502);
      outbound.end();
    });
    inbound.pipe(upstreamReq);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${upstreamPath(upstream)}`,
    faults,
    forwarded,
    async stop() {
      faults.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The upstream's base path without a trailing slash (`/scim/v2`, or empty at the root). */
function upstreamPath(upstream: URL): string {
  return upstream.pathname.replace(/\/+$/, '');
}
