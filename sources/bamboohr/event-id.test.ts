import { describe, expect, it } from 'vitest';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { bambooHrEventId, type BambooHrEventIdRequest } from './event-id';

const PERSON: PersonSnapshot = { employeeId: '4101', workerType: 'employee', status: 'active', givenName: 'Ada', familyName: 'Lovelace', custom: { a: '1', b: '2' } };
const BASE: BambooHrEventIdRequest = {
  source: '/hr/bamboohr/acme',
  employeeId: '4101',
  type: 'jml.mover',
  sourceTimestamp: '2026-01-31T18:42:00Z',
  changedFields: ['jobTitle', 'department'],
  person: PERSON,
};

describe('bambooHrEventId', () => {
  it('is bamboohr- and 32 hex digits, valid as a JmlEvent id', () => {
    expect(bambooHrEventId(BASE)).toMatch(/^bamboohr-[0-9a-f]{32}$/);
  });

  it('is a pure function of the business facts: order and duplicates of changed fields do not matter', () => {
    expect(bambooHrEventId({ ...BASE, changedFields: ['department', 'jobTitle', 'jobTitle'] })).toBe(bambooHrEventId(BASE));
  });

  it('changes with every fact it covers', () => {
    const id = bambooHrEventId(BASE);
    expect(bambooHrEventId({ ...BASE, source: '/hr/bamboohr/other' })).not.toBe(id);
    expect(bambooHrEventId({ ...BASE, employeeId: '4102' })).not.toBe(id);
    expect(bambooHrEventId({ ...BASE, type: 'jml.update' })).not.toBe(id);
    expect(bambooHrEventId({ ...BASE, sourceTimestamp: '2026-01-31T18:42:01Z' })).not.toBe(id);
    expect(bambooHrEventId({ ...BASE, changedFields: ['jobTitle'] })).not.toBe(id);
  });

  it('ignores the person when the payload has a timestamp', () => {
    expect(bambooHrEventId({ ...BASE, person: { ...PERSON, givenName: 'Augusta' } })).toBe(bambooHrEventId(BASE));
  });

  it('without a timestamp, keys on the person content, whatever the key order', () => {
    const noTs = { ...BASE, sourceTimestamp: undefined };
    const reordered: PersonSnapshot = { custom: { b: '2', a: '1' }, familyName: 'Lovelace', givenName: 'Ada', status: 'active', workerType: 'employee', employeeId: '4101' };
    expect(bambooHrEventId({ ...noTs, person: reordered })).toBe(bambooHrEventId(noTs));
    expect(bambooHrEventId({ ...noTs, person: { ...PERSON, jobTitle: 'CTO' } })).not.toBe(bambooHrEventId(noTs));
    expect(bambooHrEventId(noTs)).not.toBe(bambooHrEventId(BASE));
  });
});

describe('bambooHrEventId > ids are pinned', () => {
  // Computed before canonicalJson moved to schemas/canonical-json.ts: a content id (no source
  // timestamp) keeps its value, with an undefined member dropped and custom keys in any order.
  it('a content id keeps its value', () => {
    const person = { employeeId: '4101', givenName: 'Ada', familyName: 'Lovelace', jobTitle: 'Engineer', workEmail: undefined, custom: { b: '2', a: '1' } } as unknown as PersonSnapshot;
    expect(bambooHrEventId({ source: '/hr/bamboohr/acme', employeeId: '4101', type: 'jml.update', changedFields: ['jobTitle'], person })).toBe('bamboohr-34b4577c083bb47667c0d80981961263');
  });
});
