import { describe, expect, it } from 'vitest';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { anchorOf, desiredEntry, diffEntry, entryForAdd, readAttributes, type CurrentEntry } from './entry';
import { InvalidValueError } from './escape';
import { suffixedUid } from './naming';

const person: PersonSnapshot = {
  employeeId: '4101',
  workerType: 'employee',
  status: 'active',
  givenName: 'Ana',
  familyName: "O'Brien",
  preferredName: 'Annie',
  workEmail: 'ana.obrien@example.org',
  jobTitle: 'Engineer',
  department: 'R&D',
};

const empty = (): CurrentEntry => ({ uid: [], cn: [], sn: [], givenName: [], displayName: [], mail: [], title: [], departmentNumber: [], employeeNumber: [] });

describe('desiredEntry', () => {
  it('maps > HR fields to inetOrgPerson, anchor from the person key', () => {
    expect(desiredEntry({ personKey: 'bamboohr:4101', person, attributes: { userName: 'ana.obrien' } })).toEqual({
      uid: 'ana.obrien',
      cn: "Annie O'Brien",
      sn: "O'Brien",
      givenName: 'Ana',
      displayName: "Annie O'Brien",
      mail: 'ana.obrien@example.org',
      title: 'Engineer',
      departmentNumber: 'R&D',
      employeeNumber: 'bamboohr:4101',
    });
  });

  it('prefers > LDAP names over generic names over HR fields; null means remove', () => {
    const d = desiredEntry({
      personKey: 'bamboohr:4101',
      person,
      attributes: { uid: 'aob', userName: 'ignored', displayName: 'Ana O.', department: 'Ops', departmentNumber: '42', title: null, email: 'x@example.org', employeeNumber: '999' },
    });
    expect(d).toMatchObject({ uid: 'aob', cn: 'Ana O.', displayName: 'Ana O.', departmentNumber: '42', title: null, mail: 'x@example.org', employeeNumber: 'bamboohr:4101' });
  });

  it('leaves unknown fields out > and turns empty strings into null', () => {
    const d = desiredEntry({ personKey: 'x:1', person: { ...person, jobTitle: undefined, department: '' as string }, attributes: {} });
    expect(d).not.toHaveProperty('title');
    expect(d).not.toHaveProperty('uid');
    expect(d.departmentNumber).toBeNull();
  });

  it('rejects > values that have no UTF-8 form, instead of letting them turn into U+FFFD', () => {
    expect(() => desiredEntry({ personKey: 'x:1', person: { ...person, familyName: 'O\uD800' }, attributes: {} })).toThrow(InvalidValueError);
  });

  it('two tenants > with the same employee id get different anchors: the whole person key', () => {
    const a = desiredEntry({ personKey: 'workday:acme:4101', person, attributes: {} });
    const b = desiredEntry({ personKey: 'workday:globex:4101', person, attributes: {} });
    expect([a.employeeNumber, b.employeeNumber]).toEqual(['workday:acme:4101', 'workday:globex:4101']);
    expect(anchorOf('hris:4101')).toBe('hris:4101');
  });
});

describe('diffEntry', () => {
  it('replaces > only what differs, exactly (letter case counts), and keeps the old values', () => {
    const current = { ...empty(), cn: ['ana obrien'], sn: ["O'Brien"], title: ['Engineer'], mail: ['old@example.org', 'alias@example.org'] };
    const { changes, before } = diffEntry(current, { cn: "Ana O'Brien", sn: "O'Brien", title: null, mail: 'old@example.org', givenName: 'Ana' });
    expect(changes).toEqual([
      { attribute: 'cn', values: ["Ana O'Brien"] },
      { attribute: 'givenName', values: ['Ana'] },
      { attribute: 'mail', values: ['old@example.org'] },
      { attribute: 'title', values: [] },
    ]);
    expect(before).toEqual({ cn: ['ana obrien'], givenName: [], mail: ['old@example.org', 'alias@example.org'], title: ['Engineer'] });
  });

  it('is empty > when the entry already matches; absent keys are ignored', () => {
    expect(diffEntry({ ...empty(), cn: ['A'], title: [] }, { cn: 'A', title: null }).changes).toEqual([]);
  });
});

describe('entryForAdd / readAttributes', () => {
  it('drops nulls > and reads first values', () => {
    expect(entryForAdd({ cn: 'A', title: null, sn: 'B' })).toEqual({ cn: 'A', sn: 'B' });
    expect(readAttributes({ ...empty(), cn: ['A', 'B'], mail: ['m@example.org'] })).toEqual({ cn: 'A', mail: 'm@example.org' });
  });
});

describe('suffixedUid', () => {
  it('suffixes > the employee id of the anchor, before the @ of an email-style uid, else at the end', () => {
    expect(suffixedUid('ana', 'workday:acme:4102')).toBe('ana-4102');
    expect(suffixedUid('ana@example.org', 'workday:acme:4102')).toBe('ana-4102@example.org');
  });
});
