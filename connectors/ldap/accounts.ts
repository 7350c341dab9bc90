import type { Logger } from 'pino';
import {
  ConnectorError,
  type AccountStateRequest,
  type AppAttributes,
  type CreateAccountRequest,
  type OperationResult,
  type ReadAccountResult,
  type ReleaseAccountRequest,
  type UpdateAccountRequest,
} from '../sdk';
import type { LdapConfig } from './config';
import type { Directory } from './directory';
import { isEnabled, placementOnCreate } from './disable';
import { childDn, firstRdn, formatRdn, parentDn, type Rdn } from './dn';
import { desiredEntry, diffEntry, entryForAdd, readAttributes, type CurrentEntry } from './entry';
import { adoptionRefused } from '../sdk/errors';
import { isLdapResult } from './errors';
import { groupsOf, removeMember } from './groups';
import { assertRdnMayBeDisambiguated, resolveUid } from './naming';
import { findPerson, peopleWithUid, type PersonEntry } from './people';
import { desiredSshKeys, readSshKeys, SSH_KEY_ATTRIBUTE, sshKeyChanges, sshKeysForAdd } from './ssh-keys';

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
    attributes: { ...readAttributes(person.current), ...readSshKeys(person.entry) },
    entitlements: (await groupsOf(dir, config, person.dn)).map((g) => g.name),
    ...(person.createdAt ? { createdAt: person.createdAt } : {}),
  };
}

/**
 * Ensures the person has an entry. Finds the entry carrying the person's employeeNumber
 * (`already-in-state`, nothing written), else adopts the entry at `externalRef` or the single entry
 * with the wanted uid, when it has NO employeeNumber (the anchor is written into it: `adopted`,
 * whose inverse is releaseAccount), else creates one (`applied`). An entry with the uid and another
 * employeeNumber is a collision, handled by `onUidCollision`.
 */
