import { describe, expect, it } from 'vitest';
import { eqFilter, filterString } from './filter';

describe('scim filter', () => {
  it.each([
    ['plain', '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    [', + < > ; = * ( ) [ ]', '", + < > ; = * ( ) [ ]"'],
    ['  spaced  ', '"  spaced  "'],
    ['李 Ζωή محمد', '"李 Ζωή محمد"'],
    ['tab\tnew\nline', '"tab\\tnew\\nline"'],
    ['\u0001', '"\\u0001"'],
  ])('escapes > %j as a JSON string literal', (value, expected) => {
    expect(filterString(value)).toBe(expected);
    expect(JSON.parse(filterString(value))).toBe(value);
  });

  it('builds > attr eq "value" for core, sub- and extension attributes', () => {
    expect(eqFilter('userName', 'a"b')).toBe('userName eq "a\\"b"');
    expect(eqFilter('members.value', 'x')).toBe('members.value eq "x"');
    expect(eqFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', '7')).toBe(
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"',
    );
  });

  it.each(['userName eq "x" or userName', 'a b', '', '1abc', 'emails[type eq "work"]'])('rejects > %j as an attribute path', (attr) => {
    expect(() => eqFilter(attr, 'x')).toThrow(/not a SCIM attribute path/);
  });
});
