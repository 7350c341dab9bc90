import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../services/config';
import { DEV_SECRET_FILE } from '../../services/dev-defaults';
import { startPipeline } from '../../services/runtime';

const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * Runs infra/dev/start.ts in an empty directory (no .env) with only `env`. Every external service
 * points at a closed port, so a start that got past its checks fails instead of starting a stack.
 */
function start(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'jml-start-'));
  const closed = { KAFKA_BROKERS: '127.0.0.1:9', TEMPORAL_ADDRESS: '127.0.0.1:9', REDIS_URL: 'redis://127.0.0.1:9' };
  return new Promise((resolve) => {
    execFile(
      join(ROOT, 'node_modules/.bin/tsx'),
      [join(ROOT, 'infra/dev/start.ts'), ...args],
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

  it('start.ts > in development mode on loopback it generates a key once per stack directory and says where', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'jml-start-'));
    const stackDir = join(cwd, 'stack');
    const printed = await new Promise<string>((resolve, reject) => {
      // Node itself with tsx's loader (not the tsx CLI, which would leave its node child running when killed).
      const loader = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
      const child = spawn(process.execPath, ['--import', loader, join(ROOT, 'infra/dev/start.ts'), '--dev'], {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: cwd, JML_STACK_DIR: stackDir, KAFKA_BROKERS: '127.0.0.1:9', TEMPORAL_ADDRESS: '127.0.0.1:9', REDIS_URL: 'redis://127.0.0.1:9' },
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        // Past the key: the rest would only fail to reach the closed ports.
        if (/development key/.test(out)) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve(out));
      child.on('error', reject);
    });
    const path = join(stackDir, DEV_SECRET_FILE);
    expect(printed).toMatch(/^\[start\] development mode/m);
    expect(printed).toContain(`using the development key generated now in ${path}`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).not.toContain('ZGV2LW9ubHktY2Fub25pY2FsLXNlY3JldC1jaGFuZ2UtbWU');
    expect(printed).not.toContain(readFileSync(path, 'utf8').trim());
  }, 30_000);

  it('startPipeline > with a gateway it refuses before connecting to anything', async () => {
    const endpoints = { kafkaBrokers: '127.0.0.1:9', temporalAddress: '127.0.0.1:9', redisUrl: 'redis://127.0.0.1:9' };
    await expect(startPipeline({ config: loadConfig({}), endpoints, log: pino({ level: 'silent' }), parts: { dispatcher: false, worker: false } })).rejects.toThrow(
      /^JML_CANONICAL_SECRET is not set/,
    );
  });
});
