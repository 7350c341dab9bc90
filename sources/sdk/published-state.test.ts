import { describe, expect, it } from 'vitest';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { diffDigests, personDigests } from './published-state';

const PERSON: PersonSnapshot = { employeeId: '4101', workerType: 'employee', status: 'pre-hire', givenName: 'Ada', familyName: 'Lovelace', jobTitle: null, custom: { payGroup: 'UK' } };

describe('published-state digests', () => {
  it('personDigests > one digest per field and custom attribute; pre-hire and active are one status, terminated another', () => {
    const d = personDigests(PERSON);
    expect(Object.keys(d).sort()).toEqual(['custom.payGroup', 'employeeId', 'familyName', 'givenName', 'jobTitle', 'status', 'workerType']);
    expect(Object.values(d).every((v) => /^[0-9a-f]{16}$/.test(v))).toBe(true);
    expect(personDigests({ ...PERSON, status: 'active' })).toEqual(d);
    expect(personDigests({ ...PERSON, status: 'terminated' }).status).not.toBe(d.status);
    expect(JSON.stringify(d)).not.toContain('Ada');
  });

  it('diffDigests > tells a changed field from one that was unknown before', () => {
    const before = personDigests(PERSON);
    const after = personDigests({ ...PERSON, givenName: 'Augusta', department: 'R&D', jobTitle: undefined });
    expect(diffDigests(before, after)).toEqual({ changed: ['givenName', 'jobTitle'], completed: ['department'] });
    expect(diffDigests(before, before)).toEqual({ changed: [], completed: [] });
  });
});
