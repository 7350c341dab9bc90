import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitFor } from '../../infra/stack/process';
import { redisReady } from '../../infra/stack/servers';
import { loadConfig } from '../../services/config';
import type { IssuedCert } from './test-ca';

export interface TlsRedisServer {
  /** `rediss://127.0.0.1:<port>`, without credentials. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A private `redis-server` (Debian's build links OpenSSL) that listens only on a TLS port with the
 * server certificate `cert`, does not ask clients for certificates, and has an ACL user besides a
 * `default` user that needs `defaultPassword`. No persistence; loopback only; `stop()` kills it.
 */
export async function startTlsRedisServer(opts: {
  cert: IssuedCert;
  caFile: string;
  user: { name: string; password: string };
  defaultPassword: string;
  bin?: string;
}): Promise<TlsRedisServer> {
  const bin = opts.bin ?? 'redis-server';
  const { cert, user } = opts;
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const args = [
      '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1',
      '--tls-cert-file', cert.certFile, '--tls-key-file', cert.keyFile, '--tls-ca-cert-file', opts.caFile,
      '--tls-auth-clients', 'no',
      '--save', '', '--appendonly', 'no',
      '--requirepass', opts.defaultPassword,
      '--user', user.name, 'on', `>${user.password}`, '~*', '&*', '+@all',
    ];
    const child: ChildProcess = spawn(bin, args, { stdio: 'ignore' });
    let exited = false;
    child.once('exit', () => (exited = true));
    const url = `rediss://127.0.0.1:${port}`;
    // The services' own readiness check, with the user, the password and the CA as the services would be configured.
    const security = loadConfig({ REDIS_URL: url, REDIS_TLS_CA: opts.caFile, REDIS_USERNAME: user.name, REDIS_PASSWORD: '{"env":"P"}', P: user.password }).connections.redis;
    const ready = () => redisReady(url, security);
    try {
      await waitFor(`TLS redis-server on ${port}`, ready, 10_000, () => exited);
    } catch (err) {
      child.kill('SIGKILL');
      if (attempt < 3) continue;
      throw err;
    }
    return {
      url,
      port,
      async stop() {
        if (exited) return;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGKILL');
        await gone;
      },
    };
  }
}
