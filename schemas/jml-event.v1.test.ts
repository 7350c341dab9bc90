import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeEvent } from '../test/support/events';
import { employeeIdOf, JmlEvent, sourceOf, tenantOf } from './jml-event.v1';
import { renderJsonSchemas } from './json-schema';

describe('JmlEvent v1', () => {
  const valid = makeEvent({ personKey: 'workday:21001', type: 'jml.mover', changedFields: ['department'] });

  it('parses > a complete event unchanged (the schema never transforms)', () => {
    expect(JmlEvent.parse(valid)).toEqual(valid);
  });

  it('rejects > unknown types, malformed person keys, timestamps without offset and unknown fields', () => {
    const cases: Array<[unknown, string]> = [
      [{ ...valid, type: 'jml.promoted' }, 'type'],
      [{ ...valid, subject: 'Workday:21001' }, 'subject'],
      [{ ...valid, subject: 'workday:21 001' }, 'subject'],
      [{ ...valid, subject: 'workday:acme:eu:21001' }, 'subject'],
      [{ ...valid, time: '2026-11-20T09:00:00' }, 'time'],
      [{ ...valid, data: { ...valid.data, effectiveAt: '20 Nov 2026' } }, 'data.effectiveAt'],
      [{ ...valid, data: { ...valid.data, person: { ...valid.data.person, hireDate: '2026-13-01' } } }, 'data.person.hireDate'],
      [{ ...valid, data: { ...valid.data, person: { ...valid.data.person, salary: 1 } } }, 'data.person'],
      [{ ...valid, id: 'has space' }, 'id'],
    ];
    for (const [input, path] of cases) {
      const result = JmlEvent.safeParse(input);
      expect(result.success, path).toBe(false);
      expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
    }
  });

  it('splits person keys > into source, tenant and employee id', () => {
    expect([sourceOf('bamboohr:4101'), employeeIdOf('bamboohr:4101')]).toEqual(['bamboohr', '4101']);
    expect([sourceOf('workday:acme:21001'), tenantOf('workday:acme:21001'), employeeIdOf('workday:acme:21001')]).toEqual(['workday', 'acme', '21001']);
    expect(JmlEvent.safeParse({ ...valid, subject: 'workday:acme:21001' }).success).toBe(true);
  });

  it('exports > the committed JSON Schema equals the zod schema (run npm run schemas:export after a change)', () => {
    for (const [file, text] of Object.entries(renderJsonSchemas())) {
      expect(readFileSync(new URL(`./json/${file}`, import.meta.url), 'utf8'), file).toBe(text);
    }
  });
});
