import type { Capability } from '../types';
import type { Actions } from './actions';
import type { Harness } from './harness';
import type { ScenarioId } from './target';

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
