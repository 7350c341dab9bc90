import { describe, expect, it } from 'vitest';
import { decodeBracketForm, formToPayload } from './form';

function decode(body: string) {
  const r = decodeBracketForm(body);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

function payload(body: string) {
  const r = formToPayload(decode(body));
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

describe('decodeBracketForm', () => {
  it('nests PHP-style bracket keys and decodes + and percent escapes', () => {
    expect(decode('type=employee.updated&data%5BemployeeId%5D=4101&data[changedFields][0]=Job+Title&data[x][y]=a%26b')).toEqual({
      type: 'employee.updated',
      data: { employeeId: '4101', changedFields: { '0': 'Job Title' }, x: { y: 'a&b' } },
    });
  });

  it('appends with []', () => {
    expect(decode('a[]=x&a[]=y')).toEqual({ a: { '0': 'x', '1': 'y' } });
  });

  it('builds objects without a prototype and refuses __proto__', () => {
    expect(Object.getPrototypeOf(decode('a[b]=1').a)).toBeNull();
    const r = decodeBracketForm('a[__proto__][polluted]=1');
    expect(r).toEqual({ ok: false, reason: 'form key "a[__proto__][polluted]" uses the reserved name __proto__' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a key given twice instead of keeping the last', () => {
    expect(decodeBracketForm('type=a&type=b')).toEqual({ ok: false, reason: 'form key "type" is given more than once or is also a group' });
  });

  it('refuses a key used as both a value and a group', () => {
    expect(decodeBracketForm('a=1&a[b]=2')).toMatchObject({ ok: false, reason: 'form key "a[b]" is used both as a value and as a group' });
    expect(decodeBracketForm('a[b]=2&a=1')).toMatchObject({ ok: false, reason: expect.stringContaining('given more than once or is also a group') });
  });

  it('refuses malformed brackets and excessive nesting', () => {
    for (const key of ['a[b', 'a]b', '[a]', 'a[b]c', 'a[b[c]]']) {
      expect(decodeBracketForm(`${encodeURIComponent(key)}=1`), key).toMatchObject({ ok: false, reason: expect.stringContaining('malformed brackets') });
    }
    expect(decodeBracketForm('a[1][2][3][4][5][6]=x')).toMatchObject({ ok: false, reason: expect.stringContaining('nests deeper than 6') });
  });
});

describe('formToPayload', () => {
  it('gives the event-based JSON shape, changedFields as a list', () => {
    expect(payload('type=employee.updated&timestamp=2026-01-31T18%3A42%3A00%2B0000&data[companyId]=12345&data[employeeId]=67890&data[changedFields][0]=firstName&data[changedFields][1]=lastName')).toEqual({
      type: 'employee.updated',
      timestamp: '2026-01-31T18:42:00+0000',
      data: { companyId: '12345', employeeId: '67890', changedFields: ['firstName', 'lastName'] },
    });
  });

  it('gives the field-based JSON shape: employees keyed by id become a list, other keys become fields', () => {
    expect(payload('employees[12345][action]=Updated&employees[12345][changedFields][0]=First+name&employees[12345][First+name]=John&employees[7][action]=Deleted')).toEqual({
      employees: [
        { id: '7', action: 'Deleted', fields: {} },
        { id: '12345', action: 'Updated', changedFields: ['First name'], fields: { 'First name': 'John' } },
      ],
    });
  });

  it('accepts values nested under [fields] and as [name][value]', () => {
    expect(payload('employees[1][action]=Updated&employees[1][fields][Job+Title]=Engineer&employees[1][Department][value]=R%26D')).toEqual({
      employees: [{ id: '1', action: 'Updated', fields: { 'Job Title': 'Engineer', Department: { value: 'R&D' } } }],
    });
  });

  it('reads a missing action as Updated only when changed fields are present', () => {
    const withChanges = payload('employees[12345][changedFields][0]=First+name&employees[12345][First+name]=John') as { employees: { action?: string }[] };
    expect(withChanges.employees[0]?.action).toBe('Updated');
    const without = payload('employees[12345][First+name]=John') as { employees: { action?: string }[] };
    expect(without.employees[0]?.action).toBeUndefined();
  });

  it('names the form field when a list has gaps or is not indexed', () => {
    expect(formToPayload(decode('data[employeeId]=1&data[changedFields][0]=a&data[changedFields][2]=b'))).toEqual({
      ok: false,
      reason: 'form field "data[changedFields]" must hold text values at indexes 0..1',
    });
    expect(formToPayload(decode('employees[1][changedFields]=a'))).toEqual({ ok: false, reason: 'form field "employees[1][changedFields]" must be indexed, like employees[1][changedFields][0]' });
  });

  it('refuses a field given both directly and under [fields]', () => {
    expect(formToPayload(decode('employees[1][action]=Updated&employees[1][fields][X]=a&employees[1][X]=b'))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('both directly and under [fields]'),
    });
  });
});
