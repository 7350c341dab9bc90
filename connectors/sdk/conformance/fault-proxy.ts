import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultPlan } from './faults';

/** A loopback reverse proxy in front of a real HTTP app that injects faults on demand. */
export interface FaultProxy {
  /** Base URL to give the connector: the upstream's path, on the proxy's origin. */
  baseUrl: string;
  faults: FaultPlan;
  stop(): Promise<void>;
}

/**
 * Starts a proxy to `upstream` (an `http://` base URL) on a free loopback port. Requests pass
 * through untouched unless a fault is armed; then the next request gets the fault. This lets the
 * conformance kit inject 429/503 in front of a real app that cannot produce them on demand, and
 * provoke real 401/400 answers from the app itself by rewriting one request.
 */
export async function startFaultProxy(req: { upstream: string }): Promise<FaultProxy> {
  const upstream = new URL(req.upstream);
  if (upstream.protocol !== 'http:') throw new Error('the fault proxy only fronts plain-HTTP test servers');
  const faults = new FaultPlan();

  const server: Server = createServer((inbound, outbound) => {
    const fault = faults.take();
    if (fault && faults.apply(fault, outbound)) return;
    let target = { method: inbound.method ?? 'GET', url: inbound.url ?? '/', headers: { ...inbound.headers, host: upstream.host } };
    if (fault?.kind === 'rewrite') {
      const rewritten = fault.rewrite(target);
      target = { ...rewritten, headers: { ...rewritten.headers, host: upstream.host } };
    }
    const upstreamReq = forward(
      { host: upstream.hostname, port: upstream.port, method: target.method, path: target.url, headers: target.headers },
      (answer) => {
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
  const path = upstream.pathname.replace(/\/+$/, '');
  return {
    baseUrl: `http://127.0.0.1:${port}${path}`,
    faults,
    async stop() {
      faults.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
