import { describe, expect, it } from 'vitest';
import { childDn, DnSyntaxError, dnKey, firstRdn, formatRdn, isDn, parentDn, parseDn } from './dn';

describe('parseDn', () => {
  it('reads OpenLDAP spelling > hex escapes for specials, raw UTF-8 otherwise', () => {
    expect(parseDn("uid=O'Brien\\2C Ana (Jr.)*\\5Cx\\5C,ou=people,dc=example,dc=org")).toEqual([
      [{ type: 'uid', value: "O'Brien, Ana (Jr.)*\\x\\" }],
      [{ type: 'ou', value: 'people' }],
      [{ type: 'dc', value: 'example' }],
      [{ type: 'dc', value: 'org' }],
    ]);
    expect(parseDn('cn=\\23\\3D\\2B\\3C\\3E\\3B\\22 a\\20,dc=org')[0]).toEqual([{ type: 'cn', value: '#=+<>;" a ' }]);
    expect(parseDn('cn=山田 太郎,dc=org')[0]).toEqual([{ type: 'cn', value: '山田 太郎' }]);
  });

  it('decodes > hex-escaped UTF-8 sequences as one character', () => {
    expect(parseDn('cn=Zo\\c3\\ab')[0]).toEqual([{ type: 'cn', value: 'Zoë' }]);
  });

  it('splits > multi-valued RDNs at unescaped +', () => {
    expect(parseDn('cn=Ana+employeeNumber=42,ou=people')[0]).toEqual([
      { type: 'cn', value: 'Ana' },
      { type: 'employeeNumber', value: '42' },
    ]);
    expect(parseDn('cn=a\\+b,ou=x')[0]).toEqual([{ type: 'cn', value: 'a+b' }]);
  });

  it('accepts > the empty DN, numeric OIDs and empty values', () => {
    expect(parseDn('')).toEqual([]);
    expect(parseDn('2.5.4.3=x')).toEqual([[{ type: '2.5.4.3', value: 'x' }]]);
    expect(parseDn('cn=')).toEqual([[{ type: 'cn', value: '' }]]);
  });

  it.each([
    ['space after comma', 'ou=a, dc=b'],
    ['unescaped quote', 'cn=a"b'],
    ['unescaped semicolon', 'cn=a;b'],
    ['unescaped leading space', 'cn= a'],
    ['unescaped trailing space', 'cn=a '],
    ['unescaped leading #', 'cn=#04'],
    ['bad escape', 'cn=\\zz'],
    ['dangling backslash', 'cn=a\\'],
    ['invalid UTF-8 octets', 'cn=\\c3'],
    ['missing type', '=x'],
    ['missing =', 'cn'],
    ['trailing comma', 'cn=a,'],
    ['type with space', 'c n=a'],
  ])('rejects > %s', (_name, dn) => {
    expect(() => parseDn(dn)).toThrow(DnSyntaxError);
    expect(isDn(dn)).toBe(false);
  });
});

describe('formatRdn / childDn', () => {
  it('escapes values > and joins multi-valued RDNs with +', () => {
    expect(formatRdn([{ type: 'cn', value: 'Ana, Jr.' }])).toBe('cn=Ana\\, Jr.');
    expect(formatRdn([{ type: 'cn', value: 'a+b' }, { type: 'employeeNumber', value: '7' }])).toBe('cn=a\\+b+employeeNumber=7');
    expect(childDn([{ type: 'uid', value: ' x ' }], 'ou=people,dc=org')).toBe('uid=\\ x\\ ,ou=people,dc=org');
  });

  it('refuses > bad attribute types and empty RDNs', () => {
    expect(() => formatRdn([{ type: 'c n', value: 'x' }])).toThrow(DnSyntaxError);
    expect(() => formatRdn([])).toThrow(DnSyntaxError);
  });
});

describe('firstRdn / parentDn / dnKey', () => {
  it('cuts > at the first unescaped comma, whatever the escape style', () => {
    expect(parentDn('cn=a\\,b,ou=x,dc=y')).toBe('ou=x,dc=y');
    expect(parentDn('cn=a\\5C,ou=x')).toBe('ou=x');
    expect(parentDn('cn=a\\\\,ou=x')).toBe('ou=x');
    expect(parentDn('dc=org')).toBe('');
    expect(firstRdn('cn=a\\,b,ou=x')).toEqual([{ type: 'cn', value: 'a,b' }]);
  });

  it('compares > types and values case-insensitively, escape style ignored', () => {
    expect(dnKey('OU=People,DC=Example')).toBe(dnKey('ou=people,dc=example'));
    expect(dnKey('cn=a\\2Cb')).toBe(dnKey('cn=a\\,b'));
    expect(dnKey('ou=a')).not.toBe(dnKey('ou=b'));
  });
});
