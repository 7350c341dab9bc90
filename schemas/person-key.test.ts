import { describe, expect, it } from 'vitest';
import { colleagueKeyOf, employeeIdOf, parsePersonKey, personKeyOf, sourceOf, tenantOf } from './person-key';

describe('person keys', () => {
  it('two tenants > with the same employee id are two keys', () => {
    const a = personKeyOf({ source: 'workday', tenant: 'acme', employeeId: '4101' });
    const b = personKeyOf({ source: 'workday', tenant: 'globex', employeeId: '4101' });
    expect([a, b]).toEqual(['workday:acme:4101', 'workday:globex:4101']);
  });

  it('a three-part key > splits into source, tenant and employee id', () => {
    const key = 'bamboohr:acme-eu:4101';
    expect(parsePersonKey(key)).toEqual({ source: 'bamboohr', tenant: 'acme-eu', employeeId: '4101' });
    expect([sourceOf(key), tenantOf(key), employeeIdOf(key)]).toEqual(['bamboohr', 'acme-eu', '4101']);
  });

  it('a two-part key (a canonical sender chose it) > has no tenant', () => {
    expect(parsePersonKey('hris:ada@example.com')).toEqual({ source: 'hris', employeeId: 'ada@example.com' });
    expect([sourceOf('hris:4101'), tenantOf('hris:4101'), employeeIdOf('hris:4101')]).toEqual(['hris', undefined, '4101']);
    expect(personKeyOf({ source: 'hris', employeeId: '4101' })).toBe('hris:4101');
  });

  it('parsing > refuses keys with a missing, extra or malformed part', () => {
    for (const bad of ['workday', 'workday:', ':4101', 'workday::4101', 'workday:a:b:c', 'Workday:acme:4101', 'workday:acme:41 01', 'workday:ac@me:4101']) {
      expect(parsePersonKey(bad), bad).toBeUndefined();
    }
  });

  it('a colleague (the manager) > keeps the source and tenant of the person', () => {
    expect(colleagueKeyOf('workday:acme:4101', '4000')).toBe('workday:acme:4000');
    expect(colleagueKeyOf('hris:4101', '4000')).toBe('hris:4000');
  });
});
