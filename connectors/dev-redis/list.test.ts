import { describe, expect, it } from 'vitest';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import type { AppAttributes } from '../sdk';
import { createDevRedisConnector, listedAccount } from '.';

const person: PersonSnapshot = { employeeId: '1', workerType: 'employee', status: 'active', givenName: 'Ada', familyName: 'Lovelace' };

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

describe('dev-redis > attributeDrift', () => {
  const connector = createDevRedisConnector();
  const drift = (attributes: AppAttributes, held: AppAttributes) =>
    connector.attributeDrift?.({ url: 'redis://127.0.0.1:6379', keyPrefix: 'jml:dev' }, { personKey: 'hr:1', person, attributes, held });

  it('names > every attribute an update would rewrite: changed, added and dropped ones', () => {
    expect(drift({ title: 'Engineer', userName: 'ada' }, { userName: 'ada', title: 'Engineer' })).toEqual([]);
    expect(drift({ title: 'Staff', userName: 'ada', mail: null }, { userName: 'ada', title: 'Engineer', team: 'x' })).toEqual(['mail', 'team', 'title']);
  });
});
