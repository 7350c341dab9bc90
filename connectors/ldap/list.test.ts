import { describe, expect, it } from 'vitest';
import { LdapConfig } from './config';
import type { LdapEntry } from './directory';
import { MANAGED_ATTRIBUTES, type CurrentEntry } from './entry';
import { listedPerson } from './list';
import type { PersonEntry } from './people';

const base = {
  url: 'ldap://127.0.0.1:389',
  bindDn: 'cn=admin,dc=example,dc=org',
  baseDn: 'ou=people,dc=example,dc=org',
  groupsDn: 'ou=groups,dc=example,dc=org',
};
const moveToOu = LdapConfig.parse({ ...base, disable: { kind: 'move-to-ou', disabledDn: 'ou=disabled,dc=example,dc=org' } });
const setAttribute = LdapConfig.parse({ ...base, disable: { kind: 'set-attribute', attribute: 'employeeType', disabledValue: 'disabled' } });
const removeFromGroups = LdapConfig.parse({ ...base, disable: { kind: 'remove-from-groups' } });

/** A person entry as searchPeople returns it, from attribute values as the server sends them. */
function entry(values: Record<string, string[]>, opts: { inDisabledOu?: boolean; createdAt?: string } = {}): PersonEntry {
  const dn = `uid=${values.uid?.[0] ?? 'x'},${opts.inDisabledOu ? 'ou=disabled' : 'ou=people'},dc=example,dc=org`;
  const attributes = new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v]));
  const raw: LdapEntry = { dn, attributes };
  const current = Object.fromEntries(MANAGED_ATTRIBUTES.map((a) => [a, attributes.get(a.toLowerCase()) ?? []])) as CurrentEntry;
  return { dn, uuid: 'a1b2', current, inDisabledOu: opts.inDisabledOu ?? false, entry: raw, ...(opts.createdAt ? { createdAt: opts.createdAt } : {}) };
}

describe('ldap > accounts.list mapping', () => {
  it('an anchored entry > its person key, attributes as readAccount names them, sorted groups and creation time', () => {
    const person = entry(
      { uid: ['ada'], cn: ['Ada Lovelace'], sn: ['Lovelace'], mail: ['ada@example.com'], employeeNumber: ['workday:acme:4101'], description: ['not ours'] },
      { createdAt: '2026-12-05T13:25:00.000Z' },
    );
    expect(listedPerson(moveToOu, person, ['team:eng', 'staff'])).toEqual({
      externalRef: 'uid=ada,ou=people,dc=example,dc=org',
      personKey: 'workday:acme:4101',
      enabled: true,
      attributes: { uid: 'ada', cn: 'Ada Lovelace', sn: 'Lovelace', mail: 'ada@example.com', employeeNumber: 'workday:acme:4101' },
      entitlements: ['staff', 'team:eng'],
      createdAt: '2026-12-05T13:25:00.000Z',
    });
  });

  it('person key > absent for an entry without employeeNumber, with a bare employee id, or with two person keys', () => {
    const keyOf = (employeeNumber: string[]) => listedPerson(moveToOu, entry({ uid: ['x'], employeeNumber }), []).personKey;
    expect(keyOf([])).toBeUndefined();
    expect(keyOf(['4101'])).toBeUndefined();
    expect(keyOf(['hr:1', 'hr:2'])).toBeUndefined();
    // A hand-set value beside our anchor does not hide it.
    expect(keyOf(['4101', 'hr:1'])).toBe('hr:1');
  });

  it('enabled > as each disable strategy defines it: the disabled OU, the disabled value, or unknown', () => {
    expect(listedPerson(moveToOu, entry({ uid: ['a'] }, { inDisabledOu: true }), []).enabled).toBe(false);
    expect(listedPerson(setAttribute, entry({ uid: ['a'], employeeType: ['contractor', 'disabled'] }), []).enabled).toBe(false);
    expect(listedPerson(setAttribute, entry({ uid: ['a'], employeeType: ['contractor'] }), []).enabled).toBe(true);
    const unknown = listedPerson(removeFromGroups, entry({ uid: ['a'] }), []);
    expect(unknown.enabled).toBeUndefined();
    expect('enabled' in unknown).toBe(false);
  });
});
