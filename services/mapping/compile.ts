import type { CallNode, ExprNode, RefNode, TemplateNode } from './ast';
import type { EvalScope, Evaluator, LookupTable } from './evaluator';
import { COUNTER, CUSTOM, PERSON_FIELDS, type PersonField } from './fields';
import { type CompiledArg, type ParamSpec, signatureOf } from './function-types';
import { FUNCTIONS } from './functions';
import { ExpressionSyntaxError, parseExpression } from './parse';
import { closestName } from '../../schemas/closest-name';
import { type MappingValue, fromPersonValue, isAbsent, toText } from './value';

/**
 * Compiles an expression once into a closure tree; evaluating it is then a few function calls per
 * person, with no parsing. Compilation checks every name (field, function, lookup table), every
 * call's arity and every literal argument, and reports all such mistakes of the expression at once.
 */

/** A mistake in one expression, at a 0-based offset. */
export interface ExpressionIssue {
  position: number;
  message: string;
}

export interface CompileExpressionRequest {
  source: string;
  /** The app's lookup tables; `null` when they are themselves invalid (table names go unchecked). */
  tables: ReadonlyMap<string, LookupTable> | null;
  /** Whether the collision counter `{n}` may appear (unique candidates only). */
  allowCounter: boolean;
}

/** A ready-to-run expression. */
export interface CompiledExpression {
  readonly source: string;
  /** Evaluates for one person. The empty string comes back as `null`. Never throws. */
  readonly evaluate: (scope: EvalScope) => MappingValue;
  /** Whether the expression reads the counter `{n}`. */
  readonly usesCounter: boolean;
}

export type CompileExpressionResult =
  | { ok: true; expression: CompiledExpression }
  | { ok: false; issues: ExpressionIssue[] };

export function compileExpression(request: CompileExpressionRequest): CompileExpressionResult {
  let tree: TemplateNode;
  try {
    tree = parseExpression(request.source);
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) return { ok: false, issues: [{ position: err.position, message: err.message }] };
    throw err;
  }
  const compiler = new Compiler(request);
  const evaluate = compiler.template(tree);
  if (compiler.issues.length > 0) return { ok: false, issues: compiler.issues };
  return { ok: true, expression: Object.freeze({ source: request.source, evaluate, usesCounter: compiler.usesCounter }) };
}

const EMPTY_TABLE: LookupTable = new Map();
const constant =
  (value: MappingValue): Evaluator =>
  () =>
    value;
const emptyToNull = (v: MappingValue): MappingValue => (v === '' ? null : v);

class Compiler {
  readonly issues: ExpressionIssue[] = [];
  usesCounter = false;

  constructor(private readonly request: CompileExpressionRequest) {}

  /**
   * Template rules: text alone is a constant; one placeholder alone keeps its value's type
   * (`{custom.fte}` stays a number); text with placeholders is text, and `null` as soon as one
   * placeholder is absent (so no `.smith@example.com` for a person without a given name).
   */
  template(tree: TemplateNode): Evaluator {
    const parts = tree.parts.map((part) => (part.kind === 'text' ? part.text : this.node(part.expr)));
    if (parts.length === 0) return constant(null);
    if (parts.length === 1) {
      const only = parts[0]!;
      if (typeof only === 'string') return constant(only);
      return (scope) => emptyToNull(only(scope));
    }
    return (scope) => {
      let out = '';
      for (const part of parts) {
        if (typeof part === 'string') {
          out += part;
          continue;
        }
        const v = part(scope);
        if (isAbsent(v)) return null;
        out += toText(v);
      }
      return emptyToNull(out);
    };
  }

  private node(node: ExprNode): Evaluator {
    switch (node.kind) {
      case 'string':
      case 'number':
        return constant(node.value);
      case 'ref':
        return this.ref(node);
      case 'call':
        return this.call(node);
    }
  }

