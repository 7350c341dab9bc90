import type { AppAttributes, OperationResult } from '../sdk';
import { valuesOf, type Directory, type LdapEntry, type Modification } from './directory';
import { isLdapResult } from './errors';
import { assertWellFormed } from './escape';
import type { PersonEntry } from './people';

/**
 * SSH public keys in the directory, as the openssh-lpk schema holds them (connectors/ldap/schema/
 * openssh-lpk.schema): the auxiliary objectClass `ldapPublicKey` and the multi-valued attribute
 * `sshPublicKey`, one key per value, which sshd's AuthorizedKeysCommand (or SSSD) reads.
 *
 * The policy maps `sshPublicKey` to one string holding the keys one per line, as an
 * authorized_keys file does (mapping values are strings; `custom.sshKeys` from HR is one). Absent
 * from the mapping: the connector leaves the entry's keys alone; mapped to nothing (null or only
 * blank lines): the entry holds none.
 */
export const SSH_KEY_ATTRIBUTE = 'sshPublicKey';
export const SSH_KEY_CLASS = 'ldapPublicKey';

/**
 * The keys the policy wants the entry to hold, in order, each once, or `undefined` when the policy
 * does not map `sshPublicKey`.
 *
 * @throws InvalidValueError for a value with a lone surrogate.
 */
export function desiredSshKeys(attributes: AppAttributes): string[] | undefined {
  if (!Object.hasOwn(attributes, SSH_KEY_ATTRIBUTE)) return undefined;
  const raw = attributes[SSH_KEY_ATTRIBUTE];
  if (raw === null || raw === undefined) return [];
  const text = String(raw);
  assertWellFormed(text, SSH_KEY_ATTRIBUTE);
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return [...new Set(keys)];
}

/** The keys an entry holds. */
export function heldSshKeys(entry: LdapEntry): string[] {
  return valuesOf(entry, SSH_KEY_ATTRIBUTE);
}

/** Whether the entry carries the `ldapPublicKey` class (letter case as the server spells it). */
function hasKeyClass(entry: LdapEntry): boolean {
  return valuesOf(entry, 'objectClass').some((c) => c.toLowerCase() === SSH_KEY_CLASS.toLowerCase());
}

/** The attributes of a new entry that should hold `keys`: none when there are none. */
export function sshKeysForAdd(keys: readonly string[] | undefined): { objectClass?: string[]; sshPublicKey?: string[] } {
  return keys && keys.length > 0 ? { objectClass: [SSH_KEY_CLASS], sshPublicKey: [...keys] } : {};
}

/**
 * The modifications that make `entry` hold exactly `keys` (compared exactly and as a set: the
 * schema's octetStringMatch), and the keys it held, for `before`. Empty when it holds them
 * already. Taking every key away removes the `ldapPublicKey` class too, so that the change is
 * valid under either version of the schema (early ones made `sshPublicKey` a MUST).
 */
export function sshKeyChanges(entry: LdapEntry, keys: readonly string[]): { changes: Modification[]; held: string[] } {
  const held = heldSshKeys(entry);
  const same = held.length === keys.length && keys.every((k) => held.includes(k));
  if (same) return { changes: [], held };
  if (keys.length === 0) return { changes: removal(entry), held };
  return {
    changes: [
      ...(hasKeyClass(entry) ? [] : [{ operation: 'add' as const, attribute: 'objectClass', values: [SSH_KEY_CLASS] }]),
      { operation: 'replace', attribute: SSH_KEY_ATTRIBUTE, values: [...keys] },
    ],
    held,
  };
}

function removal(entry: LdapEntry): Modification[] {
  return [
    ...(heldSshKeys(entry).length > 0 ? [{ operation: 'delete' as const, attribute: SSH_KEY_ATTRIBUTE, values: [] }] : []),
    ...(hasKeyClass(entry) ? [{ operation: 'delete' as const, attribute: 'objectClass', values: [SSH_KEY_CLASS] }] : []),
  ];
}

/** The keys as a read reports them: one string, one key per line (what the policy maps), when any. */
export function readSshKeys(entry: LdapEntry): AppAttributes {
  const keys = heldSshKeys(entry);
  return keys.length > 0 ? { [SSH_KEY_ATTRIBUTE]: keys.join('\n') } : {};
}

/**
 * credentials.revoke: takes every SSH key off the entry (and the `ldapPublicKey` class), whoever
 * wrote them; the rest of the entry stays as it is (disabled, on a leaver). `already-in-state`
 * when it holds no key. The keys are not returned: nothing puts them back.
 */
export async function revokeSshKeys(dir: Directory, person: PersonEntry): Promise<OperationResult> {
  if (heldSshKeys(person.entry).length === 0) return { outcome: 'already-in-state', externalRef: person.dn };
  const changes = removal(person.entry);
  try {
    await dir.modify(person.dn, changes);
  } catch (err) {
    // A concurrent attempt removed them first, or the entry went meanwhile.
    if (isLdapResult(err, 'noSuchAttribute')) return { outcome: 'already-in-state', externalRef: person.dn };
    if (isLdapResult(err, 'noSuchObject')) return { outcome: 'not-applicable' };
    throw err;
  }
  return { outcome: 'applied', externalRef: person.dn };
}
