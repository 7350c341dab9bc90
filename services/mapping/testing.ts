import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { compileExpression } from './compile';
import type { EvalNote, LookupTable } from './evaluator';
import type { MappingValue } from './value';

/** Test fixtures for the mapping module (imported by its tests only). */

/** Ada Lovelace, with whatever fields a test overrides. */
export function person(overrides: Partial<PersonSnapshot> = {}): PersonSnapshot {
  return {
    employeeId: '1815',
    workerType: 'employee',
    status: 'active',
    givenName: 'Ada',
    familyName: 'Lovelace',
    ...overrides,
  };
}

export interface EvaluateOptions {
  person?: PersonSnapshot;
  tables?: Record<string, Record<string, MappingValue>>;
  counter?: number;
}

/** Compiles and evaluates one expression; throws with the compiler's issues if it does not compile. */
export function evaluate(source: string, options: EvaluateOptions = {}): MappingValue {
  return evaluateWithNotes(source, options).value;
}

export function evaluateWithNotes(source: string, options: EvaluateOptions = {}): { value: MappingValue; notes: EvalNote[] } {
  const tables: ReadonlyMap<string, LookupTable> = new Map(
    Object.entries(options.tables ?? {}).map(([name, entries]) => [name, new Map(Object.entries(entries))]),
  );
  const result = compileExpression({ source, tables, allowCounter: options.counter !== undefined });
  if (!result.ok) throw new Error(`does not compile: ${JSON.stringify(result.issues)}`);
  const notes: EvalNote[] = [];
  const value = result.expression.evaluate({ person: options.person ?? person(), counter: options.counter ?? null, notes });
  return { value, notes };
}

/** The issues of an expression that must not compile. */
export function issuesOf(source: string, options: { allowCounter?: boolean; tables?: string[] } = {}): Array<{ column: number; message: string }> {
  const tables: ReadonlyMap<string, LookupTable> = new Map((options.tables ?? []).map((t) => [t, new Map()]));
  const result = compileExpression({ source, tables, allowCounter: options.allowCounter ?? false });
  if (result.ok) throw new Error(`expected ${JSON.stringify(source)} not to compile`);
  return result.issues.map((i) => ({ column: i.position + 1, message: i.message }));
}
