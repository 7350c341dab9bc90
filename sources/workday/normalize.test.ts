import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WorkdayEvent } from './contract';
import { normalizeWorkday, type NormalizeWorkdayRequest } from './normalize';

const fixture = (name: string): WorkdayEvent =>
  WorkdayEvent.parse(JSON.parse(readFileSync(new URL(`./golden/${name}.body.json`, import.meta.url), 'utf8')));

const HIRE = fixture('hire-employee.future-dated');
const CHANGE_JOB = fixture('change-job.without-event-wid');
const TERMINATION = fixture('terminate-employee.voluntary');

function normalize(event: WorkdayEvent, over: Partial<NormalizeWorkdayRequest> = {}) {
  const r = normalizeWorkday({ tenant: 'acme', event: WorkdayEvent.parse(event), defaultTimeZone: 'America/Los_Angeles', ...over });
  if (!r.ok) throw new Error(r.reason);
  return r;
}

function edit(event: WorkdayEvent, over: Partial<WorkdayEvent>, worker: Partial<WorkdayEvent['Worker']> = {}): WorkdayEvent {
  return { ...event, ...over, Worker: { ...event.Worker, ...worker } };
}

describe('normalizeWorkday > identity', () => {
  it('keys the person on Worker_ID, never the WID, under the tenant’s source', () => {
    const { event } = normalize(HIRE);
    expect(event.subject).toBe('workday:acme:21001');
    expect(event.source).toBe('/hr/workday/acme');
    expect(event.data.person.employeeId).toBe('21001');
    expect(event.data.person.custom?.workdayWid).toBe(HIRE.Worker.WID);
  });

  it('uses the lowercased Event_WID as id, so a redelivery is the same event', () => {
    expect(normalize(edit(HIRE, { Event_WID: HIRE.Event_WID?.toUpperCase() })).event.id).toBe('workday-acme-3aa5550b7fe348b98d7b5741afc65534');
  });

  it('gives a rescind its own id, distinct from the event it rescinds', () => {
    const original = normalize(HIRE).event.id;
    const rescind = normalize(edit(HIRE, { Is_Rescind: true })).event.id;
    expect(rescind).toBe(`${original}-rescind`);
  });

  it('without Event_WID, derives the id from the facts: the same instant written in another offset is the same id', () => {
    const a = normalize(CHANGE_JOB).event.id;
    expect(a).toMatch(/^workday-digest-[0-9a-f]{32}$/);
    expect(normalize(edit(CHANGE_JOB, { Entry_Moment: '2026-06-10T18:20:00Z' })).event.id).toBe(a);
    expect(normalize(edit(CHANGE_JOB, { Entry_Moment: '2026-06-10T18:20:01Z' })).event.id).not.toBe(a);
    expect(normalize(edit(CHANGE_JOB, {}, { Worker_ID: '21018' })).event.id).not.toBe(a);
    expect(normalize(CHANGE_JOB, { tenant: 'other' }).event.id).not.toBe(a);
  });

  it('two tenants > that both send Worker_ID 21001 with the same Event_WID are two people and two events', () => {
    const a = normalize(HIRE, { tenant: 'acme' }).event;
    const b = normalize(HIRE, { tenant: 'globex' }).event;
    expect([a.subject, b.subject]).toEqual(['workday:acme:21001', 'workday:globex:21001']);
    expect(a.id).not.toBe(b.id);
    expect([a.data.person.employeeId, b.data.person.employeeId]).toEqual(['21001', '21001']);
  });

  it('refuses a tenant that is not a slug and a default zone Intl does not know', () => {
    expect(normalizeWorkday({ tenant: 'acme/eu', event: HIRE, defaultTimeZone: 'UTC' })).toMatchObject({ ok: false, reason: expect.stringContaining('tenant') });
    expect(normalizeWorkday({ tenant: 'acme', event: HIRE, defaultTimeZone: 'Pacific Time' })).toMatchObject({ ok: false, reason: expect.stringContaining('Pacific Time') });
  });
});

