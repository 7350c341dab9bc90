import { randomBytes } from 'node:crypto';

/**
 * The one tenant lookup of the webhook route and the poll activity: a configured tenant by name,
 * own properties only (a tenant named `constructor` or `__proto__` is never found by accident).
 */
export function tenantOf<T>(tenants: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(tenants, name) ? tenants[name] : undefined;
}

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
  const config = tenantOf(tenants, tenant);
  return config === undefined ? { config: undefined, keys: decoy } : { config, keys: keysOf(config) };
}
