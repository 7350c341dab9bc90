import type { z } from 'zod';
import type { AppMapping, CompiledAttribute, CompiledUnique } from './app-mapping';
import { type CompiledExpression, compileExpression } from './compile';
import type { AttributesSection, UniqueSection } from './config';
import {
  APP_ID_PATTERN,
  AppMappingConfig,
  AttributeName,
  CounterSection,
  DEFAULT_COUNTER,
  ExpressionSource,
  LookupsSection,
  UniqueCandidates,
} from './config';
import { MappingConfigError, type MappingIssue } from './errors';
import type { LookupTable } from './evaluator';

/**
 * Loads mapping configuration at boot: checks its structure with zod, compiles every expression
 * once, and either returns frozen, ready-to-run mappings or throws one {@link MappingConfigError}
 * listing every problem of every app (structure and expressions alike).
 */

export interface CompileMappingsRequest {
  /** App id → that app's mapping config, as read from the config file (unvalidated). */
  config: unknown;
}

/**
 * Compiles the mappings of all apps.
 * @throws MappingConfigError with every problem found.
 */
export function compileMappings(request: CompileMappingsRequest): ReadonlyMap<string, AppMapping> {
  const issues: MappingIssue[] = [];
  const mappings = new Map<string, AppMapping>();
  const { config } = request;
  if (!isPlainObject(config)) throw new MappingConfigError([{ message: 'mappings must be an object of app id → mapping' }]);
  for (const appId of Object.keys(config)) {
    if (!APP_ID_PATTERN.test(appId)) {
      issues.push({ appId, message: 'app ids are lowercase letters, digits and dashes (at most 63)' });
      continue;
    }
    const mapping = compileApp(appId, config[appId], issues);
    if (mapping) mappings.set(appId, mapping);
  }
  if (issues.length > 0) throw new MappingConfigError(issues);
  return mappings;
}

export interface CompileAppMappingRequest {
  appId: string;
  config: unknown;
}

/**
 * Compiles one app's mapping.
 * @throws MappingConfigError with every problem found.
 */
export function compileAppMapping(request: CompileAppMappingRequest): AppMapping {
  const issues: MappingIssue[] = [];
  const mapping = compileApp(request.appId, request.config, issues);
  if (!mapping || issues.length > 0) throw new MappingConfigError(issues);
  return mapping;
}

type Sections = {
  attributes?: z.output<typeof AttributesSection>;
  unique?: z.output<typeof UniqueSection>;
  /** `null`: present but invalid, so table names cannot be checked. */
  lookups?: z.output<typeof LookupsSection> | null;
  counter: { from: number; to: number };
};

/** Compiles one app, appending its problems to `issues`; returns a mapping only if it had none. */
function compileApp(appId: string, raw: unknown, issues: MappingIssue[]): AppMapping | undefined {
  const before = issues.length;
  reservedKeys(appId, raw, issues);
  const parsed = AppMappingConfig.safeParse(raw);
  let sections: Sections;
  if (parsed.success) {
    const { attributes, unique, lookups, uniqueCounter } = parsed.data;
    sections = { attributes, unique, lookups, counter: uniqueCounter ?? DEFAULT_COUNTER };
  } else {
    for (const zi of parsed.error.issues) issues.push(structuralIssue(appId, zi));
    // Compile whatever sections are valid on their own, so expression mistakes show up now too.
    sections = partialSections(raw);
  }

  const tables = sections.lookups === null ? null : toTables(sections.lookups ?? {});
  const compile = (path: string, attribute: string, source: string, allowCounter: boolean, candidate?: number): CompiledExpression | undefined => {
    const result = compileExpression({ source, tables, allowCounter });
    if (result.ok) return result.expression;
    for (const issue of result.issues) {
      issues.push({
        appId,
        path,
        attribute,
        ...(candidate === undefined ? {} : { candidate }),
        expression: source,
        column: issue.position + 1,
        message: issue.message,
      });
    }
    return undefined;
  };

  const attributes: CompiledAttribute[] = [];
  for (const [name, source] of Object.entries(sections.attributes ?? {})) {
    const expression = compile(`attributes.${name}`, name, source, false);
    if (expression) attributes.push(Object.freeze({ name, expression }));
  }
  const unique: CompiledUnique[] = [];
  for (const [name, sources] of Object.entries(sections.unique ?? {})) {
    if (sections.attributes && Object.hasOwn(sections.attributes, name)) {
      issues.push({ appId, path: `unique.${name}`, attribute: name, message: `'${name}' is in both attributes and unique; keep it in one` });
    }
    const candidates = sources.map((source, i) => compile(`unique.${name}[${i}]`, name, source, true, i));
    unique.push(Object.freeze({ name, candidates: Object.freeze(candidates.filter((c) => c !== undefined)) }));
  }

  if (issues.length > before) return undefined;
  return Object.freeze({
    appId,
    attributes: Object.freeze(attributes),
    unique: Object.freeze(unique),
    counter: Object.freeze({ ...sections.counter }),
  });
}

