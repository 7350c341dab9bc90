import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import type { AnyConnector } from '../types';
import { actions, missingCapabilities, type Actions } from './actions';
import { createHarness, type Harness } from './harness';
import type { Scenario } from './scenario';
import { adoptionScenarios } from './scenarios-adoption';
import { compensationScenarios } from './scenarios-compensation';
import { errorScenarios } from './scenarios-errors';
import { lifecycleScenarios } from './scenarios-lifecycle';
import { listScenarios } from './scenarios-list';
import { safetyScenarios } from './scenarios-safety';
import { uniqueScenarios } from './scenarios-unique';
import { SCENARIOS, type ConformanceTarget, type TargetSource } from './target';

/** Every scenario, in run order; the secrets check runs last so that it searches everything logged. */
export const ALL_SCENARIOS: readonly Scenario[] = [
  ...lifecycleScenarios,
  ...uniqueScenarios,
  ...compensationScenarios,
  ...adoptionScenarios,
  ...listScenarios,
  ...errorScenarios,
  ...safetyScenarios,
];

const SCENARIO_TIMEOUT_MS = 30_000;
const MIN_SECRET_LENGTH = 8;

/**
 * Registers the conformance suite of one connector against one target: call it once, at the top
 * level of a vitest test file. Scenarios run in order inside one `describe`; the target's `reset()`
 * runs before each. A scenario is skipped only with a written reason (the target's `skip`) or when
 * the connector does not declare the capability it needs; a missing fault hook without a reason
 * fails. The kit never disposes the connector: do that in `target.dispose` or your own afterAll.
 */
export function runConformance(connector: AnyConnector, target: TargetSource): void {
  describe(`${connector.id} > conformance`, () => {
    let h: Harness | undefined;
    let act: Actions | undefined;

    beforeAll(async () => {
      const resolved = typeof target === 'function' ? await target() : target;
      checkTarget(resolved);
      const parsed = connector.config.safeParse(resolved.config);
      // An unparseable config fails the definition scenario with every issue; the others use the raw input.
      h = createHarness({ connector, target: resolved, config: parsed.success ? parsed.data : resolved.config });
      act = actions(h);
    }, 300_000);

    beforeEach(async () => {
      await h?.target.reset();
    }, 60_000);

    afterAll(async () => {
      await h?.target.dispose?.();
    }, 60_000);

    for (const scenario of ALL_SCENARIOS) {
      it(
        scenario.title,
        async (ctx) => {
          if (!h || !act) throw new Error('the conformance target failed to start (see beforeAll)');
          const reason = h.target.skip?.[scenario.id];
          if (reason) ctx.skip(reason);
          const missing = missingCapabilities(h, scenario.requires);
          if (missing.length > 0) ctx.skip(`connector '${connector.id}' does not declare ${missing.join(', ')}`);
          await scenario.run({ h, act });
        },
        SCENARIO_TIMEOUT_MS,
      );
    }
  });
}

/** Rejects targets whose skips or secrets would make the suite pass for the wrong reason. */
function checkTarget(target: ConformanceTarget): void {
  const problems: string[] = [];
  for (const [id, reason] of Object.entries(target.skip ?? {})) {
    if (!(SCENARIOS as readonly string[]).includes(id)) problems.push(`skip names an unknown scenario '${id}'`);
    if (typeof reason !== 'string' || reason.trim().length < 10) problems.push(`skip of '${id}' needs a written reason`);
  }
  for (const [name, value] of Object.entries(target.secrets)) {
    if (value.length < MIN_SECRET_LENGTH) problems.push(`secret '${name}' is shorter than ${MIN_SECRET_LENGTH} characters: searching logs for it proves nothing`);
  }
  if (problems.length > 0) throw new Error(`conformance target '${target.name}' is not usable:\n  - ${problems.join('\n  - ')}`);
}
