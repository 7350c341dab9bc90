import { createHash } from 'node:crypto';
import { JmlEvent, type JmlEventType } from '__SCHEMAS__/jml-event.v1';
import { personKeyOf } from '__SCHEMAS__/person-key';
import type { __PASCAL__Payload } from './payload';

const TYPE_OF: Readonly<Record<__PASCAL__Payload['type'], JmlEventType>> = {
  'employee.hired': 'jml.joiner',
  // TODO(__ID__): tell movers (job, department, manager changed) from other updates, by the fields that changed.
  'employee.updated': 'jml.mover',
  'employee.terminated': 'jml.leaver',
};

/**
 * One payload to one JmlEvent. The id depends only on business facts (tenant, employee, type, when
 * it was entered), so a redelivery gives the same id and is dropped as a duplicate. Calendar dates
 * are taken at midnight UTC (start) and the end of the day UTC (last day).
 * TODO(__ID__): the tenant's time zone for calendar dates, as sources/bamboohr/time.ts does.
 */
export function normalize__PASCAL__(req: { tenant: string; payload: __PASCAL__Payload }): { ok: true; event: JmlEvent } | { ok: false; reason: string } {
  const { employee, occurredAt } = req.payload;
  const type = TYPE_OF[req.payload.type];
  if (type === 'jml.leaver' && employee.endDate === null) return { ok: false, reason: `employee ${employee.id}: a termination without endDate` };
  const effectiveAt = type === 'jml.leaver' ? `${employee.endDate}T23:59:59Z` : type === 'jml.joiner' ? `${employee.startDate}T00:00:00Z` : occurredAt;
  const digest = createHash('sha256').update(JSON.stringify([req.tenant, employee.id, type, occurredAt])).digest('hex').slice(0, 24);
  const parsed = JmlEvent.safeParse({
    specversion: '1.0',
    id: `__ID__-${digest}`,
    source: `/hr/__ID__/${req.tenant}`,
    type,
    subject: personKeyOf({ source: '__ID__', tenant: req.tenant, employeeId: employee.id }),
    time: occurredAt,
    datacontenttype: 'application/json',
    data: {
      effectiveAt,
      enteredAt: occurredAt,
      person: {
        employeeId: employee.id,
        workerType: 'employee',
        status: type === 'jml.leaver' ? 'terminated' : Date.parse(effectiveAt) > Date.parse(occurredAt) ? 'pre-hire' : 'active',
        givenName: employee.firstName,
        familyName: employee.lastName,
        workEmail: employee.email,
        jobTitle: employee.jobTitle,
        department: employee.department,
        hireDate: employee.startDate,
        terminationDate: employee.endDate,
      },
      changedFields: type === 'jml.leaver' ? ['status', 'terminationDate'] : [],
    },
  });
  return parsed.success ? { ok: true, event: parsed.data } : { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}
