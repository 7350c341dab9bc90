import type { CompiledExpression } from './compile';

/** An attribute whose value is one expression. */
export interface CompiledAttribute {
  readonly name: string;
  readonly expression: CompiledExpression;
}

/** An attribute whose value must be unique in the app: candidates in the order they are tried. */
export interface CompiledUnique {
  readonly name: string;
  readonly candidates: readonly CompiledExpression[];
}

/**
 * One app's mapping, compiled once at config load and frozen. Evaluating it parses nothing.
 * Attributes keep the order of the configuration.
 */
export interface AppMapping {
  readonly appId: string;
  readonly attributes: readonly CompiledAttribute[];
  readonly unique: readonly CompiledUnique[];
  /** The values the counter `{n}` runs through, inclusive. */
  readonly counter: { readonly from: number; readonly to: number };
}