describe('normalizeWorkday > time', () => {
  it('writes enteredAt and time as the Entry_Moment in UTC', () => {
    const { event } = normalize(edit(HIRE, { Entry_Moment: '2026-02-10T09:15:00.000-08:00' }));
    expect(event.time).toBe('2026-02-10T17:15:00Z');
    expect(event.data.enteredAt).toBe('2026-02-10T17:15:00Z');
  });

  it('reads calendar dates in the worker’s zone, else the tenant default, never the entry moment’s offset', () => {
    expect(normalize(HIRE).event.data.effectiveAt).toBe('2026-03-02T00:00:00Z'); // Europe/London, winter
    const noZone = edit(HIRE, {}, { Time_Zone: undefined });
    expect(normalize(noZone).event.data.effectiveAt).toBe('2026-03-02T00:00:00-08:00');
    expect(normalize(noZone, { defaultTimeZone: 'Asia/Tokyo' }).event.data.effectiveAt).toBe('2026-03-02T00:00:00+09:00');
    expect(normalize(edit(noZone, { Entry_Moment: '2026-02-10T18:15:00.000+01:00' })).event.data.effectiveAt).toBe('2026-03-02T00:00:00-08:00');
  });

  it('falls back to the tenant zone, with a warning, for a worker zone Intl does not know', () => {
    const r = normalize(edit(HIRE, {}, { Time_Zone: 'GMT-08:00 Pacific Time (Los Angeles)' }));
    expect(r.event.data.effectiveAt).toBe('2026-03-02T00:00:00-08:00');
    expect(r.event.data.person.timeZone).toBeUndefined();
    expect(r.warnings).toEqual(['Time_Zone "GMT-08:00 Pacific Time (Los Angeles)" is not an IANA time zone this runtime knows; left out']);
  });

  it('is pre-hire until the start of the hire date in the worker’s zone, measured from the entry moment', () => {
    const at = (Entry_Moment: string) => normalize(edit(HIRE, { Entry_Moment }, { Time_Zone: 'Europe/Berlin' })).event.data.person.status;
    expect(at('2026-03-01T14:59:59-08:00')).toBe('pre-hire'); // 23:59:59 in Berlin
    expect(at('2026-03-01T15:00:00-08:00')).toBe('active'); // midnight in Berlin
  });
});

describe('normalizeWorkday > leavers', () => {
  it('ends access with the last day of work, carrying the termination date and reason', () => {
    const { event } = normalize(TERMINATION);
    expect(event.type).toBe('jml.leaver');
    expect(event.data.effectiveAt).toBe('2026-06-27T00:00:00+02:00');
    expect(event.data.person).toMatchObject({ status: 'terminated', terminationDate: '2026-06-30', custom: { lastDayOfWork: '2026-06-26' } });
    expect(event.data).toMatchObject({ reason: 'Voluntary > Resignation > Accepted Another Position', involuntary: false });
  });

  it('ends access with the termination date when no last day of work is given', () => {
    const t = { ...TERMINATION, Termination: { Termination_Date: '2026-06-30' } };
    const { event } = normalize(t);
    expect(event.data.effectiveAt).toBe('2026-07-01T00:00:00+02:00');
    expect(event.data.person.custom?.lastDayOfWork).toBeUndefined();
    expect(event.data.involuntary).toBeUndefined();
    expect(event.data.reason).toBe('Terminate Employee > Voluntary > Resignation');
  });

  it('carries the involuntary flag', () => {
    const t = { ...TERMINATION, Termination: { ...TERMINATION.Termination, Termination_Date: '2026-06-30', Is_Involuntary: true } };
    expect(normalize(t).event.data.involuntary).toBe(true);
  });
});

