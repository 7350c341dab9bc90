import type { Logger } from 'pino';
import {
  ConnectorError,
  type AccountStateRequest,
  type AppAttributes,
  type CreateAccountRequest,
  type OperationResult,
  type ReadAccountResult,
  type UpdateAccountRequest,
} from '../sdk';
import type { LdapConfig } from './config';
import type { Directory } from './directory';
import { isEnabled, placementOnCreate } from './disable';
import { childDn, firstRdn, formatRdn, parentDn, type Rdn } from './dn';
import { desiredEntry, diffEntry, entryForAdd, readAttributes, type CurrentEntry } from './entry';
import { isLdapResult } from './errors';
import { groupsOf, removeMember } from './groups';
import { assertRdnMayBeDisambiguated, resolveUid } from './naming';
import { findPerson, peopleWithUid, type PersonEntry } from './people';

/** Account lifecycle on inetOrgPerson entries (RFC 2798). Every function is "ensure this state". */

const OBJECT_CLASSES = ['top', 'person', 'organizationalPerson', 'inetOrgPerson'];

export async function readAccount(dir: Directory, config: LdapConfig, req: AccountStateRequest): Promise<ReadAccountResult> {
  const person = await findPerson(dir, config, req.account);
  if (!person) return { exists: false };
  const enabled = isEnabled(config, person);
  return {
    exists: true,
    externalRef: person.dn,
    ...(enabled === undefined ? {} : { enabled }),
    attributes: readAttributes(person.current),
    entitlements: (await groupsOf(dir, config, person.dn)).map((g) => g.name),
  };
}

/**
 * Ensures the person has an entry. Adopts, in this order: the entry carrying the person's
 * employeeNumber (nothing written), else the single entry with the wanted uid and NO
 * employeeNumber (the anchor is written into it). An entry with the uid and another employeeNumber
 * is a collision, handled by `onUidCollision`.
 */
export async function createAccount(dir: Directory, config: LdapConfig, req: CreateAccountRequest, log: Logger): Promise<OperationResult> {
  const { personKey } = req.account;
  const desired = desiredEntry({ personKey, person: req.person, attributes: req.attributes });
  const employeeNumber = desired.employeeNumber as string;

  const existing = await findPerson(dir, config, req.account);
  if (existing) return { outcome: 'already-in-state', externalRef: existing.dn };

  if (typeof desired.uid === 'string') {
    const sameUid = await peopleWithUid(dir, config, desired.uid);
    const unanchored = sameUid.filter((p) => p.current.employeeNumber.length === 0);
    if (unanchored.length > 0) {
      if (sameUid.length > 1) {
        throw new ConnectorError({ code: 'conflict', message: 'several entries share the uid; cannot choose one to adopt', context: { personKey } });
      }
      return adopt(dir, config, req, unanchored[0] as PersonEntry, log);
    }
    desired.uid = await resolveUid(dir, config, { wanted: desired.uid, employeeNumber, personKey });
  }

  const rdnValue = desired[config.rdnAttribute];
  if (typeof rdnValue !== 'string') {
    throw new ConnectorError({
      code: 'invalid-request',
      message: `createAccount needs a value for the naming attribute '${config.rdnAttribute}' (policy attribute uid/userName, or cn/displayName)`,
      context: { personKey },
    });
  }
  const { parentDn: parent, extra } = placementOnCreate(config, req.enabled);
  const attributes = { objectClass: OBJECT_CLASSES, ...entryForAdd(desired), ...extra };
  let rdn: Rdn = [{ type: config.rdnAttribute, value: rdnValue }];
  for (;;) {
    try {
      await dir.add(childDn(rdn, parent), attributes);
      break;
    } catch (err) {
      if (!isLdapResult(err, 'entryAlreadyExists')) throw err;
      // A concurrent attempt for the same person may have won: that is success.
      const raced = await findPerson(dir, config, req.account);
      if (raced) return { outcome: 'already-in-state', externalRef: raced.dn };
      if (rdn.length > 1 || config.rdnAttribute === 'employeeNumber') throw dnTakenError(personKey, err);
      assertRdnMayBeDisambiguated(config, personKey);
      rdn = [...rdn, { type: 'employeeNumber', value: employeeNumber }];
      log.info({ personKey }, 'ldap: RDN taken by another person; using a multi-valued RDN with employeeNumber');
    }
  }
  const created = await findPerson(dir, config, req.account);
  return { outcome: 'applied', externalRef: created?.dn ?? childDn(rdn, parent) };
}

function dnTakenError(personKey: string, cause: unknown): ConnectorError {
  return new ConnectorError({ code: 'conflict', message: 'the DN for the new entry is taken by another entry', cause, status: 68, context: { personKey } });
}

async function adopt(dir: Directory, config: LdapConfig, req: CreateAccountRequest, entry: PersonEntry, log: Logger): Promise<OperationResult> {
  const employeeNumber = desiredEntry({ personKey: req.account.personKey, attributes: {} }).employeeNumber as string;
  try {
    await dir.modify(entry.dn, [{ operation: 'add', attribute: 'employeeNumber', values: [employeeNumber] }]);
  } catch (err) {
    if (!isLdapResult(err, 'attributeOrValueExists')) throw err;
    const raced = await findPerson(dir, config, req.account);
    if (raced) return { outcome: 'already-in-state', externalRef: raced.dn };
    throw err;
  }
  log.info({ personKey: req.account.personKey }, 'ldap: adopted an existing entry by uid');
  return { outcome: 'applied', externalRef: entry.dn, before: { adopted: true, employeeNumber: [] } };
}

