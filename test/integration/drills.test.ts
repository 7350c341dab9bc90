import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildDist, type BuildResult } from '../../infra/build/build';
import { processKillDrill } from '../drills/process-kill';
import { passed } from '../drills/types';

/**
 * The short subset of the fault drills that runs in `npm test` (the full set: `npm run drill -- all`):
 * kill -9 of the worker process mid fan-out, on the shared stack, with the drill's own invariants.
 */
describe('fault drills (short subset)', () => {
  const stack = inject('stack');
  let built: BuildResult;

  beforeAll(async () => {
    built = await buildDist({ outDir: join('.jml', `drills-test-${process.pid}`) });
  }, 120_000);
  afterAll(async () => {
    if (built) await rm(built.outDir, { recursive: true, force: true });
  });

  it('kill -9 of the worker mid fan-out: every 2xx reaches an outcome, each effect once, reconcile --check passes', { timeout: 300_000 }, async () => {
    const lines: string[] = [];
    const report = await processKillDrill('worker', { endpoints: stack, entry: built.entry }, { short: true, say: (l) => lines.push(l) });
    expect(report.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(report.events).toBeGreaterThanOrEqual(30);
    expect(report.effectsSeen).toBe(report.effectsExpected);
    expect(report.effectsExpected).toBe(report.events);
    expect({ lost: report.lost, duplicated: report.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(passed(report)).toBe(true);
    expect(lines.join('\n')).toMatch(/kill -9 worker with \d+\/\d+ joiners applied/);
  });
});
