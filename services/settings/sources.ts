import type { z } from 'zod';
import { SOURCES, type SourceId, type TenantOf } from '../../sources/registry';
import type { ResolvedSettings, SettingsContext } from '../../sources/sdk/settings';
import { hmacKeyProblem, resolveSecret, type SecretRef } from '../secrets';

/**
 * The HR sources' settings, composed from the registry: each source owns its variables and how
 * they become tenants (sources/<id>/settings.ts); this module reads their secrets for them.
 */

/** Every registered source's tenants (and poll interval), by source id. */
export type SourceTenants = { readonly [K in SourceId]: ResolvedSettings<TenantOf<(typeof SOURCES)[K]>> };

/** The variables of every registered source, for the one boot-time parse. */
export const sourcesEnv: z.ZodRawShape = Object.assign({}, ...Object.values(SOURCES).map((s) => s.settings.env));

/** Resolves every source's settings in registry order, adding each problem (never a secret) to `problems`. */
export function sourceSettings(parsed: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv, problems: string[]): SourceTenants {
  const ctx: SettingsContext = {
    secret(ref, path) {
      const r = resolveSecret(ref, env);
      if ('error' in r) problems.push(`${path}: ${r.error}`);
      return 'value' in r ? r.value : undefined;
    },
    signingKeys: (refs, path, encoding) => resolveKeys(refs, path, env, encoding, problems),
    keyIsStrong(value, path, encoding) {
      const weak = hmacKeyProblem(value, encoding);
      if (weak) problems.push(`${path}: the key ${weak}`);
      return weak === undefined;
    },
    problem: (message) => problems.push(message),
  };
  return Object.fromEntries(Object.entries(SOURCES).map(([id, source]) => [id, source.settings.resolve(parsed, ctx)])) as SourceTenants;
}

/**
 * Resolves one secret reference or a rotation list of them into signing keys, adding a problem for
 * each one that cannot be read or is too weak; undefined when any of them is unusable.
 */
function resolveKeys(
  refs: SecretRef | readonly SecretRef[],
  path: string,
  env: NodeJS.ProcessEnv,
  encoding: 'standard-webhooks' | 'utf8',
  problems: string[],
): string[] | undefined {
  const list: readonly SecretRef[] = isList(refs) ? refs : [refs];
  const keys: string[] = [];
  list.forEach((ref, i) => {
    const where = isList(refs) ? `${path}[${i}]` : path;
    const r = resolveSecret(ref, env);
    const weak = 'value' in r ? hmacKeyProblem(r.value, encoding) : undefined;
    if ('error' in r) problems.push(`${where}: ${r.error}`);
    else if (weak) problems.push(`${where}: the key ${weak}`);
    else keys.push(r.value);
  });
  return keys.length === list.length ? keys : undefined;
}

const isList = (refs: SecretRef | readonly SecretRef[]): refs is readonly SecretRef[] => Array.isArray(refs);
