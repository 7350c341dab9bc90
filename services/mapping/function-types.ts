import type { Evaluator, LookupTable } from './evaluator';

/**
 * How a mapping function declares its parameters. The compiler checks every call against the
 * declaration, so a function's `build` receives arguments of exactly the declared kinds.
 *
 * - `value`: any expression, evaluated per person.
 * - `string`: a quoted literal, fixed at compile time (never a field: `replace` takes no pattern
 *   from person data).
 * - `int`: a non-negative integer literal within `min`..`max`.
 * - `literal`: a string or integer literal.
 * - `table`: the name of a lookup table of the same app, bare (`lookup(countries)`) or quoted.
 */
export type ParamKind = 'value' | 'string' | 'int' | 'literal' | 'table';

export interface ParamSpec {
  name: string;
  kind: ParamKind;
  /** For `int`: inclusive bounds. */
  min?: number;
  max?: number;
  /** For `string`: the empty string is refused. */
  nonEmpty?: boolean;
}

/** An argument after compilation. */
export type CompiledArg =
  | { kind: 'value'; evaluate: Evaluator }
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'literal'; value: string | number }
  | { kind: 'table'; name: string; table: LookupTable };

/** Where a call sits in its expression, for notes raised while it runs. */
export interface CallSite {
  /** 0-based offset of the function name. */
  position: number;
}

export interface BuildRequest {
  args: readonly CompiledArg[];
  site: CallSite;
}

export interface FunctionSpec {
  name: string;
  /** What it does, in one line (the full table with examples is in docs/attribute-mapping.md). */
  summary: string;
  params: readonly ParamSpec[];
  /** A variadic tail of this kind, with at least `min` arguments. */
  rest?: ParamSpec & { min: number };
  /** Whether `x | f(…)` is allowed; false where the first parameter is not a value. */
  pipeable: boolean;
  build(request: BuildRequest): Evaluator;
}

/** `truncate(value, n)`: the signature as errors and docs show it. */
export function signatureOf(spec: FunctionSpec): string {
  const names = spec.params.map((p) => p.name);
  if (spec.rest) names.push(`${spec.rest.name}…`);
  return `${spec.name}(${names.join(', ')})`;
}

// Accessors for `build`: the compiler guarantees kinds, so a mismatch is a bug in this module.

export function valueArg(args: readonly CompiledArg[], i: number): Evaluator {
  const a = args[i];
  if (a?.kind !== 'value') throw new Error(`mapping internal error: argument ${i} is not a value`);
  return a.evaluate;
}

export function valueArgs(args: readonly CompiledArg[], from: number): Evaluator[] {
  return args.slice(from).map((_, j) => valueArg(args, from + j));
}

export function stringArg(args: readonly CompiledArg[], i: number): string {
  const a = args[i];
  if (a?.kind !== 'string') throw new Error(`mapping internal error: argument ${i} is not a string literal`);
  return a.value;
}

export function intArg(args: readonly CompiledArg[], i: number): number {
  const a = args[i];
  if (a?.kind !== 'int') throw new Error(`mapping internal error: argument ${i} is not an integer literal`);
  return a.value;
}

export function literalArg(args: readonly CompiledArg[], i: number): string | number {
  const a = args[i];
  if (a?.kind !== 'literal') throw new Error(`mapping internal error: argument ${i} is not a literal`);
  return a.value;
}

export function tableArg(args: readonly CompiledArg[], i: number): { name: string; table: LookupTable } {
  const a = args[i];
  if (a?.kind !== 'table') throw new Error(`mapping internal error: argument ${i} is not a table`);
  return a;
}