describe('normalizeWorkday > rescinds', () => {
  it('turns a rescinded hire that already started into a leaver now', () => {
    const { event } = normalize(edit(HIRE, { Is_Rescind: true, Entry_Moment: '2026-03-05T10:00:00.000-08:00' }));
    expect(event).toMatchObject({ type: 'jml.leaver', data: { effectiveAt: '2026-03-05T18:00:00Z', reason: 'hire rescinded', changedFields: ['status'] } });
    expect(event.data.person.status).toBe('terminated');
    expect(event.data.involuntary).toBeUndefined();
  });

  it('names what was rescinded: rehire, contingent worker contract', () => {
    expect(normalize(edit(HIRE, { Is_Rescind: true, Is_Rehire: true })).event.data.reason).toBe('rehire rescinded');
    const ccw = fixture('contract-contingent-worker');
    expect(normalize(edit(ccw, { Is_Rescind: true })).event.data.reason).toBe('contingent worker contract rescinded');
    const end = fixture('end-contingent-worker-contract');
    expect(normalize(edit(end, { Is_Rescind: true })).event).toMatchObject({ type: 'jml.rehire', data: { reason: 'contract end rescinded' } });
  });

  it('turns a rescinded termination that had not taken effect into a rehire that clears only the date', () => {
    const { event } = normalize(edit(TERMINATION, { Is_Rescind: true, Entry_Moment: '2026-06-20T09:00:00.000-07:00' }));
    expect(event.type).toBe('jml.rehire');
    expect(event.data.effectiveAt).toBe('2026-06-27T00:00:00+02:00'); // the leaver's own moment: it runs right after it
    expect(event.data.person).toMatchObject({ status: 'active', terminationDate: null });
    expect(event.data.previous).toEqual({ terminationDate: '2026-06-30' });
    expect(event.data.changedFields).toEqual(['terminationDate']);
  });

  it('turns a rescinded return from leave into a leave start', () => {
    const back = fixture('return-from-leave');
    const { event } = normalize(edit(back, { Is_Rescind: true, Entry_Moment: '2026-09-03T09:00:00.000-07:00' }));
    expect(event).toMatchObject({ type: 'jml.leave.start', data: { effectiveAt: '2026-09-03T12:00:00-04:00', reason: 'return from leave rescinded' } });
    expect(event.data.person.status).toBe('on-leave');
  });
});

describe('normalizeWorkday > changed fields and values', () => {
  it('lists the job fields sent when a Change Job has no prior values', () => {
    expect(normalize(CHANGE_JOB).event.data.changedFields).toEqual(['costCenter', 'custom.jobProfile', 'department', 'jobTitle', 'location', 'managerEmployeeId', 'workerType']);
    expect(normalize(CHANGE_JOB).event.data.previous).toBeUndefined();
  });

  it('adds fields that differ from Prior_Worker to any event, with their previous values', () => {
    const t = { ...TERMINATION, Prior_Worker: { Location: 'Munich', Cost_Center: 'CC-4400 Data' } };
    const { event } = normalize(t);
    expect(event.data.changedFields).toEqual(['custom.lastDayOfWork', 'location', 'status', 'terminationDate']);
    expect(event.data.previous).toEqual({ location: 'Munich' });
  });

  it('takes the business title as job title, else the job profile', () => {
    expect(normalize(edit(HIRE, {}, { Business_Title: null })).event.data.person.jobTitle).toBe('Software Engineer III');
    expect(normalize(edit(HIRE, {}, { Business_Title: undefined, Job_Profile: undefined })).event.data.person.jobTitle).toBeUndefined();
    expect(normalize(edit(HIRE, {}, { Business_Title: null, Job_Profile: null })).event.data.person.jobTitle).toBeNull();
  });

  it('maps worker types: contingent → contractor, intern and temporary employee types', () => {
    const type = (worker: Partial<WorkdayEvent['Worker']>) => normalize(edit(CHANGE_JOB, {}, worker)).event.data.person.workerType;
    expect(type({ Worker_Type: 'Contingent Worker', Contingent_Worker_Type: 'Consultant' })).toBe('contractor');
    expect(type({ Employee_Type: 'Intern (Fixed Term)' })).toBe('intern');
    expect(type({ Employee_Type: 'Seasonal' })).toBe('temporary');
    expect(type({ Employee_Type: 'Regular' })).toBe('employee');
  });

  it('leaves out an invalid work email with a warning instead of holding the event back', () => {
    const r = normalize({ ...TERMINATION, Worker: { ...TERMINATION.Worker, Work_Email: 'emmy.noether@' } });
    expect(r.event.type).toBe('jml.leaver');
    expect(r.event.data.person.workEmail).toBeUndefined();
    expect(r.warnings).toEqual(['Work_Email is not a valid address; left out']);
  });

  it('keeps blank values as known-empty and absent ones as unknown', () => {
    const { person } = normalize(edit(CHANGE_JOB, {}, { Location: '  ', Cost_Center: undefined })).event.data;
    expect(person.location).toBeNull();
    expect('costCenter' in person).toBe(false);
  });

  it('records the leave type and expected end on a leave start', () => {
    const { person, changedFields } = normalize(fixture('request-leave-of-absence')).event.data;
    expect(person.custom).toMatchObject({ leaveType: 'Parental Leave', estimatedLastDayOfLeave: '2026-08-31' });
    expect(changedFields).toEqual(['custom.estimatedLastDayOfLeave', 'custom.leaveType', 'status']);
  });
});
