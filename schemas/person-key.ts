/**
 * Person keys built and taken apart. A person key names one person of one HR system instance:
 *
 * - `<source>:<tenant>:<employeeId>`, e.g. `bamboohr:acme:4101`, `workday:acme-eu:21001`. Every HR
 *   adapter of this repository (webhooks and pollers) writes this form: an employee id is unique
 *   only inside its tenant, so two tenants that both have employee 4101 are two people.
 * - `<source>:<employeeId>`, e.g. `hris:4101`: accepted from canonical-API senders, who choose
 *   their subjects and speak for a single system instance. Such a key has no tenant.
 *
 * No segment may contain `:` (see {@link PERSON_KEY_PATTERN}), so splitting on `:` is unambiguous:
 * the first part is the source, the last the employee id, and a middle part, when present, the
 * tenant. A key is also the identity written to apps as their anchor (LDAP `employeeNumber`, SCIM
 * `externalId`), so an app never confuses two tenants' employees either.
 *
 * Kept free of zod and of every other import: workflow code uses these, and the workflow sandbox
 * evaluates a workflow's own modules again for every workflow it starts or replays, so whatever
 * this module imported would be rebuilt each time.
 */

/**
 * The form of a person key: a lowercase source of up to 40 characters, an optional tenant of up to
 * 64 letters, digits, `.`, `_` and `-`, and an employee id of up to 128 letters, digits, `.`, `_`,
 * `@` and `-`. Each part is `:`-free.
 */
export const PERSON_KEY_PATTERN = /^[a-z][a-z0-9-]{0,39}(?::[A-Za-z0-9._-]{1,64})?:[A-Za-z0-9._@-]{1,128}$/;

/** The parts of a person key; `tenant` is absent for a two-part key. */
export interface PersonKeyParts {
  source: string;
  tenant?: string;
  employeeId: string;
}

/**
 * The person key of an employee of an HR tenant: `<source>:<tenant>:<employeeId>`. Does not
 * validate: JmlEvent's schema checks the result where it goes on the wire.
 */
export function personKeyOf(parts: PersonKeyParts): string {
  return parts.tenant === undefined ? `${parts.source}:${parts.employeeId}` : `${parts.source}:${parts.tenant}:${parts.employeeId}`;
}

/** The parts of a well-formed person key; undefined for anything {@link PERSON_KEY_PATTERN} rejects. */
export function parsePersonKey(personKey: string): PersonKeyParts | undefined {
  if (!PERSON_KEY_PATTERN.test(personKey)) return undefined;
  const parts = personKey.split(':');
  const [source, middle, last] = parts as [string, string, string | undefined];
  return last === undefined ? { source, employeeId: middle } : { source, tenant: middle, employeeId: last };
}

/** The HR source of a person key (`bamboohr` in `bamboohr:acme:4101`): everything before the first `:`. */
export function sourceOf(personKey: string): string {
  const i = personKey.indexOf(':');
  return i < 0 ? personKey : personKey.slice(0, i);
}

/** The tenant of a three-part person key (`acme` in `bamboohr:acme:4101`); undefined for a two-part key. */
export function tenantOf(personKey: string): string | undefined {
  const parts = personKey.split(':');
  return parts.length === 3 ? parts[1] : undefined;
}

/** The employee id of a person key (`4101` in `bamboohr:acme:4101`): everything after the last `:`. */
export function employeeIdOf(personKey: string): string {
  return personKey.slice(personKey.lastIndexOf(':') + 1);
}

/**
 * The key of another employee of the same source and tenant, e.g. a person's manager:
 * `colleagueKeyOf('workday:acme:4101', '4000')` is `workday:acme:4000`. HR sends a manager as a bare
 * employee id, which means something only inside the person's own tenant.
 */
export function colleagueKeyOf(personKey: string, employeeId: string): string {
  return `${personKey.slice(0, personKey.lastIndexOf(':') + 1)}${employeeId}`;
}
