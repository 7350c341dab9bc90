import { describe, expect, it } from 'vitest';
import { snapshotFromReport } from './raas-report';

const ADA = {
  Worker_ID: '21001',
  WID: 'f5d7b2c1e4a94b0c8d6e2f1a3b5c7d90',
  Worker_Type: 'Employee',
  Employee_Type: 'Regular',
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

function snapshot(entries: Record<string, unknown>[], asOf = '2026-04-01T06:00:00-07:00') {
  const r = snapshotFromReport({ asOf, entries });
  if (!r.ok) throw new Error(r.reason);
  return r.snapshot;
}

describe('snapshotFromReport', () => {
  it('keys rows by Worker_ID and maps them like the contract’s Worker section', () => {
    const s = snapshot([ADA]);
    expect(s.asOf).toBe('2026-04-01T13:00:00Z');
    expect(s.unreadable).toEqual([]);
    expect(s.workers['21001']).toEqual({
      person: {
        employeeId: '21001',
        workerType: 'employee',
        givenName: 'Ada',
        familyName: 'Lovelace',
        preferredName: null,
        workEmail: 'ada@acme.example',
        jobTitle: 'Software Engineer III',
        department: 'Analytical Engines',
        costCenter: null,
        location: 'London',
        managerEmployeeId: '20001',
        hireDate: '2026-03-02',
        terminationDate: null,
        timeZone: 'Europe/London',
        custom: { workdayWid: ADA.WID, jobProfile: 'Software Engineer III', employeeType: 'Regular', contingentWorkerType: null, preferredLastName: null },
      },
      active: true,
      onLeave: false,
      lastDayOfWork: null,
      terminationReason: null,
    });
  });

  it('reads RaaS renderings: numeric ids, 1/0 and true/false flags, dates with an xs:date offset', () => {
    const s = snapshot([{ ...ADA, Worker_ID: 21001, Manager_Worker_ID: 20001, Hire_Date: '2026-03-02-08:00', Active: true, On_Leave: '1', Is_Involuntary: 'false' }]);
    expect(s.workers['21001']).toMatchObject({ person: { managerEmployeeId: '20001', hireDate: '2026-03-02' }, active: true, onLeave: true, involuntary: false });
  });

  it('reads termination columns', () => {
    const s = snapshot([{ ...ADA, Active: '0', Termination_Date: '2026-06-30', Last_Day_of_Work: '2026-06-26', Primary_Termination_Reason: 'Voluntary > Resignation', Is_Involuntary: '0' }]);
    expect(s.workers['21001']).toMatchObject({ person: { terminationDate: '2026-06-30' }, active: false, lastDayOfWork: '2026-06-26', terminationReason: 'Voluntary > Resignation', involuntary: false });
  });

  it('leaves a worker whose row it cannot read alone, listing why without field values', () => {
    const s = snapshot([
      { ...ADA, Worker_ID: '1', Legal_Last_Name: undefined },
      { ...ADA, Worker_ID: '2', Worker_Type: 'Contractor' },
      { ...ADA, Worker_ID: '3', Location: [{ Descriptor: 'London' }, { Descriptor: 'Paris' }] },
      { ...ADA, Worker_ID: '4', Hire_Date: '03/02/2026' },
      { ...ADA, Worker_ID: '5', Active: 'Yes' },
      { ...ADA, Worker_ID: '6' },
    ]);
    expect(s.unreadable).toEqual(['1', '2', '3', '4', '5']);
    expect(Object.keys(s.workers)).toEqual(['6']);
    expect(s.warnings).toEqual([
      'Worker_ID 1: Legal_First_Name and Legal_Last_Name are required; left alone',
      'Worker_ID 2: Worker_Type must be one of Employee, Contingent Worker; left alone',
      'Worker_ID 3: Location is not a single value; left alone',
      'Worker_ID 4: Hire_Date is not a date; left alone',
      'Worker_ID 5: Active is not 1/0; left alone',
    ]);
  });

  it('treats a Worker_ID on two rows (e.g. two positions) as unreadable rather than picking one', () => {
    const s = snapshot([ADA, { ...ADA, Location: 'Paris' }, { ...ADA, Location: 'Rome' }]);
    expect(s.workers).toEqual({});
    expect(s.unreadable).toEqual(['21001']);
  });

  it('keeps a value problem that need not stop the worker as a warning', () => {
    const s = snapshot([{ ...ADA, Work_Email: 'ada@', Time_Zone: 'Pacific Time' }]);
    expect(s.workers['21001']?.person.workEmail).toBeUndefined();
    expect(s.warnings).toEqual(['Worker_ID 21001: Work_Email is not a valid address; left out', 'Worker_ID 21001: Time_Zone "Pacific Time" is not an IANA time zone this runtime knows; left out']);
  });

  it('fails the whole snapshot for a row without a usable Worker_ID, which it could not key', () => {
    expect(snapshotFromReport({ asOf: '2026-04-01T13:00:00Z', entries: [ADA, { ...ADA, Worker_ID: undefined }] })).toEqual({
      ok: false,
      reason: 'Report_Entry 1 has no usable Worker_ID; the report cannot be reconciled',
    });
    expect(snapshotFromReport({ asOf: '2026-04-01T13:00:00Z', entries: [{ ...ADA, Worker_ID: '21001 ' }] }).ok).toBe(false);
    expect(snapshotFromReport({ asOf: '2026-04-01 13:00', entries: [] }).ok).toBe(false);
  });

  it('is plain JSON, so the poller can store it as the next baseline', () => {
    const s = snapshot([ADA, { ...ADA, Worker_ID: '2', Worker_Type: '?' }]);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});