/**
 * Ensures the entry holds the desired attributes. A changed naming value (uid, or cn after a name
 * change) renames the entry first (modifyDN, deleteoldrdn), since the RDN value cannot be replaced
 * away. A missing entry is `not-applicable`.
 */
export async function updateAccount(dir: Directory, config: LdapConfig, req: UpdateAccountRequest): Promise<OperationResult> {
  const { personKey } = req.account;
  let person = await findPerson(dir, config, req.account);
  if (!person) return { outcome: 'not-applicable' };
  const desired = desiredEntry({ personKey, person: req.person, attributes: req.attributes });
  if (typeof desired.uid === 'string' && !(person.current.uid.length === 1 && person.current.uid[0] === desired.uid)) {
    desired.uid = await resolveUid(dir, config, { wanted: desired.uid, employeeNumber: desired.employeeNumber as string, personKey, self: person });
  }

  let renamedFrom: string | undefined;
  const newRdn = renamedRdn(person.dn, config.rdnAttribute, desired[config.rdnAttribute]);
  if (newRdn && !(await sameEntryAt(dir, childDn(newRdn, parentDn(person.dn)), person))) {
    try {
      await dir.modifyDn(person.dn, formatRdn(newRdn));
    } catch (err) {
      if (isLdapResult(err, 'entryAlreadyExists')) throw dnTakenError(personKey, err);
      throw err;
    }
    renamedFrom = person.dn;
    person = await findPerson(dir, config, req.account);
    if (!person) throw new ConnectorError({ code: 'transient', message: 'entry vanished right after its rename', context: { personKey } });
  }

  const { changes, before } = diffEntry(person.current, desired);
  if (changes.length > 0) {
    await dir.modify(
      person.dn,
      changes.map((c) => ({ operation: 'replace' as const, attribute: c.attribute, values: c.values })),
    );
  }
  if (changes.length === 0 && renamedFrom === undefined) return { outcome: 'already-in-state', externalRef: person.dn };
  return { outcome: 'applied', externalRef: person.dn, before: restoringAttributes(before, renamedFrom) };
}

/**
 * `before` of an update: the attributes that, sent to updateAccount, restore the entry (what the
 * conformance kit and the workflow's compensation expect). The first old value of each changed
 * attribute, or null where there was none. A rename is undone by the old naming value, which is
 * among them. Extra values of a multi-valued attribute are not restored.
 */
function restoringAttributes(before: Partial<CurrentEntry>, renamedFrom: string | undefined): AppAttributes {
  const out: AppAttributes = Object.fromEntries(Object.entries(before).map(([name, values]) => [name, values[0] ?? null]));
  if (renamedFrom !== undefined) {
    for (const ava of firstRdn(renamedFrom)) if (!(ava.type in out) && ava.type !== 'employeeNumber') out[ava.type] = ava.value;
  }
  return out;
}

/** The RDN with the naming attribute's value replaced, or undefined when it already holds `wanted` exactly. */
function renamedRdn(dn: string, rdnAttribute: string, wanted: string | null | undefined): Rdn | undefined {
  if (typeof wanted !== 'string') return undefined;
  const rdn = firstRdn(dn);
  const i = rdn.findIndex((a) => a.type.toLowerCase() === rdnAttribute.toLowerCase());
  // Adopted entries named by another attribute keep their DN.
  if (i < 0 || rdn[i]?.value === wanted) return undefined;
  return rdn.map((a, j) => (j === i ? { type: a.type, value: wanted } : a));
}

/**
 * True when `dn` already names `person` (the new RDN differs only in what the matching rule
 * ignores, e.g. letter case): slapd refuses such a rename as entryAlreadyExists.
 */
async function sameEntryAt(dir: Directory, dn: string, person: PersonEntry): Promise<boolean> {
  const entry = await dir.read(dn, ['entryUUID']);
  return entry !== undefined && entry.attributes.get('entryuuid')?.[0] === person.uuid;
}

/**
 * Ensures the entry is gone: memberships first (no dangling `member` values, since slapd has no
 * referential integrity without the refint overlay), then the entry. Missing → `already-in-state`.
 */
export async function deleteAccount(dir: Directory, config: LdapConfig, req: AccountStateRequest): Promise<OperationResult> {
  const person = await findPerson(dir, config, req.account);
  if (!person) return { outcome: 'already-in-state' };
  const groups = await groupsOf(dir, config, person.dn);
  for (const group of groups) await removeMember(dir, config, group.dn, person.dn);
  try {
    await dir.del(person.dn);
  } catch (err) {
    if (isLdapResult(err, 'noSuchObject')) return { outcome: 'already-in-state', externalRef: person.dn };
    throw err;
  }
  const enabled = isEnabled(config, person);
  return {
    outcome: 'applied',
    externalRef: person.dn,
    before: {
      dn: person.dn,
      attributes: readAttributes(person.current),
      entitlements: groups.map((g) => g.name),
      ...(enabled === undefined ? {} : { enabled }),
    },
  };
}
