import type { ConnectionOptions, TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalSecurity } from '../settings/connections';

/**
 * Options of a Temporal client connection (gateway-side client, dispatcher, pollers, CLI,
 * benchmarks) from TEMPORAL_TLS*, TEMPORAL_API_KEY and the address.
 *
 * The API key rotates without a restart: the client calls the function before each request, and a
 * file secret is re-read when the file changed. Certificates and keys are read once, when the
 * connection is made: grpc-js keeps its channel credentials for the connection's life, so a rotated
 * client certificate needs a restart (or a new connection).
 */
export function temporalConnectionOptions(security: TemporalSecurity, address: string): ConnectionOptions {
  const tls = temporalTls(security);
  const apiKey = security.apiKey;
  return { address, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey: () => apiKey.read() } : {}) };
}

/** How often a worker's connection looks for a rotated API key file. */
export const API_KEY_REFRESH_MS = 10_000;

export interface WorkerConnection {
  connection: NativeConnection;
  /** Stops looking for a rotated API key and closes the connection. */
  close(): Promise<void>;
}

/**
 * A worker connection (Temporal's Rust core) with the same TLS and API key. The core takes the API key
 * as a value, so a file-held key is looked at every `refreshMs` and handed over with `setApiKey` when
 * it changed; TLS material, as for the client, is read once per connection.
 */
export async function connectTemporalWorker(security: TemporalSecurity, address: string, opts: { refreshMs?: number } = {}): Promise<WorkerConnection> {
  const tls = temporalTls(security);
  const apiKey = security.apiKey;
  let current = apiKey?.read();
  const connection = await NativeConnection.connect({ address, ...(tls ? { tls } : {}), ...(current !== undefined ? { apiKey: current } : {}) });
  let timer: NodeJS.Timeout | undefined;
  if (apiKey?.rotates) {
    timer = setInterval(() => {
      let next: string;
      try {
        next = apiKey.read();
      } catch {
        return; // the file is being replaced or went away: keep the key the connection has
      }
      if (next === current) return;
      current = next;
      connection.setApiKey(next).catch(() => undefined);
    }, opts.refreshMs ?? API_KEY_REFRESH_MS);
    timer.unref();
  }
  return {
    connection,
    async close() {
      if (timer) clearInterval(timer);
      await connection.close();
    },
  };
}

function temporalTls(security: TemporalSecurity): TLSConfig | undefined {
  const tls = security.tls;
  if (!tls) return undefined;
  return {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.ca ? { serverRootCACertificate: Buffer.from(tls.ca.read()) } : {}),
    ...(tls.clientCert ? { clientCertPair: { crt: Buffer.from(tls.clientCert.cert.read()), key: Buffer.from(tls.clientCert.key.read()) } } : {}),
  };
}
