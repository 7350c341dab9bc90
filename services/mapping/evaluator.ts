import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import type { MappingValue } from './value';

/**
 * What a compiled expression runs with. Evaluation is synchronous, pure and deterministic: it
 * reads only the person, the counter and the lookup tables fixed at compile time (no clock, no
 * randomness, no I/O).
 */
export interface EvalScope {
  person: PersonSnapshot;
  /** The collision counter `n` of a unique candidate (2, 3, …); `null` elsewhere. */
  counter: number | null;
  /** Facts that explain a `null` result; the caller reports them only when the result is `null`. */
  notes: EvalNote[];
}

/** Why part of an expression produced nothing. Never carries person data (it may be logged). */
export interface EvalNote {
  code: 'lookup-miss' | 'ascii-unrepresentable';
  /** 0-based offset of the function call in the expression. */
  position: number;
  message: string;
}

/** A compiled expression node. */
export type Evaluator = (scope: EvalScope) => MappingValue;

/** A lookup table from configuration: exact, case-sensitive keys. */
export type LookupTable = ReadonlyMap<string, MappingValue>;