  private ref(node: RefNode): Evaluator {
    const { name, key } = node;
    if (name === CUSTOM) {
      if (key === undefined) return this.fail(node.pos, `'custom' needs a member: custom.<name> or custom["<name>"]`);
      return (scope) => {
        const custom = scope.person.custom;
        // Own properties only: `custom.constructor` is a missing field, not Object's constructor.
        return custom !== undefined && Object.hasOwn(custom, key) ? fromPersonValue(custom[key]) : null;
      };
    }
    if (key !== undefined) return this.fail(node.pos, `'${name}' has no members; only custom.<name> has`);
    if (name === COUNTER) {
      if (!this.request.allowCounter) return this.fail(node.pos, "the counter {n} is only available in unique candidates");
      this.usesCounter = true;
      return (scope) => scope.counter;
    }
    if (PERSON_FIELDS.has(name as PersonField)) {
      const field = name as PersonField;
      return (scope) => fromPersonValue(scope.person[field]);
    }
    if (FUNCTIONS.has(name)) {
      return this.fail(node.pos, `'${name}' is a function: call it as ${name}(…) or pipe into it, value | ${name}`);
    }
    const hint = closestName(name, PERSON_FIELDS);
    return this.fail(node.pos, `unknown field '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
  }

  private call(node: CallNode): Evaluator {
    const spec = FUNCTIONS.get(node.name);
    if (spec === undefined) {
      // A piped input is surely a value: compile it so that its own mistakes are reported too.
      // Other arguments may be literals or table names, which compiling as values would misreport.
      if (node.piped && node.args[0]) this.node(node.args[0]);
      const hint = closestName(node.name, FUNCTIONS.keys());
      return this.fail(node.pos, `unknown function '${node.name}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    if (node.piped && !spec.pipeable) {
      return this.fail(node.pos, `${spec.name} cannot take a piped value; call it as ${signatureOf(spec)}`);
    }
    const fixed = spec.params.length;
    const min = fixed + (spec.rest?.min ?? 0);
    const max = spec.rest ? Number.POSITIVE_INFINITY : fixed;
    if (node.args.length < min || node.args.length > max) {
      const piped = node.piped ? ' (in a pipe, the piped value is the first argument)' : '';
      return this.fail(node.pos, `${spec.name} expects ${signatureOf(spec)}, got ${node.args.length} argument(s)${piped}`);
    }
    const before = this.issues.length;
    const args = node.args.map((arg, i) => this.arg(spec.name, i < fixed ? spec.params[i]! : spec.rest!, arg));
    const checked = args.filter((a): a is CompiledArg => a !== undefined);
    if (this.issues.length > before || checked.length !== args.length) return constant(null);
    return spec.build({ args: checked, site: { position: node.pos } });
  }

  private arg(fn: string, param: ParamSpec, node: ExprNode): CompiledArg | undefined {
    const where = `argument '${param.name}' of ${fn}`;
    switch (param.kind) {
      case 'value':
        return { kind: 'value', evaluate: this.node(node) };
      case 'string':
        if (node.kind !== 'string') return this.argFail(node.pos, `${where} must be a quoted string literal`);
        if (param.nonEmpty && node.value === '') return this.argFail(node.pos, `${where} must not be empty`);
        return { kind: 'string', value: node.value };
      case 'int': {
        if (node.kind !== 'number') return this.argFail(node.pos, `${where} must be an integer literal`);
        const { min = 0, max = Number.MAX_SAFE_INTEGER } = param;
        if (node.value < min || node.value > max) return this.argFail(node.pos, `${where} must be between ${min} and ${max}`);
        return { kind: 'int', value: node.value };
      }
      case 'literal':
        if (node.kind !== 'string' && node.kind !== 'number') return this.argFail(node.pos, `${where} must be a string or integer literal`);
        return { kind: 'literal', value: node.value };
      case 'table':
        return this.table(where, node);
    }
  }

  private table(where: string, node: ExprNode): CompiledArg | undefined {
    const name = node.kind === 'string' ? node.value : node.kind === 'ref' && node.key === undefined ? node.name : undefined;
    if (name === undefined) return this.argFail(node.pos, `${where} must name a lookup table`);
    const tables = this.request.tables;
    if (tables === null) return { kind: 'table', name, table: EMPTY_TABLE };
    const table = tables.get(name);
    if (table === undefined) {
      const hint = closestName(name, tables.keys());
      const known = tables.size === 0 ? 'this app defines no lookups' : `known: ${[...tables.keys()].join(', ')}`;
      return this.argFail(node.pos, `unknown lookup table '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}; ${known}`);
    }
    return { kind: 'table', name, table };
  }

  private fail(position: number, message: string): Evaluator {
    this.issues.push({ position, message });
    return constant(null);
  }

  private argFail(position: number, message: string): undefined {
    this.issues.push({ position, message });
    return undefined;
  }
}
