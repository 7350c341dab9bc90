import { afterEach, describe, expect, it, vi } from 'vitest';
import { JmlEvent } from '../../schemas/jml-event.v1';
import type { BambooHrRecord } from './fields';
import { normalizeBambooHr, type NormalizeBambooHrRequest } from './normalize';
import { parseBambooHrBody, type NormalizedChange } from './payload';
import { UNKNOWN_NAME } from './snapshot';

const CHANGE: NormalizedChange = { style: 'event-based', action: 'updated', employeeId: '4101', companyId: '12345', timestamp: '2026-02-10T14:03:27Z', changedFields: ['jobTitle'] };
const RECORD: BambooHrRecord = {
  firstName: ' Ada ',
  lastName: 'Lovelace',
  preferredName: '',
  workEmail: 'ada@acme.example',
  jobTitle: 'Staff Engineer',
  status: 'Active',
  employmentHistoryStatus: 'Full-Time',
  hireDate: '2020-01-06',
  terminationDate: '0000-00-00',
  supervisorEId: '4001',
};

function ok(over: Partial<NormalizeBambooHrRequest> = {}) {
  const r = normalizeBambooHr({ tenant: 'acme', change: CHANGE, record: RECORD, receivedAt: '2026-02-10T14:03:29Z', ...over });
  if (!r.ok) throw new Error(r.reason);
  return r;
}

