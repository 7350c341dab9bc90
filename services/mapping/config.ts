import { z } from 'zod';

/**
 * The shape of per-app mapping configuration, as it appears in the pipeline's config file under
 * each app instance. zod checks the structure; `compileMappings` then parses and checks every
 * expression, and reports structural and expression problems together.
 */

/** App instance ids, as elsewhere in the pipeline (lowercase letters, digits, dashes). */
export const APP_ID_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

/** Limits that keep a config readable and evaluation cheap. */
export const MAPPING_LIMITS = {
  expressionLength: 2048,
  candidatesPerAttribute: 20,
  counterMax: 9999,
} as const;

/**
 * An app's attribute name, verbatim: SCIM paths (`name.givenName`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`) and LDAP
 * attribute types (`sAMAccountName`) alike.
 */
export const AttributeName = z
  .string()
  .min(1)
  .max(256)
  .refine((name) => ![...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'attribute names have no control characters');

export const ExpressionSource = z.string().min(1, 'expression is empty').max(MAPPING_LIMITS.expressionLength);

/** Table names are identifiers, so that `lookup(countries)` can name them bare. */
export const TableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'table names are a letter or _ then letters, digits, _ or - (at most 64)');

export const LookupValue = z.union([z.string().max(2048), z.number(), z.boolean(), z.null()]);

export const AttributesSection = z.record(AttributeName, ExpressionSource);
export const UniqueCandidates = z.array(ExpressionSource).min(1).max(MAPPING_LIMITS.candidatesPerAttribute);
export const UniqueSection = z.record(AttributeName, UniqueCandidates);
export const LookupsSection = z.record(TableName, z.record(z.string().max(512), LookupValue));
/** The counter `{n}` runs from 2 to 99 unless an app says otherwise. */
export const DEFAULT_COUNTER = Object.freeze({ from: 2, to: 99 });

export const CounterSection = z
  .strictObject({
    from: z.int().min(0).max(MAPPING_LIMITS.counterMax).default(DEFAULT_COUNTER.from),
    to: z.int().min(0).max(MAPPING_LIMITS.counterMax).default(DEFAULT_COUNTER.to),
  })
  .refine((c) => c.from <= c.to, { message: 'uniqueCounter.from must not exceed uniqueCounter.to' });

/**
 * One app instance's mapping:
 * - `attributes`: app attribute → expression;
 * - `unique`: app attribute → candidate expressions, tried in order until the app reports one free;
 * - `lookups`: table → key → value, for `lookup(table)`;
 * - `uniqueCounter`: the values `{n}` takes in unique candidates (default 2 to 99).
 */
export const AppMappingConfig = z.strictObject({
  attributes: AttributesSection,
  unique: UniqueSection.optional(),
  lookups: LookupsSection.optional(),
  uniqueCounter: CounterSection.optional(),
});
export type AppMappingConfig = z.input<typeof AppMappingConfig>;

/** Mappings of every app instance, keyed by app id. */
export const MappingsConfig = z.record(z.string().regex(APP_ID_PATTERN, 'app ids are lowercase letters, digits and dashes'), AppMappingConfig);
export type MappingsConfig = z.input<typeof MappingsConfig>;
