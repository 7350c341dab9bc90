import { describe, expect, it } from 'vitest';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { accountValues, attributeDrift, changesFor, desiredValues, filterPathOf, newUser, patchOperations, withChanges } from './mapping';
import { ENTERPRISE_SCHEMA, USER_SCHEMA, type ScimUser } from './schema';

const ada: PersonSnapshot = {
  employeeId: '4101',
  workerType: 'employee',
  status: 'active',
  givenName: 'Augusta',
  preferredName: 'Ada',
  familyName: 'Lovelace',
  workEmail: 'ada@example.com',
  jobTitle: 'Analyst',
  department: null,
};

describe('scim mapping', () => {
  it('desired > policy attributes win, the snapshot fills the rest, unknown stays untouched, null clears', () => {
    expect(desiredValues({ person: ada, attributes: { title: 'Countess', costCenter: null }, for: 'create' })).toEqual({
      userName: 'ada@example.com',
      displayName: 'Ada Lovelace',
      givenName: 'Augusta',
      familyName: 'Lovelace',
      email: 'ada@example.com',
      title: 'Countess',
      employeeNumber: '4101',
      department: null,
      costCenter: null,
    });
  });

  it('desired > an update never takes userName from the snapshot (chosen once, at create), only from the policy', () => {
    expect(desiredValues({ person: ada, attributes: {}, for: 'update' })).not.toHaveProperty('userName');
    expect(desiredValues({ person: ada, attributes: { userName: 'countess' }, for: 'update' }).userName).toBe('countess');
  });

  it('filter paths > every checkable attribute has one the filter grammar accepts; the manager has none', () => {
    expect(filterPathOf('userName')).toBe('userName');
    expect(filterPathOf('email')).toBe('emails.value');
    expect(filterPathOf('familyName')).toBe('name.familyName');
    expect(filterPathOf('employeeNumber')).toBe(`${ENTERPRISE_SCHEMA}:employeeNumber`);
    expect(filterPathOf('manager')).toBeUndefined();
    expect(filterPathOf('shoeSize')).toBeUndefined();
    expect(filterPathOf('__proto__')).toBeUndefined();
  });

  it('new user > core and enterprise attributes, with both schema URNs', () => {
    const user = newUser({ values: desiredValues({ person: ada, attributes: {}, for: 'create' }), externalId: '4101', active: false });
    expect(user).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
      externalId: '4101',
      active: false,
      userName: 'ada@example.com',
      displayName: 'Ada Lovelace',
      name: { givenName: 'Augusta', familyName: 'Lovelace' },
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
      title: 'Analyst',
      [ENTERPRISE_SCHEMA]: { employeeNumber: '4101' },
    });
  });

  it('changes > ignore case where RFC 7643 says caseExact false (userName, emails)', () => {
    const user: ScimUser = { userName: 'ADA@example.com', emails: [{ value: 'Ada@Example.com' }], title: 'analyst' };
    expect(changesFor(user, { userName: 'ada@example.com', email: 'ada@example.com', title: 'Analyst' })).toEqual([{ attribute: 'title', value: 'Analyst' }]);
  });

  it('patch > replace for values, remove for null, URN paths for the enterprise extension', () => {
    const ops = patchOperations([
      { attribute: 'department', value: 'R&D' },
      { attribute: 'title', value: null },
      { attribute: 'manager', value: 'm-1' },
    ]);
    expect(ops).toEqual([
      { op: 'replace', path: `${ENTERPRISE_SCHEMA}:department`, value: 'R&D' },
      { op: 'remove', path: 'title' },
      { op: 'replace', path: `${ENTERPRISE_SCHEMA}:manager`, value: { value: 'm-1' } },
    ]);
  });

  it('put > keeps what it does not manage, drops meta, drops an emptied extension and its URN', () => {
    const user: ScimUser = {
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA, 'urn:example:custom'],
      id: 'u1',
      meta: { version: 'W/"1"' },
      nickName: 'Ada',
      [ENTERPRISE_SCHEMA]: { department: 'R&D' },
    };
    expect(withChanges(user, [{ attribute: 'department', value: null }], { active: false })).toEqual({
      schemas: [USER_SCHEMA, 'urn:example:custom'],
      id: 'u1',
      nickName: 'Ada',
      active: false,
    });
  });

  it('account values > every managed attribute, null where absent, primary email first', () => {
    const values = accountValues({ userName: 'a', emails: [{ value: 'home@x' }, { value: 'work@x', primary: true }] });
    expect(values).toMatchObject({ userName: 'a', email: 'work@x', title: null, manager: null });
    expect(Object.keys(values)).toHaveLength(12);
  });
});

describe('scim mapping > attributeDrift', () => {
  const held = {
    userName: 'ADA@example.com',
    displayName: 'Ada Lovelace',
    givenName: 'Augusta',
    familyName: 'Lovelace',
    email: 'Ada@Example.com',
    title: 'Analyst',
    employeeNumber: '4101',
    department: null,
    costCenter: 'CC-1',
    division: null,
    organization: null,
    manager: 'mgr-id',
  };

  it('none > when the account holds what an update would write, letter case of userName and email aside', () => {
    expect(attributeDrift({ person: ada, attributes: { userName: 'ada@example.com' }, held })).toEqual([]);
  });

  it('names > what the policy or HR changed, a value to clear, and a userName only when the policy maps one', () => {
    const moved: PersonSnapshot = { ...ada, jobTitle: 'Countess', familyName: 'King' };
    expect(attributeDrift({ person: moved, attributes: { costCenter: null }, held })).toEqual(['costCenter', 'displayName', 'familyName', 'title']);
    expect(attributeDrift({ person: ada, attributes: { userName: 'ada.king@example.com' }, held })).toEqual(['userName']);
  });

  it('manager > only compared when HR says there is none (an id would need a lookup)', () => {
    expect(attributeDrift({ person: { ...ada, managerEmployeeId: '4000' }, attributes: {}, held })).toEqual([]);
    expect(attributeDrift({ person: { ...ada, managerEmployeeId: null }, attributes: {}, held })).toEqual(['manager']);
  });

  it('refuses > an attribute the connector does not take, like an update would', () => {
    expect(() => attributeDrift({ person: ada, attributes: { 'name.givenName': 'A' }, held })).toThrow(/no attribute 'name.givenName'/);
  });
});
