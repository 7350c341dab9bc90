import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import type { AppMapping } from './app-mapping';
import { MappingError } from './errors';
import type { EvalNote } from './evaluator';
import { type MappingProblem, problemsFromNotes } from './problems';
import { isAbsent, toText } from './value';

/** The question a connector answers about a candidate value. */
export interface IsTakenQuery {
  attribute: string;
  value: string;
}

export interface ResolveUniqueRequest {
  appId: string;
  mapping: AppMapping;
  person: PersonSnapshot;
  /** One of `mapping.unique`'s attributes. */
  attribute: string;
  /**
   * Whether the app already holds `value` for `attribute`. Supplied by the connector: the target
   * app is the source of truth. It must answer `false` for a value this same person already owns
   * (otherwise a re-run would move the person to the next candidate). Errors it throws propagate
   * unchanged, so a connector's retryable error stays retryable.
   */
  isTaken: (query: IsTakenQuery) => Promise<boolean>;
}

export interface ResolveUniqueResult {
  /** The first candidate value the app reported free; `null` when none was. */
  value: string | null;
  /** 0-based index of the candidate that produced `value`. */
  candidate?: number;
  /** The counter value that produced `value`, when the candidate uses `{n}`. */
  counter?: number;
  /** How many times `isTaken` was asked. */
  attempts: number;
  problems: MappingProblem[];
}

/**
 * Finds the first free value of a unique attribute. Candidates are tried in config order; a
 * candidate that uses `{n}` is tried with n = from, from+1, … to (config `uniqueCounter`, by
 * default 2 to 99) before the next candidate. Candidates with no value for this person are
 * skipped, and a value already asked about is not asked again. `isTaken` is called one value at
 * a time, so the result depends only on the person, the mapping and the app's taken set: the same
 * person always gets the same value for the same taken set.
 *
 * @throws MappingError `MAPPING_UNKNOWN_UNIQUE_ATTRIBUTE` when `attribute` is not a unique attribute.
 */
export async function resolveUnique(request: ResolveUniqueRequest): Promise<ResolveUniqueResult> {
  const { appId, mapping, person, attribute, isTaken } = request;
  const spec = mapping.unique.find((u) => u.name === attribute);
  if (spec === undefined) {
    throw new MappingError({
      code: 'MAPPING_UNKNOWN_UNIQUE_ATTRIBUTE',
      message: `app '${appId}' has no unique attribute '${attribute}'`,
      context: { appId, attribute },
    });
  }
  const asked = new Set<string>();
  const problems: MappingProblem[] = [];
  for (const [index, candidate] of spec.candidates.entries()) {
    const counters = candidate.usesCounter ? range(mapping.counter.from, mapping.counter.to) : [null];
    for (const counter of counters) {
      const notes: EvalNote[] = [];
      const value = candidate.evaluate({ person, counter, notes });
      if (isAbsent(value)) {
        problems.push(...problemsFromNotes({ appId, attribute, expression: candidate.source, notes }));
        // Without a value at one n, the candidate lacks a person field: no n will help.
        break;
      }
      const text = toText(value);
      if (asked.has(text)) continue;
      asked.add(text);
      if (!(await isTaken({ attribute, value: text }))) {
        return { value: text, candidate: index, ...(counter === null ? {} : { counter }), attempts: asked.size, problems: [] };
      }
    }
  }
  const exhausted = asked.size > 0;
  problems.push({
    appId,
    attribute,
    code: exhausted ? 'unique-exhausted' : 'unique-no-candidate',
    message: exhausted
      ? `every candidate value of '${attribute}' is taken (${asked.size} tried)`
      : `no candidate of '${attribute}' has a value for this person`,
  });
  return { value: null, attempts: asked.size, problems };
}

function* range(from: number, to: number): Generator<number> {
  for (let n = from; n <= to; n += 1) yield n;
}
