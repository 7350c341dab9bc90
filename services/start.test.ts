import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { DEV_SECRET_FILE } from './dev-defaults';
import { startPipeline } from './runtime';

const ROOT = new URL('..', import.meta.url).pathname;

/**
 * Runs services/start.ts in an empty directory (no .env) with only `env`. Every external service
 * points at a closed port, so a start that got past its checks fails instead of starting a stack.
 */
function start(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'jml-start-'));
  const closed = { KAFKA_BROKERS: '127.0.0.1:9', TEMPORAL_ADDRESS: '127.0.0.1:9', REDIS_URL: 'redis://127.0.0.1:9' };
  return new Promise((resolve) => {
    execFile(
      join(ROOT, 'node_modules/.bin/tsx'),
      [join(ROOT, 'services/start.ts'), ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, JML_STACK_DIR: join(cwd, 'stack'), ...closed, ...env }, timeout: 30_000 },
      (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe('starting without a canonical key', () => {
  it('start.ts > outside development mode it refuses, in one line naming the variable', async () => {
    const res = await start([], {});
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^\[start\] error: JML_CANONICAL_SECRET is not set/)]);
  }, 30_000);

  it('start.ts > in development mode it refuses a gateway that is not bound to loopback, and writes no key', async () => {
    const stackDir = join(mkdtempSync(join(tmpdir(), 'jml-start-')), 'stack');
    const res = await start(['--dev'], { GATEWAY_HOST: '0.0.0.0', JML_STACK_DIR: stackDir });
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^\[start\] error: JML_CANONICAL_SECRET is not set and GATEWAY_HOST 0.0.0.0 is not loopback/)]);
    expect(existsSync(join(stackDir, DEV_SECRET_FILE))).toBe(false);
  }, 30_000);

  it('startPipeline > with a gateway it refuses before connecting to anything', async () => {
    const endpoints = { kafkaBrokers: '127.0.0.1:9', temporalAddress: '127.0.0.1:9', redisUrl: 'redis://127.0.0.1:9' };
    await expect(startPipeline({ config: loadConfig({}), endpoints, log: pino({ level: 'silent' }), parts: { dispatcher: false, worker: false } })).rejects.toThrow(
      /^JML_CANONICAL_SECRET is not set/,
    );
  });
});
