import { describe, expect, it } from 'vitest';
import type { LdapEntry } from './directory';
import { attributeDrift } from './drift';
import { InvalidValueError } from './escape';
import { desiredSshKeys, readSshKeys, sshKeyChanges, sshKeysForAdd } from './ssh-keys';

const A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaaa laptop';
const B = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABbbbb desktop';
const C = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYcccc new';

const entry = (attributes: Record<string, string[]>): LdapEntry => ({
  dn: 'uid=ana,ou=people,dc=example,dc=org',
  attributes: new Map(Object.entries(attributes).map(([k, v]) => [k.toLowerCase(), v])),
});
const person = { objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'] };

describe('ldap > ssh keys', () => {
  it('desired > one key per line, blank lines and repeats dropped; unmapped is unknown, null is none', () => {
    expect(desiredSshKeys({ sshPublicKey: `${A}\r\n\n  ${B}  \n${A}\n` })).toEqual([A, B]);
    expect(desiredSshKeys({ uid: 'ana' })).toBeUndefined();
    expect(desiredSshKeys({ sshPublicKey: null })).toEqual([]);
    expect(desiredSshKeys({ sshPublicKey: ' \n ' })).toEqual([]);
    expect(() => desiredSshKeys({ sshPublicKey: `${A}\ud800` })).toThrow(InvalidValueError);
  });

  it('add > a new entry gets the ldapPublicKey class only with keys', () => {
    expect(sshKeysForAdd([A])).toEqual({ objectClass: ['ldapPublicKey'], sshPublicKey: [A] });
    expect(sshKeysForAdd([])).toEqual({});
    expect(sshKeysForAdd(undefined)).toEqual({});
  });

  it('changes > adds the class once, replaces the keys, and takes the class away with the last key', () => {
    expect(sshKeyChanges(entry(person), [A])).toEqual({
      changes: [
        { operation: 'add', attribute: 'objectClass', values: ['ldapPublicKey'] },
        { operation: 'replace', attribute: 'sshPublicKey', values: [A] },
      ],
      held: [],
    });
    const keyed = entry({ objectClass: [...person.objectClass, 'ldapPublicKey'], sshPublicKey: [A, B] });
    expect(sshKeyChanges(keyed, [B, A]), 'the same keys in another order').toEqual({ changes: [], held: [A, B] });
    expect(sshKeyChanges(keyed, [C]).changes).toEqual([{ operation: 'replace', attribute: 'sshPublicKey', values: [C] }]);
    expect(sshKeyChanges(keyed, []).changes).toEqual([
      { operation: 'delete', attribute: 'sshPublicKey', values: [] },
      { operation: 'delete', attribute: 'objectClass', values: ['ldapPublicKey'] },
    ]);
    expect(sshKeyChanges(entry(person), []).changes).toEqual([]);
  });

  it('read > reports the keys as the policy maps them, one per line; nothing without keys', () => {
    expect(readSshKeys(entry({ sshPublicKey: [A, B] }))).toEqual({ sshPublicKey: `${A}\n${B}` });
    expect(readSshKeys(entry(person))).toEqual({});
  });

  it('drift > keys compare as a set, only when the policy maps them', () => {
    const req = (attributes: Record<string, string | null>, held: Record<string, string>) => ({
      personKey: 'workday:acme:4102',
      person: { employeeId: '4102', workerType: 'employee' as const, status: 'active' as const, givenName: 'Ana', familyName: 'Silva' },
      attributes: { uid: 'ana', ...attributes },
      held: { uid: 'ana', cn: 'Ana Silva', sn: 'Silva', givenName: 'Ana', displayName: 'Ana Silva', employeeNumber: 'workday:acme:4102', ...held },
    });
    const config = { onUidCollision: 'conflict' as const };
    expect(attributeDrift(config, req({ sshPublicKey: `${B}\n${A}` }, { sshPublicKey: `${A}\n${B}` }))).toEqual([]);
    expect(attributeDrift(config, req({ sshPublicKey: A }, { sshPublicKey: `${A}\n${B}` }))).toEqual(['sshPublicKey']);
    expect(attributeDrift(config, req({ sshPublicKey: null }, {}))).toEqual([]);
    expect(attributeDrift(config, req({}, { sshPublicKey: A })), 'not mapped: keys added by hand are not drift').toEqual([]);
  });
});
