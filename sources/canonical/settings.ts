import { z } from 'zod';
import { SecretRef } from '../../schemas/secret-ref';
import { SINGLE_TENANT } from '../sdk/define';
import { defineSettings, jsonText, optionalString } from '../sdk/settings';

/** One key of the canonical API (`JML_CANONICAL_SECRETS`) and what it may speak for. */
const CanonicalKeySettings = z.strictObject({
  secret: SecretRef,
  /** Prefixes of the event `source` this key may send (`/hr/bamboohr/`); any source when absent. */
  sources: z.array(z.string().min(1)).min(1).optional(),
  /** Prefixes of the event `subject` (person key) this key may send (`bamboohr:`); any subject when absent. */
  subjects: z.array(z.string().min(1)).min(1).optional(),
  /** Security actions this key may send (`jml.security.suspend` / `.restore`); none when absent. */
  actions: z.array(z.enum(['suspend', 'restore'])).min(1).optional(),
});

/** A key of the canonical API, resolved, with the prefixes it may speak for (any when absent). */
export interface CanonicalKeyConfig {
  /** Where it was configured (`JML_CANONICAL_SECRET`, `JML_CANONICAL_SECRETS[1]`): safe to log, unlike the key. */
  readonly name: string;
  readonly secret: string;
  readonly sources?: readonly string[];
  readonly subjects?: readonly string[];
  /** Security actions it may send; none when absent (an unscoped key sends HR events only). */
  readonly actions?: ReadonlyArray<'suspend' | 'restore'>;
}

/** The canonical API has no tenants: its one "tenant" ({@link SINGLE_TENANT}) is its list of keys. */
export interface CanonicalTenantConfig {
  /** At least one; any may sign. */
  readonly keys: readonly CanonicalKeyConfig[];
}

const canonicalEnv = {
  /** The canonical API's one key, unscoped (`whsec_<base64>`). */
  JML_CANONICAL_SECRET: optionalString,
  /** JSON: [{ secret: {env|file}, sources?: [prefix…], subjects?: [prefix…], actions?: [suspend|restore] }, …]: several keys (rotation, per-sender scopes). */
  JML_CANONICAL_SECRETS: jsonText(z.array(CanonicalKeySettings).min(1)),
};

/** `JML_CANONICAL_SECRET` (one key, unscoped) or `JML_CANONICAL_SECRETS` (a list), not both. */
export const canonicalSettings = defineSettings<typeof canonicalEnv, CanonicalTenantConfig>({
  env: canonicalEnv,
  resolve(env, ctx) {
    const keys = ((): CanonicalKeyConfig[] => {
      const single = env.JML_CANONICAL_SECRET;
      const list = env.JML_CANONICAL_SECRETS;
      if (single !== undefined && list !== undefined) {
        ctx.problem('JML_CANONICAL_SECRET and JML_CANONICAL_SECRETS are both set; set one (put the single key into the list)');
        return [];
      }
      if (single !== undefined) return ctx.keyIsStrong(single, 'JML_CANONICAL_SECRET', 'standard-webhooks') ? [{ name: 'JML_CANONICAL_SECRET', secret: single }] : [];
      return (list ?? []).flatMap((k, i) => {
        const name = `JML_CANONICAL_SECRETS[${i}]`;
        const [secret] = ctx.signingKeys(k.secret, `${name}.secret`, 'standard-webhooks') ?? [];
        if (secret === undefined) return [];
        return [{ name, secret, ...(k.sources ? { sources: k.sources } : {}), ...(k.subjects ? { subjects: k.subjects } : {}), ...(k.actions ? { actions: k.actions } : {}) }];
      });
    })();
    const tenants: Record<string, CanonicalTenantConfig> = keys.length > 0 ? { [SINGLE_TENANT]: { keys } } : {};
    return { tenants };
  },
});
