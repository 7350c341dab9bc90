import { describe, expect, it } from 'vitest';
import { JmlEvent } from '../../schemas/jml-event.v1';
import { diffSnapshots } from './raas-diff';
import { snapshotFromReport, type RaasSnapshot } from './raas-report';

type Row = Record<string, unknown>;

const ADA: Row = {
  Worker_ID: '21001',
  Worker_Type: 'Employee',
  Legal_First_Name: 'Ada',
  Legal_Last_Name: 'Lovelace',
  Work_Email: 'ada@acme.example',
  Job_Profile: 'Software Engineer III',
  Supervisory_Organization: 'Analytical Engines',
  Location: 'London',
  Manager_Worker_ID: '20001',
  Time_Zone: 'Europe/London',
  Hire_Date: '2026-03-02',
  Active: '1',
};
const GRACE: Row = { Worker_ID: '21017', Worker_Type: 'Employee', Legal_First_Name: 'Grace', Legal_Last_Name: 'Hopper', Hire_Date: '2026-01-05', Active: '1' };

const T0 = '2026-04-01T06:00:00-07:00';
const T1 = '2026-04-02T06:00:00-07:00';
const T2 = '2026-04-03T06:00:00-07:00';

function snap(asOf: string, ...entries: Row[]): RaasSnapshot {
  const r = snapshotFromReport({ asOf, entries });
  if (!r.ok) throw new Error(r.reason);
  return r.snapshot;
}

function diff(previous: RaasSnapshot, current: RaasSnapshot) {
  return diffSnapshots({ tenant: 'acme', previous, current, defaultTimeZone: 'America/Los_Angeles' });
}

function only(previous: RaasSnapshot, current: RaasSnapshot): JmlEvent {
  const { events } = diff(previous, current);
  expect(events).toHaveLength(1);
  return events[0] as JmlEvent;
}

describe('diffSnapshots > joiners', () => {
  it('turns a new worker into a joiner at the start of the hire date in their zone', () => {
    const e = only(snap(T0), snap(T1, { ...ADA, Hire_Date: '2026-04-13' }));
    expect(e).toMatchObject({ type: 'jml.joiner', subject: 'workday:acme:21001', source: '/hr/workday/acme', time: '2026-04-02T13:00:00Z' });
    expect(e.id).toMatch(/^workday-raas-[0-9a-f]{32}$/);
    expect(e.data).toMatchObject({ effectiveAt: '2026-04-13T00:00:00+01:00', enteredAt: '2026-04-02T13:00:00Z' });
    expect(e.data.person).toMatchObject({ employeeId: '21001', status: 'pre-hire', givenName: 'Ada', location: 'London' });
    expect(e.data.changedFields).toContain('givenName');
    expect(e.data.previous).toBeUndefined();
  });

  it('two tenants > reporting the same new Worker_ID are two people and two events', () => {
    const [a, b] = ['acme', 'globex'].map((tenant) => diffSnapshots({ tenant, previous: snap(T0), current: snap(T1, ADA), defaultTimeZone: 'UTC' }).events[0]);
    expect([a?.subject, b?.subject]).toEqual(['workday:acme:21001', 'workday:globex:21001']);
    expect(a?.id).not.toBe(b?.id);
  });

  it('uses the tenant zone for a worker without one, and is active once the hire date has started', () => {
    const e = only(snap(T0), snap(T1, GRACE));
    expect(e.data.effectiveAt).toBe('2026-01-05T00:00:00-08:00');
    expect(e.data.person.status).toBe('active');
  });

  it('emits nothing for a worker first seen already terminated: a first run must not offboard every former worker', () => {
    const { events, skipped } = diff(snap(T0), snap(T1, { ...GRACE, Active: '0', Termination_Date: '2026-02-27' }));
    expect(events).toEqual([]);
    expect(skipped).toEqual([{ workerId: '21017', reason: 'first seen already terminated' }]);
  });
});

