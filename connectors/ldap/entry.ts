import type { AppAttributes } from '../sdk';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { assertWellFormed } from './escape';

/**
 * The inetOrgPerson attributes this connector owns (RFC 2798), and how they are computed from the
 * HR snapshot and the policy's attributes. Pure functions: no I/O here.
 */
export const MANAGED_ATTRIBUTES = ['uid', 'cn', 'sn', 'givenName', 'displayName', 'mail', 'title', 'departmentNumber', 'employeeNumber'] as const;
export type ManagedAttribute = (typeof MANAGED_ATTRIBUTES)[number];

/**
 * Desired value per attribute: a string sets exactly that one value, `null` means known-empty
 * (remove the attribute), an absent key means unknown (leave the directory alone).
 */
export type DesiredEntry = Partial<Record<ManagedAttribute, string | null>>;

/** Current values per attribute, as read from the directory (absent attributes are `[]`). */
export type CurrentEntry = Record<ManagedAttribute, string[]>;

/**
 * The anchor stored in employeeNumber: the whole person key (`workday:acme:4101`), never the bare
 * employee id, which two HR tenants may both use for different people. The key's `:`-separated
 * form needs no escaping in a DN or a filter value beyond what every value gets.
 */
export function anchorOf(personKey: string): string {
  return personKey;
}

type Value = string | null | undefined;

function text(value: AppAttributes[string] | undefined): Value {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const s = String(value);
  return s === '' ? null : s;
}

/** The policy's value when it sent the key (even as null), else the HR fallback. */
function pick(attributes: AppAttributes, keys: readonly string[], fallback: Value): Value {
  let value = fallback === '' ? null : fallback;
  for (const key of keys) {
    if (Object.hasOwn(attributes, key)) {
      value = text(attributes[key]);
      break;
    }
  }
  if (typeof value === 'string') assertWellFormed(value, keys[0] as string);
  return value;
}

/**
 * Computes the entry a person should have. Policy attributes may use LDAP names (`uid`, `mail`,
 * `departmentNumber`, …) or the pipeline's generic names (`userName`, `email`, `department`,
 * `displayName`); LDAP names win. `employeeNumber` is always the anchor (the person key), since
 * it is how the connector finds the entry again.
 *
 * @throws InvalidValueError for a value with a lone surrogate (it could not round-trip).
 */
export function desiredEntry(input: { personKey: string; person?: PersonSnapshot; attributes: AppAttributes }): DesiredEntry {
  const { person, attributes } = input;
  const fullName = person ? `${person.preferredName ?? person.givenName} ${person.familyName}` : undefined;
  const cn = pick(attributes, ['cn', 'displayName'], fullName);
  const entry: DesiredEntry = {
    uid: pick(attributes, ['uid', 'userName'], undefined),
    cn,
    sn: pick(attributes, ['sn', 'familyName'], person?.familyName),
    givenName: pick(attributes, ['givenName'], person?.givenName),
    displayName: pick(attributes, ['displayName'], cn),
    mail: pick(attributes, ['mail', 'email'], person?.workEmail),
    title: pick(attributes, ['title'], person?.jobTitle),
    departmentNumber: pick(attributes, ['departmentNumber', 'department'], person?.department),
    employeeNumber: anchorOf(input.personKey),
  };
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as DesiredEntry;
}

/** One LDAP modify change: replace the attribute with `values` (`[]` deletes it). */
export interface AttributeChange {
  attribute: ManagedAttribute;
  values: string[];
}

/**
 * What must change to turn `current` into `desired`, skipping `except` (the naming attribute,
 * which is renamed, not replaced). Values compare exactly (case and spaces matter: a name fix from
 * `Obrien` to `O'Brien` or `ana` to `Ana` must reach the directory even though the server's
 * caseIgnoreMatch would call them equal). `before` holds the replaced values, for compensation.
 */
export function diffEntry(current: CurrentEntry, desired: DesiredEntry, except: readonly ManagedAttribute[] = []): { changes: AttributeChange[]; before: Partial<CurrentEntry> } {
  const changes: AttributeChange[] = [];
  const before: Partial<CurrentEntry> = {};
  for (const attribute of MANAGED_ATTRIBUTES) {
    if (except.includes(attribute) || !(attribute in desired)) continue;
    const want = desired[attribute];
    const values = want === null || want === undefined ? [] : [want];
    const have = current[attribute];
    if (have.length === values.length && have.every((v, i) => v === values[i])) continue;
    changes.push({ attribute, values });
    before[attribute] = have;
  }
  return { changes, before };
}

/** The attributes of a new entry: every desired value that is set. */
export function entryForAdd(desired: DesiredEntry): Record<string, string> {
  return Object.fromEntries(Object.entries(desired).filter((kv): kv is [string, string] => typeof kv[1] === 'string'));
}

/** A person's attributes as a read reports them: the first value of each present attribute. */
export function readAttributes(current: CurrentEntry): AppAttributes {
  const out: AppAttributes = {};
  for (const attribute of MANAGED_ATTRIBUTES) {
    const [first] = current[attribute];
    if (first !== undefined) out[attribute] = first;
  }
  return out;
}
