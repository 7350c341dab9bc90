import { connect as netConnect, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import type { IssuedCert } from './test-ca';

export interface TlsProxy {
  /** `127.0.0.1:<port>` to connect to with TLS. */
  address: string;
  /** TLS handshakes that completed, and that were refused (for mTLS: no or an unknown client certificate). */
  readonly stats: { accepted: number; refused: number };
  stop(): Promise<void>;
}

/**
 * Terminates TLS in front of a plaintext TCP server (the Temporal dev server, which cannot serve TLS
 * itself) and passes the decrypted bytes through untouched, so gRPC over HTTP/2 works end to end.
 * It offers ALPN `h2`, which gRPC clients require. With `clientCa`, it requires a client certificate
 * signed by that CA (mTLS) and refuses the handshake otherwise.
 */
export async function startTlsProxy(opts: { target: string; cert: IssuedCert; clientCa?: string }): Promise<TlsProxy> {
  const [host, port] = splitAddress(opts.target);
  const stats = { accepted: 0, refused: 0 };
  const sockets = new Set<Socket>();
  const server = createServer(
    {
      cert: opts.cert.certPem,
      key: opts.cert.keyPem,
      ALPNProtocols: ['h2'],
      ...(opts.clientCa ? { ca: opts.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    },
    (client: TLSSocket) => {
      stats.accepted += 1;
      const upstream = netConnect({ host, port });
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    },
  );
  server.on('tlsClientError', () => (stats.refused += 1));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the TLS proxy has no address');
  return {
    address: `127.0.0.1:${address.port}`,
    stats,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}
