import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildDist, type BuildResult } from '../../infra/build/build';
import { appDownDrill } from '../drills/app-faults';
import { passed } from '../drills/types';

/**
 * The app outage of the fault drills' short subset in `npm test` (the full set: `npm run drill --
 * all`): the real scim2-server behind the drill fault proxy stops listening for 15 s during a
 * joiner burst, on the shared stack, with the drill's own invariants.
 */
describe('fault drills (short subset): an app outage', () => {
  const stack = inject('stack');
  let built: BuildResult;

  beforeAll(async () => {
    built = await buildDist({ outDir: join('.jml', `app-outage-test-${process.pid}`) });
  }, 120_000);
  afterAll(async () => {
    if (built) await rm(built.outDir, { recursive: true, force: true });
  });

  it('the scim app down 15 s mid burst: every joiner applied, one user a person in scim2-server, each effect once, reconcile --check passes', { timeout: 420_000 }, async () => {
    const lines: string[] = [];
    const report = await appDownDrill({ endpoints: stack, entry: built.entry }, { short: true, say: (l) => lines.push(l) });
    expect(report.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(report.events).toBe(30);
    // The ledger's effect and the scim user of each joiner.
    expect(report.effectsExpected).toBe(2 * report.events);
    expect(report.effectsSeen).toBe(report.effectsExpected);
    expect({ lost: report.lost, duplicated: report.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(passed(report)).toBe(true);
    // The outage was real and lasted, and the pipeline retried through it.
    expect(report.measured.downMs).toBeGreaterThanOrEqual(15_000);
    expect(report.measured.createdAfterOutage).toBeGreaterThan(0);
    expect(report.measured.stepRetries).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(/scim app down \(connections refused\) with \d+\/30 users created/);
  });
});
