import { ConnectorError, type AccountRef } from '../sdk';
import type { LdapConfig } from './config';
import { valuesOf, type Directory, type LdapEntry } from './directory';
import { anchorOf, MANAGED_ATTRIBUTES, type CurrentEntry } from './entry';
import { and, equals } from './filter';
import { SSH_KEY_ATTRIBUTE } from './ssh-keys';

/**
 * Finding people entries. The anchor is `employeeNumber` = the person key (tenant included): it
 * survives renames and moves, which a DN does not. Searches cover `baseDn` and, with the
 * move-to-ou strategy, `disabledDn` (each as a subtree).
 */

export interface PersonEntry {
  /** The DN as the server spells it. */
  dn: string;
  /** entryUUID (RFC 4530): identity that survives renames, used to tell entries apart. */
  uuid: string;
  current: CurrentEntry;
  /** True when the entry lies under the move-to-ou strategy's disabledDn. */
  inDisabledOu: boolean;
  /** When the server added the entry (operational `createTimestamp`, RFC 4512 §3.4), as an ISO instant. */
  createdAt?: string;
  entry: LdapEntry;
}

const PERSON_CLASS = equals('objectClass', 'inetOrgPerson');

/**
 * Attributes every person search asks for: ours, the SSH keys and object classes (ssh-keys.ts),
 * entryUUID, createTimestamp, and the disable attribute. A server without the openssh-lpk schema
 * simply returns no sshPublicKey.
 */
export function personAttributes(config: LdapConfig): string[] {
  const extra = config.disable.kind === 'set-attribute' ? [config.disable.attribute] : [];
  return [...MANAGED_ATTRIBUTES, SSH_KEY_ATTRIBUTE, 'objectClass', 'entryUUID', 'createTimestamp', ...extra];
}

function toPerson(entry: LdapEntry, inDisabledOu: boolean): PersonEntry {
  const current = Object.fromEntries(MANAGED_ATTRIBUTES.map((a) => [a, valuesOf(entry, a)])) as CurrentEntry;
  const createdAt = generalizedTime(valuesOf(entry, 'createTimestamp')[0]);
  return { dn: entry.dn, uuid: valuesOf(entry, 'entryUUID')[0] ?? entry.dn, current, inDisabledOu, entry, ...(createdAt ? { createdAt } : {}) };
}

/**
 * A GeneralizedTime (RFC 4517 §3.3.13) in UTC, as servers write createTimestamp
 * (`20261205132500Z`, optionally with a fraction), as an ISO instant; undefined for anything else.
 */
export function generalizedTime(value: string | undefined): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,](\d+))?Z$/.exec(value ?? '');
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const at = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Math.min(ms, 999));
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

/**
 * Every inetOrgPerson matching `filter` (every one, without) in the searched bases, one per entry.
 * `pageSize` asks the server for paged results (see SearchRequest.pageSize), for listings.
 */
export async function searchPeople(dir: Directory, config: LdapConfig, filter?: string, opts: { pageSize?: number } = {}): Promise<PersonEntry[]> {
  const attributes = personAttributes(config);
  const full = filter === undefined ? PERSON_CLASS : and(PERSON_CLASS, filter);
  const paged = opts.pageSize === undefined ? {} : { pageSize: opts.pageSize };
  const found = new Map<string, PersonEntry>();
  for (const entry of await dir.search({ base: config.baseDn, scope: 'sub', filter: full, attributes, ...paged })) {
    const p = toPerson(entry, false);
    found.set(p.uuid, p);
  }
  if (config.disable.kind === 'move-to-ou') {
    // disabledDn may sit inside baseDn: an entry found in both is disabled.
    for (const entry of await dir.search({ base: config.disable.disabledDn, scope: 'sub', filter: full, attributes, ...paged })) {
      const p = toPerson(entry, true);
      found.set(p.uuid, p);
    }
  }
  return [...found.values()];
}

/**
 * The entry of `account`: by anchor first; when no entry carries the anchor, the entry at
 * `externalRef` if it has no employeeNumber at all (an entry whose anchor was cleared out of band).
 *
 * @throws ConnectorError `conflict` when several entries carry the same anchor.
 */
export async function findPerson(dir: Directory, config: LdapConfig, account: AccountRef): Promise<PersonEntry | undefined> {
  const anchor = anchorOf(account.personKey);
  const matches = await searchPeople(dir, config, equals('employeeNumber', anchor));
  if (matches.length > 1) {
    throw new ConnectorError({
      code: 'conflict',
      message: `${matches.length} directory entries carry employeeNumber of ${account.personKey}; remove the duplicates`,
      context: { personKey: account.personKey, matches: matches.length },
    });
  }
  if (matches[0] || !account.externalRef) return matches[0];
  const byRef = await dir.read(account.externalRef, personAttributes(config));
  if (!byRef || valuesOf(byRef, 'employeeNumber').length > 0) return undefined;
  if (!(await isPerson(dir, byRef.dn))) return undefined;
  const uuid = valuesOf(byRef, 'entryUUID')[0];
  const inDisabledOu =
    config.disable.kind === 'move-to-ou' && uuid !== undefined
      ? (await dir.search({ base: config.disable.disabledDn, scope: 'sub', filter: equals('entryUUID', uuid), attributes: ['1.1'] })).length > 0
      : false;
  return toPerson(byRef, inDisabledOu);
}

async function isPerson(dir: Directory, dn: string): Promise<boolean> {
  return (await dir.search({ base: dn, scope: 'base', filter: PERSON_CLASS, attributes: ['1.1'] })).length > 0;
}

/** People whose uid equals `uid` under the server's matching rule (caseIgnoreMatch for uid). */
export function peopleWithUid(dir: Directory, config: LdapConfig, uid: string): Promise<PersonEntry[]> {
  return searchPeople(dir, config, equals('uid', uid));
}