function reason(over: Partial<NormalizeBambooHrRequest>) {
  const r = normalizeBambooHr({ tenant: 'acme', change: CHANGE, record: RECORD, receivedAt: '2026-02-10T14:03:29Z', ...over });
  if (r.ok) throw new Error('expected a failure');
  return r.reason;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('normalizeBambooHr', () => {
  it('builds a JmlEvent v1 that the wire schema accepts', () => {
    const { event, warnings } = ok();
    expect(JmlEvent.parse(event)).toEqual(event);
    expect(warnings).toEqual([]);
    expect(event).toMatchObject({
      specversion: '1.0',
      source: '/hr/bamboohr/acme',
      subject: 'bamboohr:acme:4101',
      type: 'jml.mover',
      time: '2026-02-10T14:03:27Z',
      data: { enteredAt: '2026-02-10T14:03:27Z', effectiveAt: '2026-02-10T14:03:27Z', changedFields: ['jobTitle'] },
    });
  });

  it('two tenants > that both have employee 4101 are two people', () => {
    const a = ok({ tenant: 'acme' }).event;
    const b = ok({ tenant: 'globex' }).event;
    expect([a.subject, b.subject]).toEqual(['bamboohr:acme:4101', 'bamboohr:globex:4101']);
    expect(a.id).not.toBe(b.id);
  });

  it('trims text, and reads blank and 0000-00-00 as known-empty', () => {
    const { person } = ok().event.data;
    expect(person).toMatchObject({ givenName: 'Ada', preferredName: null, terminationDate: null, hireDate: '2020-01-06', managerEmployeeId: '4001' });
  });

  it('leaves absent fields absent (unknown), not null', () => {
    const { person } = ok({ record: { firstName: 'Ada', lastName: 'Lovelace' } }).event.data;
    expect(Object.keys(person).sort()).toEqual(['employeeId', 'familyName', 'givenName', 'status', 'workerType']);
  });

  it('leaves out a value that would break the contract and says so, rather than losing the event', () => {
    const r = ok({ record: { ...RECORD, workEmail: 'not-an-email', jobTitle: 'x'.repeat(600), hireDate: '2020-02-30' } });
    expect(r.event.data.person.workEmail).toBeUndefined();
    expect(r.event.data.person.jobTitle).toBeUndefined();
    expect(r.event.data.person.hireDate).toBeUndefined();
    expect([...r.warnings].sort()).toEqual([
      'hireDate "2020-02-30" is not a YYYY-MM-DD date; left out',
      'jobTitle is longer than 512 characters; left out',
      'workEmail is not a valid address; left out',
    ]);
  });

  it('maps BambooHR field names to snapshot names in changedFields, dropping fields it does not publish', () => {
    const change = { ...CHANGE, changedFields: ['First Name', 'supervisorEId', 'Employee #', 'SSN', 'Pay rate'] };
    expect(ok({ change }).event.data.changedFields).toEqual(['custom.employeeNumber', 'givenName', 'managerEmployeeId']);
  });

  it('derives the worker type from the employment status', () => {
    const type = (s: string) => ok({ record: { ...RECORD, employmentHistoryStatus: s } }).event.data.person.workerType;
    expect([type('Contractor'), type('Intern'), type('Temporary'), type('Part-Time'), type('Sabbatical Pool')]).toEqual(['contractor', 'intern', 'temporary', 'employee', 'other']);
  });

  it('uses receivedAt when the payload has no timestamp', () => {
    const { timestamp: _dropped, ...noTs } = CHANGE;
    expect(ok({ change: noTs, receivedAt: '2026-02-10T15:00:00+01:00' }).event.time).toBe('2026-02-10T14:00:00Z');
  });

  it('never reads the clock: the same request gives the same event at any time', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2020-01-01T00:00:00Z'));
    const before = ok({ change: { ...CHANGE, action: 'created' }, record: { ...RECORD, hireDate: '2026-03-02' } });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const after = ok({ change: { ...CHANGE, action: 'created' }, record: { ...RECORD, hireDate: '2026-03-02' } });
    expect(after).toEqual(before);
    expect(after.event.data.person.status).toBe('pre-hire');
  });

  it('gives a redelivered webhook the same id, whether posted as JSON or as a form', () => {
    const json = parseBambooHrBody(Buffer.from(JSON.stringify({ type: 'employee.updated', timestamp: '2026-02-10T14:03:27+0000', data: { companyId: '12345', employeeId: '4101', changedFields: ['jobTitle'] } })), 'application/json');
    const form = parseBambooHrBody(Buffer.from('type=employee.updated&timestamp=2026-02-10T14%3A03%3A27%2B0000&data[companyId]=12345&data[employeeId]=4101&data[changedFields][0]=jobTitle'), 'application/x-www-form-urlencoded');
    if (!json.ok || !form.ok) throw new Error('fixture does not parse');
    const first = ok({ change: json.deliveries[0] as NormalizedChange, receivedAt: '2026-02-10T14:03:29Z' });
    const retry = ok({ change: json.deliveries[0] as NormalizedChange, receivedAt: '2026-02-10T14:08:31Z' });
    const asForm = ok({ change: form.deliveries[0] as NormalizedChange });
    expect(retry.event.id).toBe(first.event.id);
    expect(asForm.event.id).toBe(first.event.id);
    expect(ok({ change: { ...CHANGE, timestamp: '2026-02-10T14:03:28Z' } }).event.id).not.toBe(first.event.id);
  });

  it('names a deleted person from previous knowledge, else with a placeholder', () => {
    const deleted: NormalizedChange = { style: 'event-based', action: 'deleted', employeeId: '4101', timestamp: '2026-02-11T08:00:00Z', changedFields: [] };
    const known = ok({ change: deleted, record: undefined, previous: { givenName: 'Ada', familyName: 'Lovelace', workerType: 'contractor' } }).event;
    expect(known).toMatchObject({ type: 'jml.leaver', data: { reason: 'deleted in HR', person: { givenName: 'Ada', familyName: 'Lovelace', workerType: 'contractor', status: 'terminated' } } });
    const unknown = ok({ change: deleted, record: undefined }).event;
    expect(unknown.data.person).toEqual({ employeeId: '4101', workerType: 'employee', status: 'terminated', givenName: UNKNOWN_NAME, familyName: UNKNOWN_NAME });
  });

  it('carries a valid previous snapshot and rejects an invalid one', () => {
    expect(ok({ previous: { status: 'active', jobTitle: 'Engineer' } }).event.data.previous).toEqual({ status: 'active', jobTitle: 'Engineer' });
    expect(reason({ previous: { status: 'gone' } as never })).toMatch(/^previous snapshot is invalid: status: /);
  });

  it('explains what it cannot do', () => {
    expect(reason({ record: { lastName: 'Lovelace' } })).toBe('employee 4101: firstName and lastName are required but unknown (hydrate the record first)');
    expect(reason({ tenant: 'acme corp' })).toBe('tenant "acme corp" must be 1-64 of letters, digits, . _ -');
    expect(reason({ timeZone: 'Mars/Olympus_Mons' })).toBe('time zone "Mars/Olympus_Mons" is not a known IANA zone');
    const { timestamp: _dropped, ...noTs } = CHANGE;
    expect(reason({ change: noTs, receivedAt: 'later' })).toBe('receivedAt "later" is not an ISO-8601 date-time with an offset');
  });
});