describe('diffSnapshots > leavers', () => {
  it('turns a worker gone from the report into a leaver when observed', () => {
    const e = only(snap(T0, ADA, GRACE), snap(T1, GRACE));
    expect(e).toMatchObject({ type: 'jml.leaver', subject: 'workday:acme:21001' });
    expect(e.data).toMatchObject({ effectiveAt: '2026-04-02T14:00:00+01:00', reason: 'no longer in the Workday report', changedFields: ['status'], previous: { status: 'active' } });
    expect(e.data.person).toMatchObject({ status: 'terminated', givenName: 'Ada' });
  });

  it('turns a termination into a leaver at the end of the last day of work, with reason and involuntary flag', () => {
    const terminated = { ...ADA, Active: '0', Termination_Date: '2026-04-03', Last_Day_of_Work: '2026-04-02', Primary_Termination_Reason: 'Involuntary > Misconduct', Is_Involuntary: '1' };
    const e = only(snap(T0, ADA), snap(T1, terminated));
    expect(e.type).toBe('jml.leaver');
    expect(e.data).toMatchObject({ effectiveAt: '2026-04-03T00:00:00+01:00', reason: 'Involuntary > Misconduct', involuntary: true });
    expect(e.data.changedFields).toEqual(['status', 'terminationDate']);
    expect(e.data.previous).toEqual({ status: 'active', terminationDate: null });
  });

  it('schedules a leaver for a future termination date on an active row, once', () => {
    const pending = { ...ADA, Termination_Date: '2026-04-30' };
    const e = only(snap(T0, ADA), snap(T1, pending));
    expect(e.data).toMatchObject({ effectiveAt: '2026-05-01T00:00:00+01:00', reason: 'terminated in Workday' });
    expect(diff(snap(T1, pending), snap(T2, { ...pending, Active: '0' })).events).toEqual([]);
  });

  it('ignores a terminated worker dropping out of the report', () => {
    const gone = { ...GRACE, Active: '0', Termination_Date: '2026-02-27' };
    expect(diff(snap(T0, gone), snap(T1))).toEqual({ events: [], skipped: [{ workerId: '21017', reason: 'terminated worker left the report' }] });
  });
});

describe('diffSnapshots > rehires, moves, updates and leave', () => {
  it('turns a terminated worker active again into a rehire at the new hire date', () => {
    const before = { ...GRACE, Active: '0', Termination_Date: '2026-02-27' };
    const after = { ...GRACE, Hire_Date: '2026-05-04', Termination_Date: '2026-02-27' }; // the old date stays, older than the hire
    const e = only(snap(T0, before), snap(T1, after));
    expect(e).toMatchObject({ type: 'jml.rehire', data: { effectiveAt: '2026-05-04T00:00:00-07:00', person: { status: 'pre-hire' } } });
    expect(e.data.changedFields).toEqual(['hireDate', 'status']);
    expect(e.data.previous).toEqual({ hireDate: '2026-01-05', status: 'terminated' });
  });

  it('turns a changed job field into a mover when observed, with the previous values', () => {
    const e = only(snap(T0, ADA), snap(T1, { ...ADA, Business_Title: 'Staff Engineer', Manager_Worker_ID: '20010' }));
    expect(e.type).toBe('jml.mover');
    expect(e.data.effectiveAt).toBe('2026-04-02T14:00:00+01:00');
    expect(e.data.changedFields).toEqual(['jobTitle', 'managerEmployeeId']);
    expect(e.data.previous).toEqual({ jobTitle: 'Software Engineer III', managerEmployeeId: '20001' });
    expect(e.data.person).toMatchObject({ jobTitle: 'Staff Engineer', status: 'active' });
  });

  it('turns other changes into an update, including a field emptied (left out of the row)', () => {
    const { Work_Email: _dropped, ...noEmail } = ADA;
    const e = only(snap(T0, ADA), snap(T1, { ...noEmail, Preferred_First_Name: 'Countess' }));
    expect(e.type).toBe('jml.update');
    expect(e.data.changedFields).toEqual(['preferredName', 'workEmail']);
    expect(e.data.previous).toEqual({ preferredName: null, workEmail: 'ada@acme.example' });
    expect(e.data.person).toMatchObject({ preferredName: 'Countess', workEmail: null });
  });

  it('turns On_Leave set and cleared into leave start and end', () => {
    const start = only(snap(T0, ADA), snap(T1, { ...ADA, On_Leave: '1' }));
    expect(start).toMatchObject({ type: 'jml.leave.start', data: { changedFields: ['status'], person: { status: 'on-leave' } } });
    const end = only(snap(T1, { ...ADA, On_Leave: '1' }), snap(T2, ADA));
    expect(end).toMatchObject({ type: 'jml.leave.end', data: { changedFields: ['status'], previous: { status: 'on-leave' }, person: { status: 'active' } } });
  });

  it('sees nothing when nothing in the rows changed, even as a start date passes between polls', () => {
    const future = { ...ADA, Hire_Date: '2026-04-02' };
    expect(diff(snap('2026-04-01T12:00:00Z', future, GRACE), snap('2026-04-02T12:00:00Z', future, GRACE))).toEqual({ events: [], skipped: [] });
  });
});

