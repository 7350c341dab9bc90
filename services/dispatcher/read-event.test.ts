import { describe, expect, it } from 'vitest';
import { JmlEvent } from '../../schemas/jml-event.v1';
import { makeEvent } from '../../test/support/events';
import { readEventRecord } from './read-event';

const base = makeEvent({ personKey: 'workday:21001', type: 'jml.mover', changedFields: ['department'] });
const record = (value: unknown, version?: string) => ({
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  headers: version === undefined ? {} : { 'jml-schema-version': Buffer.from(version) },
});

describe('dispatcher > reading an event record', () => {
  it('reads > any minor of major 1, and a record without the header', () => {
    for (const v of [undefined, '1', '1.0', '1.7', '1.42']) expect(readEventRecord(record(base, v)), String(v)).toEqual({ ok: true, event: base });
  });

  it('keeps > unknown fields of a newer minor at the envelope, in data, person and previous, unchanged', () => {
    const newer = {
      ...base,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      data: { ...base.data, approvals: [{ by: 'hr-42' }], person: { ...base.data.person, pronouns: 'she/her' }, previous: { department: 'Research', badge: 'B-1' } },
    };
    const read = readEventRecord(record(newer, '1.3'));
    expect(read).toEqual({ ok: true, event: newer });
    // Only readers tolerate them: what a sender posts is still checked strictly.
    expect(JmlEvent.safeParse(newer).success).toBe(false);
  });

  it('refuses > another major version, or a header that is not a version, whatever the body', () => {
    for (const v of ['2', '2.0', '0.9', 'v1', '1.x', '']) {
      const read = readEventRecord(record(base, v));
      expect(read, v).toMatchObject({ ok: false, code: 'unsupported-schema-version' });
    }
    expect(readEventRecord(record(base, '2.0'))).toEqual({
      ok: false,
      code: 'unsupported-schema-version',
      reason: 'jml-schema-version 2.0: this build reads major version 1 only; another major version belongs on its own topic',
    });
  });

  it('refuses > a body that breaks a v1 rule even in a newer minor, naming the path', () => {
    const read = readEventRecord(record({ ...base, subject: 'Workday 21001', data: { ...base.data, person: { ...base.data.person, givenName: 7 } } }, '1.2'));
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.code).toBe('invalid-event');
      expect(read.reason).toContain('subject:');
      expect(read.reason).toContain('data.person.givenName:');
    }
    expect(readEventRecord(record('{not json', '1'))).toMatchObject({ ok: false, code: 'invalid-event', reason: expect.stringMatching(/^not JSON/) });
  });
});
