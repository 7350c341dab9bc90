import { expect } from 'vitest';
import { isConnectorError } from '../errors';
import type { Capability, OperationResult } from '../types';
import type { Actions } from './actions';
import type { Harness, TestPerson } from './harness';
import type { CredentialHooks, HandMadeAccounts, ScenarioId } from './target';

/** What a scenario body receives. */
export interface ScenarioEnv {
  h: Harness;
  act: Actions;
}

/** One scenario of the kit: registered as one `it` inside the kit's `describe`. */
export interface Scenario {
  id: ScenarioId;
  /** Reads as a sentence after the describe title, e.g. `joiner > twice is already-in-state`. */
  title: string;
  /** Capabilities the scenario exercises; a connector without them skips it with that reason. */
  requires: readonly Capability[];
  run(env: ScenarioEnv): Promise<void>;
}

/** Outcomes that mean "nothing to do" when an operation meets no account. */
export const NOTHING_TO_DO = ['already-in-state', 'not-applicable'] as const;

/**
 * Runs an operation for a person no step returned a ref for, so the workflow has none to pass (the
 * account was never created, or the forward step failed before reaching the app). A connector that
 * finds accounts by the person key reports that there is nothing to do; on a target marked
 * `findsAccountsOnlyByRef` it cannot know, and must refuse with `invalid-request` rather than guess.
 */
export async function expectNothingToDo(h: Harness, run: () => Promise<OperationResult>, allowed: readonly string[] = NOTHING_TO_DO): Promise<void> {
  if (!h.target.findsAccountsOnlyByRef) {
    expect(allowed).toContain((await run()).outcome);
    return;
  }
  const err = await run().then(
    (result) => new Error(`expected invalid-request without a ref, got ${JSON.stringify(result)}`),
    (e: unknown) => e,
  );
  expect(isConnectorError(err) ? err.code : String(err)).toBe('invalid-request');
}

/** Checks that the app holds no account for a person the kit carries no ref for (see {@link expectNothingToDo}). */
export async function expectNoAccount(h: Harness, act: Actions, p: TestPerson): Promise<void> {
  expect(act.carriedRef(p), 'only for a person no step returned a ref for').toBeUndefined();
  await expectNothingToDo(h, async () => ((await act.read(p)).exists ? { outcome: 'applied' } : { outcome: 'not-applicable' }), ['not-applicable']);
}

/** The target's hooks for accounts made outside the pipeline; a scenario that needs them fails, naming itself, when the target has none. */
export function handMadeHooks(h: Harness, scenario: ScenarioId): HandMadeAccounts {
  const handMade = h.target.handMade;
  if (!handMade) throw new Error(`target '${h.target.name}' has no handMade hooks; provide them or skip '${scenario}' with a reason`);
  return handMade;
}

/** The target's hooks that give an account credentials; a scenario that needs them fails, naming itself, when the target has none. */
export function credentialHooks(h: Harness, scenario: ScenarioId): CredentialHooks {
  const credentials = h.target.credentials;
  if (!credentials) throw new Error(`target '${h.target.name}' has no credentials hooks; provide them or skip '${scenario}' with a reason`);
  return credentials;
}
