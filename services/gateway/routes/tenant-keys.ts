import { randomBytes } from 'node:crypto';
import { hmacKeyProblem } from '../../secrets';

/**
 * Keys nobody knows, generated per process, that a route checks a delivery for an unconfigured
 * tenant against: such a delivery then fails exactly as one with a wrong signature does (same
 * checks in the same order, same work, same answer), so the answers do not tell which tenants exist.
 */
export function decoyKeys(): readonly string[] {
  return [randomBytes(32).toString('base64')];
}

/** The tenant's configuration and keys, or no configuration and the decoy keys. */
export function tenantKeysOrDecoy<T>(
  tenants: Readonly<Record<string, T>>,
  tenant: string,
  keysOf: (config: T) => readonly string[],
  decoy: readonly string[],
): { config: T; keys: readonly string[] } | { config: undefined; keys: readonly string[] } {
  const config = Object.hasOwn(tenants, tenant) ? tenants[tenant] : undefined;
  return config === undefined ? { config: undefined, keys: decoy } : { config, keys: keysOf(config) };
}

/**
 * Throws unless every tenant has at least one key and each key is strong enough (config.ts checks the
 * same at load; this guards routes built from other sources, such as tests and tools).
 */
export function assertTenantKeys<T>(source: string, tenants: Readonly<Record<string, T>>, keysOf: (config: T) => readonly string[]): void {
  for (const [tenant, config] of Object.entries(tenants)) {
    const keys = keysOf(config);
    if (keys.length === 0) throw new Error(`${source} tenant ${tenant}: no signing key`);
    keys.forEach((key, i) => {
      const weak = hmacKeyProblem(key, 'utf8');
      if (weak) throw new Error(`${source} tenant ${tenant}: key ${i} ${weak}`);
    });
  }
}
