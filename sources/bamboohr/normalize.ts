import { JmlEvent, PersonSnapshot, personKeyOf } from '../../schemas/jml-event.v1';
import { classify } from './classify';
import { bambooHrEventId } from './event-id';
import { canonicalFieldName, type BambooHrField, type BambooHrRecord } from './fields';
import type { NormalizedChange } from './payload';
import { SNAPSHOT_FIELDS_OF, snapshotFromRecord } from './snapshot';
import { formatInstant, isTimeZone, parseInstant } from './time';

/**
 * One BambooHR change (plus the employee's current values) as a JmlEvent v1. Pure and
 * deterministic: no clock, no randomness, no I/O; the same request always gives the same event.
 *
 * - `subject` is `bamboohr:<tenant>:<employeeId>` (an employee id is unique only inside its tenant),
 *   `source` is `/hr/bamboohr/<tenant>`.
 * - `time` / `enteredAt` is the payload's timestamp, else `receivedAt`; both in UTC.
 * - Calendar dates become instants in `timeZone` (the tenant's IANA zone), else in UTC: BambooHR
 *   stores dates without a zone and has no per-employee zone we can read, and a fixed,
 *   documented zone beats the gateway host's local one. Offsets are kept in `effectiveAt`
 *   (`2026-03-02T00:00:00+01:00`) so the local day stays readable.
 * - Classification: see classify.ts. The event id: see event-id.ts.
 */
export interface NormalizeBambooHrRequest {
  /** Tenant slug, the `<tenant>` of `/hr/bamboohr/<tenant>`. */
  tenant: string;
  change: NormalizedChange;
  /**
   * Current values by API alias: the hydrated record (event-based) and/or the webhook's own
   * fields (field-based). Not needed for a deletion.
   */
  record?: BambooHrRecord;
  /** The person as the caller knew them before this change (e.g. from its own store); optional. */
  previous?: Partial<PersonSnapshot>;
  /** When the delivery arrived (ISO-8601 with offset); `enteredAt` when the payload has no timestamp. */
  receivedAt: string;
  /** Tenant's IANA time zone for calendar dates; UTC when absent. */
  timeZone?: string;
}

export type NormalizeBambooHrResult = { ok: true; event: JmlEvent; warnings: string[] } | { ok: false; reason: string };

const TENANT = /^[A-Za-z0-9._-]{1,64}$/;

/** Never throws; `reason` says why no event could be built (the delivery belongs in the DLQ). */
export function normalizeBambooHr(req: NormalizeBambooHrRequest): NormalizeBambooHrResult {
  const { change, tenant, timeZone } = req;
  if (!TENANT.test(tenant)) return fail(`tenant "${tenant}" must be 1-64 of letters, digits, . _ -`);
  if (timeZone !== undefined && !isTimeZone(timeZone)) return fail(`time zone "${timeZone}" is not a known IANA zone`);
  const enteredAtMs = parseInstant(change.timestamp ?? req.receivedAt);
  if (enteredAtMs === undefined) return fail(`receivedAt "${req.receivedAt}" is not an ISO-8601 date-time with an offset`);
  let previous: Partial<PersonSnapshot> | undefined;
  if (req.previous !== undefined) {
    const parsed = PersonSnapshot.partial().safeParse(req.previous);
    if (!parsed.success) return fail(`previous snapshot is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    previous = parsed.data;
  }

  const record = req.record ?? {};
  const snap = snapshotFromRecord({ employeeId: change.employeeId, record, previous, allowUnknownNames: change.action === 'deleted' });
  if (!snap.ok) return snap;

  const changed = new Set<BambooHrField>();
  for (const name of change.changedFields) {
    const alias = canonicalFieldName(name);
    if (alias) changed.add(alias);
  }
  const verdict = classify({
    action: change.action,
    changed,
    record,
    hireDate: snap.person.hireDate,
    terminationDate: snap.person.terminationDate,
    enteredAtMs,
    timeZone,
    previousStatus: previous?.status,
  });

  const person: PersonSnapshot = { ...snap.person, status: verdict.status };
  const source = `/hr/bamboohr/${tenant}`;
  const enteredAt = formatInstant(enteredAtMs);
  const event = {
    specversion: '1.0',
    id: bambooHrEventId({ source, employeeId: change.employeeId, type: verdict.type, sourceTimestamp: change.timestamp, changedFields: change.changedFields, person }),
    source,
    type: verdict.type,
    subject: personKeyOf({ source: 'bamboohr', tenant, employeeId: change.employeeId }),
    time: enteredAt,
    data: {
      effectiveAt: verdict.effectiveAt,
      enteredAt,
      person,
      ...(previous !== undefined && { previous }),
      changedFields: [...new Set([...changed].flatMap((f) => SNAPSHOT_FIELDS_OF[f]))].sort(),
      ...(verdict.reason !== undefined && { reason: verdict.reason }),
    },
  };
  // The contract is the judge: an event that does not parse must never reach Kafka.
  const checked = JmlEvent.safeParse(event);
  if (!checked.success) return fail(`normalized event is not a valid JmlEvent: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { ok: true, event: checked.data, warnings: snap.warnings };
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
