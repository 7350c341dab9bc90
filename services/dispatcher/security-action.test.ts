import { describe, expect, it } from 'vitest';
import { actionRequest, readActionRecord } from './security-action';

const action = { specversion: '1.0', id: 'soar-1', source: '/security/soar', type: 'jml.security.restore', subject: 'bamboohr:acme:4101', time: '2026-11-20T09:00:00Z', data: { reason: 'SEC-1', requestedBy: 'soar' } };
const record = (value: unknown, version?: string) => ({ value: Buffer.from(JSON.stringify(value)), headers: version === undefined ? {} : { 'jml-schema-version': version } });

describe('security action records', () => {
  it('read > a v1 action, with fields of a newer minor kept; another major or a JmlEvent is unreadable', () => {
    const read = readActionRecord(record({ ...action, data: { ...action.data, ticket: 'SEC-1' } }, '1.1'));
    expect(read.ok && read.action.data).toEqual({ reason: 'SEC-1', requestedBy: 'soar', ticket: 'SEC-1' });
    expect(readActionRecord(record(action, '2'))).toMatchObject({ ok: false, code: 'unsupported-schema-version' });
    expect(readActionRecord(record({ ...action, type: 'jml.leaver' }))).toMatchObject({ ok: false, code: 'invalid-event' });
  });

  it('request > who asked is the requester by way of the source; the action comes from the type', () => {
    const read = readActionRecord(record(action, '1'));
    if (!read.ok) throw new Error(read.reason);
    expect(actionRequest(read.action)).toEqual({ action: 'restore', by: 'soar via /security/soar', reason: 'SEC-1' });
  });
});
