import { rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One integration run at a time on servers that several runs reuse (KAFKA_BROKERS, TEMPORAL_ADDRESS,
 * REDIS_URL): every run's dispatcher reads the shared topics from "now" and starts person workflows,
 * whose ids are global, on its own task queue, so two runs at once would apply each other's events
 * with each other's policies. A run that starts its own servers needs no lock.
 *
 * The lock is a directory holding the owner's pid; a lock whose owner is gone is taken over.
 */
export async function acquireRunLock(opts: { say: (line: string) => void; path?: string; timeoutMs?: number }): Promise<() => Promise<void>> {
  const dir = opts.path ?? join(tmpdir(), 'jml-pipeline-integration.lock');
  const deadline = Date.now() + (opts.timeoutMs ?? 45 * 60_000);
  let told = false;
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(join(dir, 'pid'), String(process.pid));
      const release = async () => {
        if ((await ownerOf(dir)) === process.pid) await rm(dir, { recursive: true, force: true });
      };
      // A run that ends without its teardown still frees the lock (a killed one is taken over by pid).
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await ownerOf(dir);
    if (owner !== undefined && !alive(owner)) {
      opts.say(`taking over the integration lock of pid ${owner}, which is gone`);
      await rm(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another integration run (pid ${owner ?? '?'}) holds ${dir}; gave up waiting`);
    if (!told) opts.say(`waiting for another integration run on the same servers (pid ${owner ?? '?'}) to finish ...`);
    told = true;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

async function ownerOf(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, 'pid'), 'utf8').catch(() => undefined);
  const pid = Number(text);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
