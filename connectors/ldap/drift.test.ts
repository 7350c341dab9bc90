import { describe, expect, it } from 'vitest';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { attributeDrift } from './drift';

const ana: PersonSnapshot = {
  employeeId: '4102',
  workerType: 'employee',
  status: 'active',
  givenName: 'Ana',
  familyName: 'Silva',
  workEmail: 'ana@example.org',
  jobTitle: 'Engineer',
  department: 'R&D',
};
const personKey = 'workday:acme:4102';
/** What readAccount reports for the entry createAccount made with `{ uid: 'ana' }`. */
const held = {
  uid: 'ana',
  cn: 'Ana Silva',
  sn: 'Silva',
  givenName: 'Ana',
  displayName: 'Ana Silva',
  mail: 'ana@example.org',
  title: 'Engineer',
  departmentNumber: 'R&D',
  employeeNumber: personKey,
};
const conflict = { onUidCollision: 'conflict' as const };

describe('ldap > attributeDrift', () => {
  it('none > for the entry a create with the same inputs wrote', () => {
    expect(attributeDrift(conflict, { personKey, person: ana, attributes: { uid: 'ana' }, held })).toEqual([]);
  });

  it('synonyms > the policy’s userName, email and department are compared as uid, mail and departmentNumber', () => {
    const attributes = { userName: 'ana.silva', email: 'ana.silva@example.org', department: 'Platform' };
    expect(attributeDrift(conflict, { personKey, person: ana, attributes, held })).toEqual(['departmentNumber', 'mail', 'uid']);
  });

  it('exact > a change of letter case is drift (an update writes it), a null clears, an unmapped uid is left alone', () => {
    expect(attributeDrift(conflict, { personKey, person: { ...ana, familyName: 'silva' }, attributes: {}, held })).toEqual(['cn', 'displayName', 'sn']);
    expect(attributeDrift(conflict, { personKey, person: ana, attributes: { title: null }, held })).toEqual(['title']);
  });

  it('uid > the suffixed uid of a collision is no drift in suffix mode, and is in conflict mode', () => {
    const suffixed = { ...held, uid: 'ana-4102' };
    expect(attributeDrift({ onUidCollision: 'suffix-employee-number' }, { personKey, person: ana, attributes: { uid: 'ana' }, held: suffixed })).toEqual([]);
    expect(attributeDrift(conflict, { personKey, person: ana, attributes: { uid: 'ana' }, held: suffixed })).toEqual(['uid']);
  });

  it('anchor > an entry without our employeeNumber drifts on it', () => {
    const { employeeNumber: _anchor, ...withoutAnchor } = held;
    expect(attributeDrift(conflict, { personKey, person: ana, attributes: { uid: 'ana' }, held: withoutAnchor })).toEqual(['employeeNumber']);
  });
});
