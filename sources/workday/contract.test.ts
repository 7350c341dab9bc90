import { describe, expect, it } from 'vitest';
import { WorkdayEvent } from './contract';
import { parseWorkdayBody } from './payload';

const HIRE = {
  Contract_Version: '1',
  Business_Process_Type: 'Hire Employee',
  Event_WID: '3aa5550b7fe348b98d7b5741afc65534',
  Effective_Date: '2026-03-02',
  Entry_Moment: '2026-02-10T09:15:00.000-08:00',
  Worker: { Worker_ID: '21001', Worker_Type: 'Employee', Legal_First_Name: 'Ada', Legal_Last_Name: 'Lovelace' },
};
const TERMINATION = { Termination_Date: '2026-06-30', Is_Involuntary: false };

function issues(payload: unknown): string[] {
  const r = WorkdayEvent.safeParse(payload);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

function withWorker(over: Record<string, unknown>, worker: Record<string, unknown> = {}) {
  return { ...HIRE, ...over, Worker: { ...HIRE.Worker, ...worker } };
}

describe('WorkdayEvent contract', () => {
  it('accepts a minimal hire', () => {
    expect(issues(HIRE)).toEqual([]);
  });

  it('validates without transforming: what was posted is what it returns', () => {
    const payload = withWorker({ Reason: ' Hire Employee > New Hire ' }, { Business_Title: '  ', Preferred_First_Name: null, Work_Email: 'not an address' });
    expect(WorkdayEvent.parse(payload)).toEqual(payload);
  });

  it('accepts a post without Event_WID (its id is then a digest)', () => {
    const { Event_WID: _omit, ...rest } = HIRE;
    expect(issues(rest)).toEqual([]);
  });

  it('rejects another contract version, naming the field', () => {
    expect(issues({ ...HIRE, Contract_Version: '2' })).toEqual([expect.stringMatching(/^Contract_Version: /)]);
    expect(issues({ ...HIRE, Contract_Version: 1 })).toEqual([expect.stringMatching(/^Contract_Version: /)]);
  });

  it('rejects business processes it does not carry', () => {
    expect(issues({ ...HIRE, Business_Process_Type: 'Edit Position' })).toEqual([expect.stringMatching(/^Business_Process_Type: /)]);
    expect(issues({ ...HIRE, Business_Process_Type: 'Rehire Employee' })).toEqual([expect.stringMatching(/^Business_Process_Type: /)]);
  });

  it('rejects misspelt or unknown fields at every level, so integration mistakes surface in testing', () => {
    expect(issues({ ...HIRE, Effective_Moment: '2026-03-02T00:00:00Z' })).toEqual([expect.stringContaining('Effective_Moment')]);
    expect(issues(withWorker({}, { Legal_Firstname: 'Ada' }))).toEqual([expect.stringMatching(/^Worker: .*Legal_Firstname/)]);
    expect(issues({ ...HIRE, Prior_Worker: { Worker_ID: '21001' } })).toEqual([expect.stringMatching(/^Prior_Worker: .*Worker_ID/)]);
  });

  it('keys on Worker_ID with the characters a person key allows, and wants WIDs as 32 hex digits', () => {
    expect(issues(withWorker({}, { Worker_ID: 'E-21001' }))).toEqual([]);
    expect(issues(withWorker({}, { Worker_ID: '21001/x' }))).toEqual([expect.stringMatching(/^Worker.Worker_ID: /)]);
    expect(issues(withWorker({}, { Worker_ID: 21001 }))).toEqual([expect.stringMatching(/^Worker.Worker_ID: /)]);
    expect(issues({ ...HIRE, Event_WID: 'not-a-wid' })).toEqual([expect.stringMatching(/^Event_WID: .*32 hexadecimal/)]);
    expect(issues(withWorker({}, { WID: '3AA5550B7FE348B98D7B5741AFC65534' }))).toEqual([]);
  });

  it('requires real dates and an entry moment with an offset', () => {
    expect(issues({ ...HIRE, Effective_Date: '2026-02-30' })).toEqual([expect.stringMatching(/^Effective_Date: /)]);
    expect(issues({ ...HIRE, Effective_Date: '2026-03-02-08:00' })).toEqual([expect.stringMatching(/^Effective_Date: /)]);
    expect(issues({ ...HIRE, Entry_Moment: '2026-02-10T09:15:00' })).toEqual([expect.stringMatching(/^Entry_Moment: /)]);
    expect(issues({ ...HIRE, Entry_Moment: '2026-02-10T17:15:00Z' })).toEqual([]);
  });

  it('requires non-blank legal names and a known worker type', () => {
    expect(issues(withWorker({}, { Legal_First_Name: '   ' }))).toEqual(['Worker.Legal_First_Name: must not be blank']);
    expect(issues(withWorker({}, { Legal_Last_Name: undefined }))).toEqual([expect.stringMatching(/^Worker.Legal_Last_Name: /)]);
    expect(issues(withWorker({}, { Worker_Type: 'Contractor' }))).toEqual([expect.stringMatching(/^Worker.Worker_Type: /)]);
  });

  it('requires Termination for terminations and refuses it elsewhere', () => {
    expect(issues({ ...HIRE, Business_Process_Type: 'Terminate Employee' })).toEqual(['Termination: is required for Terminate Employee']);
    expect(issues({ ...HIRE, Business_Process_Type: 'Terminate Employee', Termination: TERMINATION })).toEqual([]);
    expect(issues({ ...HIRE, Termination: TERMINATION })).toEqual(['Termination: is only allowed for Terminate Employee and End Contingent Worker Contract']);
  });

  it('keeps the last day of work on or before the termination date', () => {
    const term = (Last_Day_of_Work: string) => ({ ...HIRE, Business_Process_Type: 'Terminate Employee', Termination: { ...TERMINATION, Last_Day_of_Work } });
    expect(issues(term('2026-06-30'))).toEqual([]);
    expect(issues(term('2026-07-01'))).toEqual(['Termination.Last_Day_of_Work: must not be after Termination_Date']);
  });

  it('allows Leave only for leave processes and Is_Rehire only for hires', () => {
    expect(issues({ ...HIRE, Business_Process_Type: 'Request Leave of Absence', Leave: { Leave_Type: 'Sabbatical' } })).toEqual([]);
    expect(issues({ ...HIRE, Leave: { Leave_Type: 'Sabbatical' } })).toEqual(['Leave: is only allowed for Request Leave of Absence and Return from Leave']);
    expect(issues({ ...HIRE, Is_Rehire: true })).toEqual([]);
    expect(issues({ ...HIRE, Business_Process_Type: 'Change Job', Is_Rehire: true })).toEqual(['Is_Rehire: is only allowed for Hire Employee and Contract Contingent Worker']);
  });

  it('matches the worker type to the business process', () => {
    const contingent = { Worker_Type: 'Contingent Worker' };
    expect(issues(withWorker({ Business_Process_Type: 'Contract Contingent Worker' }, contingent))).toEqual([]);
    expect(issues(withWorker({ Business_Process_Type: 'Contract Contingent Worker' }))).toEqual(['Worker.Worker_Type: must be "Contingent Worker" for Contract Contingent Worker']);
    expect(issues(withWorker({}, contingent))).toEqual(['Worker.Worker_Type: must be "Employee" for Hire Employee']);
    expect(issues(withWorker({ Business_Process_Type: 'Change Job' }, contingent))).toEqual([]);
  });

  it('lists every issue at once', () => {
    expect(issues({ ...HIRE, Effective_Date: 'soon', Worker: { Worker_ID: '' } }).length).toBeGreaterThanOrEqual(4);
  });
});

describe('parseWorkdayBody', () => {
  const body = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');

  it('parses a JSON body into the contract event', () => {
    expect(parseWorkdayBody({ body: body(HIRE), contentType: 'application/json; charset=utf-8' })).toEqual({ ok: true, event: HIRE });
  });

  it('names what is wrong, for the DLQ and the integration’s log', () => {
    const r = parseWorkdayBody({ body: body({ ...HIRE, Business_Process_Type: 'Terminate Employee' }), contentType: 'application/json' });
    expect(r).toEqual({
      ok: false,
      reason: 'not a Workday contract v1 event: Termination: is required for Terminate Employee',
      issues: [{ path: 'Termination', message: 'is required for Terminate Employee' }],
    });
  });

  it('lists each offending field with its path and problem: a misspelt one with the field it likely meant, a missing one as required', () => {
    const { Legal_First_Name, ...worker } = HIRE.Worker;
    const { Effective_Date, ...hire } = HIRE;
    const r = parseWorkdayBody({ body: body({ ...hire, Efective_Date: Effective_Date, Worker: { ...worker, Legal_Frist_Name: Legal_First_Name, Shoe_Size: 44 } }), contentType: 'application/json' });
    expect(r.ok ? [] : r.issues).toEqual([
      { path: 'Effective_Date', message: 'is required' },
      { path: 'Worker.Legal_First_Name', message: 'is required' },
      { path: 'Worker.Legal_Frist_Name', message: 'is not a field of this contract; did you mean Legal_First_Name?' },
      { path: 'Worker.Shoe_Size', message: 'is not a field of this contract' },
      { path: 'Efective_Date', message: 'is not a field of this contract; did you mean Effective_Date?' },
    ]);
    expect(r.ok ? '' : r.reason).toBe(
      'not a Workday contract v1 event: Effective_Date: is required; Worker.Legal_First_Name: is required; ' +
        'Worker.Legal_Frist_Name: is not a field of this contract; did you mean Legal_First_Name?; Worker.Shoe_Size: is not a field of this contract; ' +
        'Efective_Date: is not a field of this contract; did you mean Effective_Date?',
    );
    // Names and rules only: the posted values stay out of the answer and the DLQ header.
    expect(JSON.stringify(r)).not.toContain(String(Legal_First_Name));
  });

  it('refuses other media types and charsets, broken JSON and broken UTF-8', () => {
    expect(parseWorkdayBody({ body: body(HIRE), contentType: 'application/xml' })).toMatchObject({ ok: false, reason: expect.stringContaining('content-type') });
    expect(parseWorkdayBody({ body: body(HIRE), contentType: 'application/json; charset=latin1' })).toMatchObject({ ok: false, reason: expect.stringContaining('charset') });
    expect(parseWorkdayBody({ body: Buffer.from('{"Contract_Version":'), contentType: 'application/json' })).toMatchObject({ ok: false, reason: expect.stringContaining('not valid JSON') });
    expect(parseWorkdayBody({ body: Buffer.from([0x7b, 0xff, 0x7d]), contentType: 'application/json' })).toEqual({ ok: false, reason: 'body is not valid UTF-8' });
    expect(parseWorkdayBody({ body: body([HIRE]), contentType: 'application/json' })).toMatchObject({ ok: false, reason: expect.stringContaining('(root)') });
  });
});
