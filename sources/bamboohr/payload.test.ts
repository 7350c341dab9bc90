import { describe, expect, it } from 'vitest';
import { parseBambooHrBody, type NormalizedChange } from './payload';

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

function parse(body: unknown, contentType = JSON_TYPE) {
  return parseBambooHrBody(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8'), contentType);
}

function deliveries(body: unknown, contentType = JSON_TYPE): NormalizedChange[] {
  const r = parse(body, contentType);
  if (!r.ok) throw new Error(r.reason);
  return r.deliveries;
}

function reason(body: unknown, contentType = JSON_TYPE): string {
  const r = parse(body, contentType);
  if (r.ok) throw new Error('expected a failure');
  return r.reason;
}

// The documented examples (documentation.bamboohr.com, event-based and field-based webhooks).
const EVENT_JSON = { type: 'employee.updated', timestamp: '2026-01-31T18:42:00+0000', data: { companyId: '12345', employeeId: '67890', changedFields: ['firstName'] } };
const EVENT_FORM = 'type=employee.updated&timestamp=2026-01-31T18%3A42%3A00%2B0000&data%5BcompanyId%5D=12345&data%5BemployeeId%5D=67890&data%5BchangedFields%5D%5B0%5D=firstName';
const FIELD_JSON = { employees: [{ action: 'Updated', changedFields: ['First Name'], fields: { 'First Name': 'Bryony' }, id: '12345', timestamp: '2026-01-31T18:42:00+0000' }] };

describe('parseBambooHrBody, event-based', () => {
  it('reads the documented JSON example', () => {
    expect(deliveries(EVENT_JSON)).toEqual([
      { style: 'event-based', action: 'updated', employeeId: '67890', companyId: '12345', timestamp: '2026-01-31T18:42:00Z', changedFields: ['firstName'] },
    ]);
  });

  it('reads the form encoding to exactly the same delivery', () => {
    expect(deliveries(EVENT_FORM, `${FORM_TYPE}; charset=UTF-8`)).toEqual(deliveries(EVENT_JSON));
  });

  it('maps created and deleted, which carry no changed fields', () => {
    expect(deliveries({ type: 'employee.created', timestamp: '2026-01-31T18:42:00Z', data: { companyId: '1', employeeId: 2 } })).toEqual([
      { style: 'event-based', action: 'created', employeeId: '2', companyId: '1', timestamp: '2026-01-31T18:42:00Z', changedFields: [] },
    ]);
    expect(deliveries({ type: 'employee.deleted', data: { employeeId: '2' } })).toEqual([{ style: 'event-based', action: 'deleted', employeeId: '2', changedFields: [] }]);
  });

  it('tolerates properties it does not know', () => {
    expect(deliveries({ ...EVENT_JSON, webhookId: 9, data: { ...EVENT_JSON.data, extra: true } })).toHaveLength(1);
  });

  it('names what is wrong', () => {
    expect(reason({ ...EVENT_JSON, type: 'employee.moved' })).toBe(
      'event-based payload: type: Invalid option: expected one of "employee.created"|"employee.updated"|"employee.deleted"',
    );
    expect(reason({ type: 'employee.updated', data: {} })).toBe('event-based payload: data.employeeId: is required');
    expect(reason({ ...EVENT_JSON, data: { employeeId: '../etc' } })).toContain('data.employeeId: must be an id of 1-128 letters');
    expect(reason({ ...EVENT_JSON, timestamp: '2026-01-31 18:42' })).toBe('event-based payload: timestamp: must be an ISO-8601 date-time with an offset');
  });
});

describe('parseBambooHrBody, field-based', () => {
  it('reads the documented JSON example', () => {
    expect(deliveries(FIELD_JSON)).toEqual([
      { style: 'field-based', action: 'updated', employeeId: '12345', timestamp: '2026-01-31T18:42:00Z', changedFields: ['First Name'], fields: { 'First Name': 'Bryony' } },
    ]);
  });

  it('unwraps {value} fields and writes numbers and booleans as text, null as null', () => {
    const [d] = deliveries({
      employees: [{ id: '1', action: 'Updated', fields: { 'First Name': { value: 'Ada' }, 'Employee #': { value: 42 }, Flag: true, 'Preferred Name': { value: null }, Other: null } }],
    });
    expect(d?.fields).toEqual({ 'First Name': 'Ada', 'Employee #': '42', Flag: 'true', 'Preferred Name': null, Other: null });
  });

  it('keeps several employees of one post, in order, and accepts [] for empty fields', () => {
    const ds = deliveries({
      employees: [
        { id: '3', action: 'Created', changedFields: [], fields: [] },
        { id: '1', action: 'Updated', changedFields: ['Job Title', 'Job Title'], fields: { 'Job Title': 'CTO' } },
        { id: '2', action: 'Deleted' },
      ],
    });
    expect(ds.map((d) => [d.employeeId, d.action, d.changedFields])).toEqual([
      ['3', 'created', []],
      ['1', 'updated', ['Job Title']],
      ['2', 'deleted', []],
    ]);
    expect(ds[0]?.fields).toEqual({});
  });

  it('reads the documented form example (no action, no timestamp) as an update', () => {
    expect(deliveries('employees[12345][changedFields][0]=First+name&employees[12345][First+name]=John', FORM_TYPE)).toEqual([
      { style: 'field-based', action: 'updated', employeeId: '12345', changedFields: ['First name'], fields: { 'First name': 'John' } },
    ]);
  });

  it('names what is wrong, down to the employee and field', () => {
    expect(reason({ employees: [{ id: '1', action: 'Removed' }] })).toBe(
      'field-based payload: employees.0.action: Invalid option: expected one of "Created"|"Updated"|"Deleted"',
    );
    expect(reason({ employees: [] })).toBe('field-based payload: employees: must list at least one employee');
    expect(reason({ employees: [{ id: '1', action: 'Updated', fields: { Address: { line1: 'x' } } }] })).toBe(
      'field-based payload: employees.0.fields: Address: must be text, a number, a boolean, null or {"value": …} holding one of those',
    );
    expect(reason({ employees: [{ id: '1', action: 'Updated', fields: ['x'] }] })).toBe('field-based payload: employees.0.fields: must be an object of field values (or an empty list)');
    expect(reason('employees[12345][First+name]=John', FORM_TYPE)).toContain('employees.0.action: Invalid option');
  });
});

describe('parseBambooHrBody, envelope', () => {
  it('refuses other media types and charsets', () => {
    expect(reason(EVENT_JSON, 'text/plain')).toBe('unsupported content-type "text/plain": expected application/json or application/x-www-form-urlencoded');
    expect(reason(EVENT_JSON, 'application/json; charset=iso-8859-1')).toBe('unsupported charset "iso-8859-1": expected utf-8');
    expect(deliveries(EVENT_JSON, 'Application/JSON; charset="UTF-8"')).toHaveLength(1);
  });

  it('refuses bytes that are not UTF-8, text that is not JSON, and JSON of another shape', () => {
    expect(parseBambooHrBody(Buffer.from([0x7b, 0xff, 0x7d]), JSON_TYPE)).toEqual({ ok: false, reason: 'body is not valid UTF-8' });
    expect(reason('{"type":')).toMatch(/^body is not valid JSON: /);
    expect(reason([EVENT_JSON])).toBe('body must be an object: {type, data} (event-based) or {employees} (field-based)');
    expect(reason({ hello: 'world' })).toBe('body is neither event-based ({type, data}) nor field-based ({employees})');
  });

  it('passes form decoding failures through', () => {
    expect(reason('type=a&type=b', FORM_TYPE)).toBe('form key "type" is given more than once or is also a group');
  });
});