function toTables(lookups: z.output<typeof LookupsSection>): ReadonlyMap<string, LookupTable> {
  return new Map(Object.entries(lookups).map(([name, entries]) => [name, new Map(Object.entries(entries))]));
}

/**
 * The parts of an invalid app config that are valid on their own, entry by entry, so that one
 * malformed attribute does not hide the expression mistakes of the others.
 */
function partialSections(raw: unknown): Sections {
  const obj = isPlainObject(raw) ? raw : {};
  const validEntries = <T>(value: unknown, schema: z.ZodType<T>): Record<string, T> | undefined => {
    if (!isPlainObject(value)) return undefined;
    const kept: Record<string, T> = {};
    for (const [key, entry] of Object.entries(value)) {
      const one = schema.safeParse(entry);
      if (AttributeName.safeParse(key).success && one.success) kept[key] = one.data;
    }
    return kept;
  };
  const lookups = obj.lookups === undefined ? undefined : LookupsSection.safeParse(obj.lookups);
  const counter = CounterSection.safeParse(obj.uniqueCounter ?? {});
  return {
    attributes: validEntries(obj.attributes, ExpressionSource),
    unique: validEntries(obj.unique, UniqueCandidates),
    lookups: lookups === undefined ? undefined : lookups.success ? lookups.data : null,
    counter: counter.success ? counter.data : DEFAULT_COUNTER,
  };
}

function structuralIssue(appId: string, zi: z.core.$ZodIssue): MappingIssue {
  const path = zi.path.map(String);
  const [section, attribute, index] = path;
  const named = (section === 'attributes' || section === 'unique') && attribute !== undefined;
  const issue: MappingIssue = { appId, message: zi.message };
  if (path.length > 0) issue.path = zi.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
  if (named) issue.attribute = attribute;
  if (named && section === 'unique' && index !== undefined) issue.candidate = Number(index);
  return issue;
}

/**
 * Names JavaScript objects reserve. zod drops a `__proto__` key without a word and refuses a
 * record with a `constructor` key as "not a record"; name the problem instead.
 */
const RESERVED_NAMES = ['__proto__', 'constructor'] as const;

function reservedKeys(appId: string, raw: unknown, issues: MappingIssue[]): void {
  if (!isPlainObject(raw)) return;
  const check = (value: unknown, path: string): void => {
    if (!isPlainObject(value)) return;
    for (const name of RESERVED_NAMES) {
      if (Object.hasOwn(value, name)) issues.push({ appId, path: `${path}.${name}`, message: `'${name}' is reserved and cannot be used as a name` });
    }
  };
  check(raw.attributes, 'attributes');
  check(raw.unique, 'unique');
  check(raw.lookups, 'lookups');
  if (isPlainObject(raw.lookups)) {
    for (const [table, entries] of Object.entries(raw.lookups)) check(entries, `lookups.${table}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
