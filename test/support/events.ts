import { createHash } from 'node:crypto';
import type { JmlEvent, JmlEventType, PersonSnapshot } from '../../schemas/jml-event.v1';

/** Builds a valid JmlEvent v1 for tests; the id is derived from the business facts, as in production. */
export function makeEvent(opts: {
  personKey: string;
  type: JmlEventType;
  effectiveAt?: string;
  enteredAt?: string;
  person?: Partial<PersonSnapshot>;
  changedFields?: string[];
}): JmlEvent {
  const employeeId = opts.personKey.slice(opts.personKey.lastIndexOf(':') + 1);
  const enteredAt = opts.enteredAt ?? '2026-11-20T09:00:00Z';
  const effectiveAt = opts.effectiveAt ?? enteredAt;
  const changedFields = opts.changedFields ?? ['status'];
  const id = `test-${createHash('sha256').update(JSON.stringify([opts.personKey, opts.type, enteredAt, changedFields])).digest('hex').slice(0, 24)}`;
  return {
    specversion: '1.0',
    id,
    source: '/hr/test',
    type: opts.type,
    subject: opts.personKey,
    time: enteredAt,
    datacontenttype: 'application/json',
    data: {
      effectiveAt,
      enteredAt,
      changedFields,
      person: {
        employeeId,
        workerType: 'employee',
        status: opts.type === 'jml.leaver' ? 'terminated' : 'active',
        givenName: 'Ada',
        familyName: 'Lovelace',
        workEmail: `ada.${employeeId.toLowerCase()}@example.com`,
        jobTitle: 'Engineer',
        department: 'Engineering',
        hireDate: '2026-12-01',
        timeZone: 'Europe/London',
        ...opts.person,
      },
    },
  };
}
