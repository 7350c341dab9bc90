import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toolPaths } from './paths';
import { freePort, portInUse } from './process';
import { stackDown, stackStatus, stackUp, type StackPorts } from './stack';

const reuseAllButRedis = { kafkaBrokers: '127.0.0.1:1', temporalAddress: '127.0.0.1:1' };
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) {
    await stackDown({ dir, removeData: true });
  }
});

async function instance(): Promise<{ dir: string; ports: StackPorts }> {
  const dir = await mkdtemp(join(tmpdir(), 'jml-stack-'));
  dirs.push(dir);
  const ports = { kafka: 1, kafkaController: 1, temporal: 1, temporalUi: 1, temporalHttp: 1, temporalMetrics: 1, redis: await freePort() };
  return { dir, ports };
}

describe('stack manager', () => {
  it('up > starts a server, reuses it on the next up, and down stops only what it started', async () => {
    const { dir, ports } = await instance();
    const opts = { dir, ports, persistent: false, ui: false, reuse: reuseAllButRedis, tools: toolPaths(join(dir, 'cache')) };
    const first = await stackUp(opts);
    expect(first.started).toEqual(['redis']);
    expect(first.endpoints.redisUrl).toBe(`redis://127.0.0.1:${ports.redis}`);
    const second = await stackUp(opts);
    expect(second.started).toEqual([]);
    expect((await stackStatus({ dir, ports, reuse: reuseAllButRedis })).map((s) => [s.name, s.state])).toEqual([
      ['temporal', 'external'],
      ['kafka', 'external'],
      ['redis', 'running'],
    ]);
    await stackDown({ dir });
    expect(await portInUse(ports.redis)).toBe(false);
    expect((await stackStatus({ dir, ports, reuse: reuseAllButRedis })).find((s) => s.name === 'redis')?.state).toBe('stopped');
  });

  it('up > refuses a port held by someone else, in one line, and starts nothing', async () => {
    const { dir, ports } = await instance();
    const squatter = createServer().listen(ports.redis, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    try {
      await expect(
        stackUp({ dir, ports, persistent: false, ui: false, reuse: reuseAllButRedis, tools: toolPaths(join(dir, 'cache')) }),
      ).rejects.toThrow(new RegExp(`^port ${ports.redis} \\(redis\\): held by a process jml-pipeline did not start`));
      expect(existsSync(join(dir, 'pids', 'redis.pid'))).toBe(false);
    } finally {
      squatter.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
