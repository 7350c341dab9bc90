import { describe, expect, it } from 'vitest';
import { ScimConfig } from './config';
import { externalIdFor, managerExternalId } from './locate';

const defaults = ScimConfig.parse({ baseUrl: 'https://scim.example.com/v2' });

describe('scim externalId', () => {
  it('two tenants > with the same employee id get different externalIds by default: the whole person key', () => {
    expect([externalIdFor(defaults, 'workday:acme:4101'), externalIdFor(defaults, 'workday:globex:4101')]).toEqual(['workday:acme:4101', 'workday:globex:4101']);
  });

  it('the manager reference > names the manager in the person’s own source and tenant', () => {
    expect(managerExternalId(defaults, 'workday:acme:4101', '4000')).toBe('workday:acme:4000');
    expect(managerExternalId(defaults, 'workday:globex:4101', '4000')).toBe('workday:globex:4000');
    expect(managerExternalId(defaults, 'hris:4101', '4000')).toBe('hris:4000');
  });

  it('the employeeId opt-in > writes the bare employee id, for an app fed by a single HR tenant', () => {
    const bare = ScimConfig.parse({ baseUrl: 'https://scim.example.com/v2', externalId: 'employeeId' });
    expect([externalIdFor(bare, 'workday:acme:4101'), managerExternalId(bare, 'workday:acme:4101', '4000')]).toEqual(['4101', '4000']);
  });
});
