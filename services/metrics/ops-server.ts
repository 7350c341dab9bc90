import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/**
 * The ops port of the roles without a gateway (dispatcher, worker, pollers, and `all`):
 * `GET /metrics` (Prometheus text), `GET /healthz` (the process answers: liveness) and
 * `GET /readyz` (200 while the role runs and is not draining: readiness). Anything else is 404.
 */
export interface OpsServer {
  url: string;
  /** Resolves with an error of the listening server (the role then stops); never otherwise. */
  failed: Promise<Error>;
  close(): Promise<void>;
}

export async function startOpsServer(opts: { host: string; port: number; registry: Registry; ready: () => boolean; log: Logger }): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    if (path === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    if (path === '/readyz') {
      const ready = opts.ready();
      return void res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(ready ? '{"status":"ready"}' : '{"status":"not-ready"}');
    }
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
        (err: unknown) => {
          opts.log.warn({ err: (err as Error).message }, 'could not render metrics');
          res.writeHead(500).end();
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not-found"}');
  });
  // Scrapers keep connections alive; close() must not wait for them.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing = false;
  const failed = new Promise<Error>((resolve) => server.on('error', (err: Error) => void (!closing && resolve(err))));
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    failed,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
