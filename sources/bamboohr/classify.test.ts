import { describe, expect, it } from 'vitest';
import { classify, type ClassifyRequest } from './classify';
import type { BambooHrField } from './fields';

const ENTERED = Date.UTC(2026, 1, 10, 14, 0, 0); // 2026-02-10T14:00:00Z

function run(over: Partial<Omit<ClassifyRequest, 'changed'>> & { changed?: BambooHrField[] } = {}) {
  const { changed = [], ...rest } = over;
  return classify({ action: 'updated', record: { status: 'Active', employmentHistoryStatus: 'Full-Time' }, hireDate: '2020-01-06', enteredAtMs: ENTERED, ...rest, changed: new Set(changed) });
}

describe('classify: joiners', () => {
  it('a created record is a joiner from the start of its hire date', () => {
    expect(run({ action: 'created', hireDate: '2026-02-09' })).toEqual({ type: 'jml.joiner', effectiveAt: '2026-02-09T00:00:00Z', status: 'active' });
  });

  it('a hire date after entry makes the joiner pre-hire', () => {
    expect(run({ action: 'created', hireDate: '2026-03-02', timeZone: 'Europe/Berlin' })).toEqual({
      type: 'jml.joiner',
      effectiveAt: '2026-03-02T00:00:00+01:00',
      status: 'pre-hire',
    });
  });

  it('"the future" is judged against entry in the tenant zone: a hire today in Tokyo has started', () => {
    // 14:00Z is 23:00 on the 10th in Tokyo and 04:00 on the 11th on Kiritimati (UTC+14).
    expect(run({ action: 'created', hireDate: '2026-02-10', timeZone: 'Asia/Tokyo' }).status).toBe('active');
    expect(run({ action: 'created', hireDate: '2026-02-11', timeZone: 'Asia/Tokyo' }).status).toBe('pre-hire');
    expect(run({ action: 'created', hireDate: '2026-02-11', timeZone: 'Pacific/Kiritimati' }).status).toBe('active');
  });

  it('a created record without a hire date is a joiner at entry', () => {
    expect(run({ action: 'created', hireDate: null })).toEqual({ type: 'jml.joiner', effectiveAt: '2026-02-10T14:00:00Z', status: 'active' });
  });

  it('a record created already terminated (an import of history) is a leaver, so nothing is provisioned', () => {
    expect(run({ action: 'created', record: { status: 'Inactive' }, terminationDate: '2024-05-31' })).toEqual({
      type: 'jml.leaver',
      effectiveAt: '2024-06-01T00:00:00Z',
      status: 'terminated',
      reason: 'created already terminated in HR',
    });
  });
});

describe('classify: leavers', () => {
  it('a deletion is a leaver at entry', () => {
    expect(run({ action: 'deleted', record: {} })).toEqual({ type: 'jml.leaver', effectiveAt: '2026-02-10T14:00:00Z', status: 'terminated', reason: 'deleted in HR' });
  });

  it('employment status Terminated with a date: effective at the end of that (last working) day', () => {
    expect(
      run({ record: { status: 'Active', employmentHistoryStatus: 'Terminated' }, terminationDate: '2026-02-13', timeZone: 'America/New_York', changed: ['employmentHistoryStatus'] }),
    ).toEqual({ type: 'jml.leaver', effectiveAt: '2026-02-14T00:00:00-05:00', status: 'terminated', reason: 'terminated in HR' });
  });

  it('status Inactive without a termination date: effective at entry', () => {
    expect(run({ record: { status: 'Inactive' }, changed: ['status'] })).toMatchObject({ type: 'jml.leaver', effectiveAt: '2026-02-10T14:00:00Z' });
  });

  it('a termination date alone (scheduled termination) is a leaver in the future', () => {
    expect(run({ terminationDate: '2026-03-31', changed: ['terminationDate'] })).toMatchObject({ type: 'jml.leaver', effectiveAt: '2026-04-01T00:00:00Z', status: 'terminated' });
  });

  it('a terminated record whose change names no field is a leaver (cannot be ruled out)', () => {
    expect(run({ record: { employmentHistoryStatus: 'Terminated' }, terminationDate: '2026-02-01' }).type).toBe('jml.leaver');
  });

  it('an edit to an already terminated record is an update, not a second leaver', () => {
    expect(run({ record: { status: 'Inactive', employmentHistoryStatus: 'Terminated' }, terminationDate: '2025-12-31', changed: ['workEmail'] })).toEqual({
      type: 'jml.update',
      effectiveAt: '2026-02-10T14:00:00Z',
      status: 'terminated',
    });
  });

  it('a move while a termination is scheduled is a mover, still active', () => {
    expect(run({ terminationDate: '2026-03-31', changed: ['department'] })).toEqual({ type: 'jml.mover', effectiveAt: '2026-02-10T14:00:00Z', status: 'active' });
  });
});

describe('classify: rehires', () => {
  it('a new hire date after an old termination is a rehire from the new hire date', () => {
    expect(run({ hireDate: '2026-02-16', terminationDate: '2025-06-30', changed: ['hireDate', 'employmentHistoryStatus'] })).toEqual({
      type: 'jml.rehire',
      effectiveAt: '2026-02-16T00:00:00Z',
      status: 'pre-hire',
    });
  });

  it('a person the caller knew as terminated, now active, is a rehire', () => {
    expect(run({ hireDate: '2026-02-09', previousStatus: 'terminated', changed: ['status'] })).toEqual({
      type: 'jml.rehire',
      effectiveAt: '2026-02-09T00:00:00Z',
      status: 'active',
    });
  });

  it('a status change without evidence of an earlier termination is not a rehire', () => {
    // BambooHR follows employee.created with an employee.updated while it initialises the record.
    expect(run({ hireDate: '2026-02-10', changed: ['status', 'employmentHistoryStatus', 'firstName'] }).type).toBe('jml.update');
  });

  it('an old termination does not turn an ordinary move into a rehire', () => {
    expect(run({ hireDate: '2023-01-09', terminationDate: '2022-06-30', changed: ['jobTitle'] }).type).toBe('jml.mover');
  });
});

describe('classify: movers and updates', () => {
  it.each<BambooHrField>(['jobTitle', 'department', 'division', 'location', 'supervisorEId', 'supervisor'])('a change of %s is a mover at entry', (field) => {
    expect(run({ changed: [field, 'workEmail'] })).toEqual({ type: 'jml.mover', effectiveAt: '2026-02-10T14:00:00Z', status: 'active' });
  });

  it('other changes are updates, pre-hire while the start is ahead', () => {
    expect(run({ changed: ['preferredName'] })).toEqual({ type: 'jml.update', effectiveAt: '2026-02-10T14:00:00Z', status: 'active' });
    expect(run({ hireDate: '2026-03-02', changed: ['workEmail'] }).status).toBe('pre-hire');
  });
});
