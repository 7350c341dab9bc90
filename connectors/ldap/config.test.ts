import { describe, expect, it } from 'vitest';
import { LdapConfig } from './config';

const minimal = {
  url: 'ldap://ldap.example.org:389',
  bindDn: 'cn=jml,ou=services,dc=example,dc=org',
  baseDn: 'ou=people,dc=example,dc=org',
  groupsDn: 'ou=groups,dc=example,dc=org',
  disable: { kind: 'move-to-ou', disabledDn: 'ou=disabled,dc=example,dc=org' },
};

function issues(input: unknown): string[] {
  const result = LdapConfig.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('LdapConfig', () => {
  it('fills defaults > uid naming, conflict on collisions, 10 s operation timeout', () => {
    const config = LdapConfig.parse(minimal);
    expect(config).toMatchObject({ rdnAttribute: 'uid', onUidCollision: 'conflict', timeoutMs: 10_000, connectTimeoutMs: 5_000 });
    expect(config.placeholderMember).toBeUndefined();
  });

  it('accepts > each disable strategy', () => {
    expect(issues({ ...minimal, disable: { kind: 'set-attribute', attribute: 'employeeType', disabledValue: 'disabled' } })).toEqual([]);
    expect(issues({ ...minimal, disable: { kind: 'set-attribute', attribute: 'pwdAccountLockedTime', disabledValue: '000001010000Z' } })).toEqual([]);
    expect(issues({ ...minimal, disable: { kind: 'remove-from-groups' } })).toEqual([]);
    expect(issues({ ...minimal, url: 'ldaps://ldap.example.org' })).toEqual([]);
  });

  it('rejects > every problem at once: bad URL, DNs with spaces, unknown keys, no strategy', () => {
    const found = issues({
      url: 'http://ldap.example.org',
      bindDn: 'cn=jml, dc=example',
      baseDn: 'people',
      groupsDn: 'ou=groups,dc=example,dc=org',
      bindPassword: 'inline secrets are not config',
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^url: /),
        expect.stringMatching(/^bindDn: .*distinguished name/),
        expect.stringMatching(/^baseDn: /),
        expect.stringMatching(/^disable: /),
        expect.stringMatching(/bindPassword/),
      ]),
    );
  });

  it('rejects > a disabled OU equal to the people base, however spelled', () => {
    expect(issues({ ...minimal, disable: { kind: 'move-to-ou', disabledDn: 'OU=People,DC=example,DC=org' } })).toEqual([
      'disable.disabledDn: must differ from baseDn',
    ]);
  });

  it('rejects > a disable attribute the connector manages itself', () => {
    expect(issues({ ...minimal, disable: { kind: 'set-attribute', attribute: 'mail', disabledValue: 'x' } })).toEqual([
      "disable.attribute: 'mail' is managed by the connector; pick another attribute",
    ]);
  });

  it('rejects > unknown strategies and naming attributes', () => {
    expect(issues({ ...minimal, disable: { kind: 'delete' } })).toHaveLength(1);
    expect(issues({ ...minimal, rdnAttribute: 'mail' })).toHaveLength(1);
  });
});