export async function createAccount(dir: Directory, config: LdapConfig, req: CreateAccountRequest, log: Logger, appId = 'ldap'): Promise<OperationResult> {
  const { personKey } = req.account;
  const desired = desiredEntry({ personKey, person: req.person, attributes: req.attributes });
  const employeeNumber = desired.employeeNumber as string;

  const existing = await findPerson(dir, config, req.account);
  // findPerson also returns the entry at externalRef when it carries no anchor at all: not ours yet.
  if (existing && existing.current.employeeNumber.length === 0) return adopt(dir, config, req, existing, log, appId);
  // Already ours: the creation time lets a retry tell an entry an earlier attempt added from one it adopted.
  if (existing) return { outcome: 'already-in-state', externalRef: existing.dn, ...(existing.createdAt ? { createdAt: existing.createdAt } : {}) };

  if (typeof desired.uid === 'string') {
    const sameUid = await peopleWithUid(dir, config, desired.uid);
    const unanchored = sameUid.filter((p) => p.current.employeeNumber.length === 0);
    if (unanchored.length > 0) {
      if (sameUid.length > 1) {
        throw new ConnectorError({ code: 'conflict', message: 'several entries share the uid; cannot choose one to adopt', context: { personKey } });
      }
      return adopt(dir, config, req, unanchored[0] as PersonEntry, log, appId);
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
  const keys = sshKeysForAdd(desiredSshKeys(req.attributes));
  const attributes = { ...entryForAdd(desired), ...extra, ...keys, objectClass: [...OBJECT_CLASSES, ...(keys.objectClass ?? [])] };
  let rdn: Rdn = [{ type: config.rdnAttribute, value: rdnValue }];
  for (;;) {
    try {
      await dir.add(childDn(rdn, parent), attributes);
      break;
    } catch (err) {
      if (!isLdapResult(err, 'entryAlreadyExists')) throw err;
      // A concurrent attempt for the same person may have won: that is success.
      const raced = await findPerson(dir, config, req.account);
      if (raced) return { outcome: 'already-in-state', externalRef: raced.dn, ...(raced.createdAt ? { createdAt: raced.createdAt } : {}) };
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

/**
 * Claims a hand-made entry for the person by adding the anchor (employeeNumber) to it; nothing else
 * is written. `adopted`, with `before` naming the entry (entryUUID, which survives renames and
 * moves) and the anchor attribute's values before the adoption, for {@link releaseAccount}.
 */
async function adopt(dir: Directory, config: LdapConfig, req: CreateAccountRequest, entry: PersonEntry, log: Logger, appId: string): Promise<OperationResult> {
  // Not ours, and the caller may not claim it (a reconciliation fix without `reconcile.adopt`).
  if (req.adopt === false) throw adoptionRefused(appId);
  const employeeNumber = anchorValue(req.account.personKey);
  try {
    await dir.modify(entry.dn, [{ operation: 'add', attribute: ANCHOR_ATTRIBUTE, values: [employeeNumber] }]);
  } catch (err) {
    if (!isLdapResult(err, 'attributeOrValueExists')) throw err;
    const raced = await findPerson(dir, config, req.account);
    if (raced) return { outcome: 'already-in-state', externalRef: raced.dn, ...(raced.createdAt ? { createdAt: raced.createdAt } : {}) };
    throw err;
  }
  log.info({ personKey: req.account.personKey }, 'ldap: adopted an existing entry by uid');
  const before: AdoptionBefore = { entryUUID: entry.uuid, attributes: { [ANCHOR_ATTRIBUTE]: entry.current[ANCHOR_ATTRIBUTE] } };
  return { outcome: 'adopted', externalRef: entry.dn, before };
}

/** The attribute an adoption writes: the anchor the connector finds people by (see people.ts). */
const ANCHOR_ATTRIBUTE = 'employeeNumber';

/** The anchor value of a person, exactly as createAccount writes it. */
const anchorValue = (personKey: string): string => desiredEntry({ personKey, attributes: {} }).employeeNumber as string;

/**
 * What an adoption changed, as `createAccount` returns it in `before`: the adopted entry's
 * entryUUID (RFC 4530) and the values the anchor attribute held before (`[]`: none).
 */
export interface AdoptionBefore {
  entryUUID: string;
  attributes: { employeeNumber: string[] };
}

function adoptionBefore(before: unknown): AdoptionBefore | undefined {
  // The adoption's answer was lost: take our anchor out of whichever entry carries it, put nothing back
  // (adoption only claims entries without an employeeNumber).
  if (before === undefined) return undefined;
  const b = before as Partial<AdoptionBefore> | undefined;
  const values = b?.attributes?.[ANCHOR_ATTRIBUTE];
  const keys = typeof b?.attributes === 'object' && b.attributes !== null ? Object.keys(b.attributes) : [];
  if (typeof b?.entryUUID === 'string' && Array.isArray(values) && values.every((v) => typeof v === 'string') && keys.length === 1) {
    return { entryUUID: b.entryUUID, attributes: { [ANCHOR_ATTRIBUTE]: values } };
  }
  throw new ConnectorError({
    code: 'invalid-request',
    message: 'releaseAccount needs the `before` of the adopting createAccount ({ entryUUID, attributes: { employeeNumber: [...] } })',
  });
}

/**
 * The inverse of an adoption: takes our anchor value out of the entry the adoption claimed and puts
 * back the values the attribute held before; nothing else is touched and the entry is never
 * deleted. The entry is found by the anchor and must be the adopted one (same entryUUID): an entry
 * the pipeline created for the person is left alone (`already-in-state`), as is one that no longer
 * carries the anchor. `not-applicable` when no entry carries the anchor and the entry at
 * `externalRef` (if any) is gone.
 */
export async function releaseAccount(dir: Directory, config: LdapConfig, req: ReleaseAccountRequest): Promise<OperationResult> {
  const restore = adoptionBefore(req.before);
  const anchor = anchorValue(req.account.personKey);
  const anchored = await findPerson(dir, config, { personKey: req.account.personKey });
  if (!anchored || (restore && anchored.uuid !== restore.entryUUID)) {
    const ref = anchored?.dn ?? req.account.externalRef;
    const exists = ref !== undefined && (await dir.read(ref, ['1.1'])) !== undefined;
    return exists ? { outcome: 'already-in-state', externalRef: ref } : { outcome: 'not-applicable' };
  }
  const held = anchored.current[ANCHOR_ATTRIBUTE];
  const putBack = (restore?.attributes[ANCHOR_ATTRIBUTE] ?? []).filter((v) => !held.includes(v));
  try {
    await dir.modify(anchored.dn, [
      { operation: 'delete', attribute: ANCHOR_ATTRIBUTE, values: [anchor] },
      ...(putBack.length > 0 ? [{ operation: 'add' as const, attribute: ANCHOR_ATTRIBUTE, values: putBack }] : []),
    ]);
  } catch (err) {
    // Released meanwhile by a concurrent attempt, or deleted: the state holds, or there is nothing left.
    if (isLdapResult(err, 'noSuchAttribute')) return { outcome: 'already-in-state', externalRef: anchored.dn };
    if (isLdapResult(err, 'noSuchObject')) return { outcome: 'not-applicable' };
    throw err;
  }
  return { outcome: 'applied', externalRef: anchored.dn, before: { [ANCHOR_ATTRIBUTE]: held } };
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
  const wantedKeys = desiredSshKeys(req.attributes);
  const keys = wantedKeys === undefined ? { changes: [], held: [] } : sshKeyChanges(person.entry, wantedKeys);
  if (changes.length > 0 || keys.changes.length > 0) {
    await dir.modify(person.dn, [...changes.map((c) => ({ operation: 'replace' as const, attribute: c.attribute, values: c.values })), ...keys.changes]);
  }
  if (changes.length === 0 && keys.changes.length === 0 && renamedFrom === undefined) return { outcome: 'already-in-state', externalRef: person.dn };
  const restoring = restoringAttributes(before, renamedFrom);
  // The keys held before, one per line, as the policy maps them (null: none).
  if (keys.changes.length > 0) restoring[SSH_KEY_ATTRIBUTE] = keys.held.length > 0 ? keys.held.join('\n') : null;
  return { outcome: 'applied', externalRef: person.dn, before: restoring };
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
