import { escapeFilterValue } from './escape';

/**
 * Search filter strings (RFC 4515 §3) built only from escaped values, so that no input can change
 * a filter's structure. Attribute names come from code and configuration, never from people, and
 * are still checked against the `descr` rule of RFC 4512 §1.4.
 */

const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9-]*$/;

function attribute(name: string): string {
  if (!ATTRIBUTE.test(name)) throw new TypeError(`'${name}' is not an attribute name`);
  return name;
}

/** `(attr=value)`: an equality match with the value escaped. */
export function equals(name: string, value: string): string {
  return `(${attribute(name)}=${escapeFilterValue(value)})`;
}

/** `(&…)` of the given filters. */
export function and(...filters: string[]): string {
  if (filters.length === 0) throw new TypeError('and() needs at least one filter');
  return filters.length === 1 ? (filters[0] as string) : `(&${filters.join('')})`;
}

/** `(|…)` of the given filters. */
export function or(...filters: string[]): string {
  if (filters.length === 0) throw new TypeError('or() needs at least one filter');
  return filters.length === 1 ? (filters[0] as string) : `(|${filters.join('')})`;
}
