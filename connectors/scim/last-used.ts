import type { ScimUser } from './schema';

/**
 * When a SCIM user was last used, from the attribute the instance names (`lastUsedAttribute`):
 * SCIM has no standard one, but some apps put a last login on the User, top-level, under `meta`, or
 * in an extension schema. Pure.
 *
 * Answers the time as ISO 8601, `null` when the user has no value (never used), and `undefined` when
 * the value is there but is not a time (then the caller cannot tell, and must not call it unused).
 */
export function lastUsedOf(user: ScimUser, attribute: string): string | null | undefined {
  const value = valueAt(user, attribute);
  if (value === undefined || value === null || value === '') return null;
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

function valueAt(user: ScimUser, attribute: string): unknown {
  if (attribute.startsWith('urn:')) {
    // An extension attribute: the schema URN is everything before the last colon (RFC 7644 §3.10).
    const cut = attribute.lastIndexOf(':');
    const ext = user[attribute.slice(0, cut)];
    return typeof ext === 'object' && ext !== null ? (ext as Record<string, unknown>)[attribute.slice(cut + 1)] : undefined;
  }
  let at: unknown = user;
  for (const part of attribute.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}
