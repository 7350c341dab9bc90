import { z } from 'zod';
import { SecretRef } from '../../schemas/secret-ref';

/**
 * How a source is configured: the environment variables it reads (a zod shape, parsed with every
 * other variable at boot so that all problems are listed at once) and how the parsed values become
 * its resolved tenants. services/config.ts composes every registered source's settings; the
 * secrets themselves are read there and handed in through {@link SettingsContext}.
 */
export interface SourceSettings<Tenant> {
  /** The variable holding the tenants as JSON (`JML_BAMBOOHR_TENANTS`); absent for a source configured otherwise. */
  tenantsVariable?: string;
  /** The variables this source reads, by name. */
  env: z.ZodRawShape;
  /** From the parsed variables to the resolved configuration; reports problems through `ctx` instead of throwing. */
  resolve(env: Readonly<Record<string, unknown>>, ctx: SettingsContext): ResolvedSettings<Tenant>;
}

export interface ResolvedSettings<Tenant> {
  /** Tenants whose secrets all resolved, by name; a tenant with a problem is left out (and the problem reported). */
  tenants: Readonly<Record<string, Tenant>>;
  /** Milliseconds between reconciliation polls per tenant; 0 = off; absent for a source that does not poll. */
  pollIntervalMs?: number;
}

/** What config gives a source while resolving it: secret reading and problem reporting. */
export interface SettingsContext {
  /** One secret; adds the problem `<path>: <why>` and returns undefined when it cannot be read. */
  secret(ref: SecretRef, path: string): string | undefined;
  /**
   * Signing keys from one reference or a rotation list, each checked for strength (`<path>[i]: the
   * key is 5 bytes long…`); undefined, with a problem per bad key, when any is unusable.
   */
  signingKeys(refs: SecretRef | readonly SecretRef[], path: string, encoding: 'utf8' | 'standard-webhooks'): string[] | undefined;
  /** Checks a key given as a value (not a reference); adds `<path>: the key …` and returns false when it is too weak. */
  keyIsStrong(value: string, path: string, encoding: 'utf8' | 'standard-webhooks'): boolean;
  problem(message: string): void;
}

/** Settings typed by their shape: `resolve` gets the parsed variables of `env`. */
export function defineSettings<Shape extends z.ZodRawShape, Tenant>(settings: {
  tenantsVariable?: string;
  env: Shape;
  resolve(env: z.output<z.ZodObject<Shape>>, ctx: SettingsContext): ResolvedSettings<Tenant>;
}): SourceSettings<Tenant> {
  return settings as SourceSettings<Tenant>;
}

/** A tenant's name: the route segment and the event `source` segment. */
export const TenantName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);

/** One secret or, during a rotation, several (any one may verify a delivery). */
export const SecretRefs = z.union([SecretRef, z.array(SecretRef).min(1)]);

/** An optional variable; blank counts as unset, and the value is trimmed. */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** An optional variable holding JSON that `schema` parses; blank counts as unset. */
export const jsonText = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (!text || text.trim() === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema.optional());

/** `JML_<ID>_TENANTS`: a JSON object of tenants by name, each parsed by `tenant`. */
export const tenantsVariable = <T extends z.ZodType>(tenant: T) => jsonText(z.record(TenantName, tenant));

/** Seconds between polls of each tenant as milliseconds; 0 turns polling off. */
export const pollIntervalSeconds = (defaultSeconds: number) => z.coerce.number().int().min(0).default(defaultSeconds);
