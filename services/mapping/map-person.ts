import type { AppAttributes } from '../../connectors/sdk/types';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import type { AppMapping } from './app-mapping';
import type { EvalNote } from './evaluator';
import { type MappingProblem, problemsFromNotes } from './problems';

export interface MapPersonRequest {
  appId: string;
  mapping: AppMapping;
  person: PersonSnapshot;
}

export interface MapPersonResult {
  /**
   * Every attribute of `mapping.attributes`, in config order; `null` where the expression has no
   * value for this person. Unique attributes are not here: resolve each with `resolveUnique`.
   */
  attributes: AppAttributes;
  /** Why attributes are `null`, where it is worth telling (a lookup miss, unrepresentable text). */
  problems: MappingProblem[];
}

/**
 * Maps a person to an app's attributes. Synchronous, pure and deterministic: the same person and
 * mapping always give the same result. Never throws.
 */
export function mapPerson(request: MapPersonRequest): MapPersonResult {
  const { appId, mapping, person } = request;
  const entries: Array<[string, AppAttributes[string]]> = [];
  const problems: MappingProblem[] = [];
  for (const { name, expression } of mapping.attributes) {
    const notes: EvalNote[] = [];
    const value = expression.evaluate({ person, counter: null, notes });
    entries.push([name, value]);
    if (value === null && notes.length > 0) {
      problems.push(...problemsFromNotes({ appId, attribute: name, expression: expression.source, notes }));
    }
  }
  // fromEntries defines own properties, so even an attribute named like an Object.prototype
  // member is plain data.
  return { attributes: Object.fromEntries(entries), problems };
}