describe('diffSnapshots > unreadable rows', () => {
  const broken = { ...ADA, Legal_Last_Name: undefined };

  it('never reads an unreadable row as gone', () => {
    expect(diff(snap(T0, ADA), snap(T1, broken))).toEqual({ events: [], skipped: [{ workerId: '21001', reason: 'row unreadable in the current report' }] });
  });

  it('after an unreadable baseline, still reports a termination but no joiner', () => {
    expect(diff(snap(T0, broken), snap(T1, ADA))).toEqual({ events: [], skipped: [{ workerId: '21001', reason: 'row unreadable in the previous report' }] });
    const e = only(snap(T0, broken), snap(T1, { ...ADA, Active: '0', Termination_Date: '2026-04-01' }));
    expect(e.type).toBe('jml.leaver');
  });
});

describe('diffSnapshots > determinism', () => {
  const before = snap(T0, ADA, GRACE);
  const after = snap(T1, { ...ADA, Location: 'Cambridge' }, { ...GRACE, Active: '0', Termination_Date: '2026-04-01' }, { ...GRACE, Worker_ID: '21090', Legal_First_Name: 'Ramón' });

  it('gives the same events and ids when the same diff runs again', () => {
    const first = diff(before, after);
    expect(first.events.map((e) => [e.subject, e.type])).toEqual([
      ['workday:acme:21001', 'jml.mover'],
      ['workday:acme:21017', 'jml.leaver'],
      ['workday:acme:21090', 'jml.joiner'],
    ]);
    expect(diff(structuredClone(before), structuredClone(after))).toEqual(first);
    for (const e of first.events) expect(JmlEvent.parse(e)).toEqual(e);
  });

  it('keeps the ids when the current report is fetched again later with the same rows (a re-run after a crash)', () => {
    const refetched = snap(T2, { ...ADA, Location: 'Cambridge' }, { ...GRACE, Active: '0', Termination_Date: '2026-04-01' }, { ...GRACE, Worker_ID: '21090', Legal_First_Name: 'Ramón' });
    expect(diff(before, refetched).events.map((e) => e.id)).toEqual(diff(before, after).events.map((e) => e.id));
  });

  it('gives a value flapping back and forth a new id each time', () => {
    const a = (asOf: string) => snap(asOf, ADA);
    const b = (asOf: string) => snap(asOf, { ...ADA, Location: 'Cambridge' });
    const ids = [only(a(T0), b(T1)).id, only(b(T1), a(T2)).id, only(a(T2), b('2026-04-04T06:00:00-07:00')).id];
    expect(new Set(ids).size).toBe(3);
  });

  it('throws on configuration errors rather than guessing', () => {
    expect(() => diffSnapshots({ tenant: 'acme eu', previous: before, current: after, defaultTimeZone: 'UTC' })).toThrow(RangeError);
    expect(() => diffSnapshots({ tenant: 'acme', previous: before, current: after, defaultTimeZone: 'Pacific Time' })).toThrow(RangeError);
  });
});
