import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitFor } from '../../infra/stack/process';
import { redisReady } from '../../infra/stack/servers';

/**
 * A private `redis-server` owned by one test file, for tests that must break Redis (freeze or stop
 * it) without touching the stack every other test shares. No persistence; loopback only.
 */
export interface RedisServerInstance {
  url: string;
  port: number;
  /** SIGSTOP: the server keeps its socket (the kernel still accepts connections) but answers nothing. */
  freeze(): void;
  /** SIGCONT after {@link freeze}. */
  thaw(): void;
  /** Kills the server (thawing it first). Safe to call twice. */
  stop(): Promise<void>;
}

export async function startRedisServer(opts: { bin?: string } = {}): Promise<RedisServerInstance> {
  const bin = opts.bin ?? 'redis-server';
  // freePort() releases the port before redis binds it; another process may grab it in between.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const child: ChildProcess = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
      stdio: 'ignore',
    });
    let exited = false;
    child.once('exit', () => (exited = true));
    const url = `redis://127.0.0.1:${port}`;
    try {
      await waitFor(`redis-server on ${port}`, () => redisReady(url), 10_000, () => exited);
    } catch (err) {
      child.kill('SIGKILL');
      if (attempt < 3) continue;
      throw err;
    }
    let stopped = false;
    return {
      url,
      port,
      freeze: () => void child.kill('SIGSTOP'),
      thaw: () => void child.kill('SIGCONT'),
      async stop() {
        if (stopped) return;
        stopped = true;
        if (exited) return;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGCONT');
        child.kill('SIGKILL');
        await gone;
      },
    };
  }
}
