import { describe, it } from 'vitest';
import type { AnySource } from '../define';
import { sourceChecks, type KitContext } from './checks';
import { goldenFixtures } from './golden';
import { sourceKitHost } from './host';

const CHECK_TIMEOUT_MS = 30_000;

/**
 * Registers the source conformance kit for one source: call it once, at the top level of a vitest
 * test file (`runSourceConformance(acmeSource);`). Each check is a test: golden deliveries become
 * exactly their expected events; a redelivery produces nothing new; a wrong key, a stale timestamp
 * and an unknown tenant are answered 401 alike; an oversized body 413; a replay gets the first
 * answer back with `jml-replay: true`; a body that is not the source's payload 400 after its DLQ record.
 */
export function runSourceConformance(source: AnySource): void {
  describe(`${source.id} > source conformance`, () => {
    for (const check of sourceChecks(source)) {
      it(
        check.title,
        async (ctx) => {
          const outcome = await check.run(await kitContext(source));
          if (outcome) ctx.skip(outcome.skipped);
        },
        CHECK_TIMEOUT_MS,
      );
    }
  });
}

/**
 * Runs every check of the kit in turn, inside one test (the scaffold's test uses it on a source it
 * imports at run time); throws at the first failure. Returns the titles of the checks that ran and of those skipped.
 */
export async function checkSource(source: AnySource): Promise<{ passed: string[]; skipped: string[] }> {
  const kit = await kitContext(source);
  const passed: string[] = [];
  const skipped: string[] = [];
  for (const check of sourceChecks(source)) {
    const outcome = await check.run(kit);
    (outcome ? skipped : passed).push(check.title);
  }
  return { passed, skipped };
}

async function kitContext(source: AnySource): Promise<KitContext> {
  return { source, host: await sourceKitHost(), fixtures: goldenFixtures(source) };
}
