import { describe, expect, it } from 'vitest';
import { listedAccount } from '.';

describe('dev-redis > accounts.list mapping', () => {
  it('an account under a person key > that person, enabled flag, stored attributes and sorted entitlements', () => {
    expect(listedAccount('bamboohr:acme:4101', { enabled: '0', attributes: '{"title":"Engineer","userName":"ada"}' }, ['team:b', 'team:a'])).toEqual({
      externalRef: 'bamboohr:acme:4101',
      personKey: 'bamboohr:acme:4101',
      enabled: false,
      attributes: { title: 'Engineer', userName: 'ada' },
      entitlements: ['team:a', 'team:b'],
    });
  });

  it('an account under any other name > listed without a person key (not managed by the pipeline)', () => {
    const account = listedAccount('shared-admin', { enabled: '1', attributes: '{}' }, []);
    expect(account).toEqual({ externalRef: 'shared-admin', enabled: true, attributes: {}, entitlements: [] });
    expect('personKey' in account).toBe(false);
  });
});
