import { JmlEvent, personKeyOf, type PersonSnapshot } from '../../schemas/jml-event.v1';
import { classifyWorkday, terminationMs } from './classify';
import { HIRE_PROCESSES, TERMINATION_PROCESSES, type WorkdayEvent } from './contract';
import { workdayEventId } from './event-id';
import { JOB_FIELDS, changedFields, fieldNamesOf, pickFields } from './person-fields';
import { personFromWorker, previousFromPriorWorker } from './snapshot';
import { formatInZone, formatInstant, isTimeZone, parseInstant } from './time';

/**
 * One Workday contract event as a JmlEvent v1. Pure and deterministic: no clock, no randomness,
 * no I/O; the same request always gives the same event.
 *
 * - `subject` = `workday:<tenant>:<Worker_ID>` (a Worker_ID is unique only inside its tenant),
 *   `source` = `/hr/workday/<tenant>`.
 * - `time` = `enteredAt` = the Entry_Moment in canonical UTC.
 * - Calendar dates become instants in the worker's `Time_Zone` when it is sent and known to this
 *   runtime, else in `defaultTimeZone`, the tenant's configured zone. Never in the gateway host's
 *   zone, and never in the zone of the Entry_Moment's offset: that is the zone the integration
 *   system user (ISU) runs in, often US Pacific, which says nothing about where the person works.
 *   `effectiveAt` keeps that zone's offset (`2026-03-02T00:00:00+01:00`).
 * - Classification (JML type, effective moment, status, rescinds): classify.ts. Ids: event-id.ts.
 * - `changedFields`: for joiners and rehires every field the event carries; for movers the fields
 *   that differ from `Prior_Worker`, or, without it, the job fields present (what Change Job may
 *   have changed); `status` (and `terminationDate`) for the others; plus any field that differs
 *   from `Prior_Worker`. `previous` holds the prior values of the changed fields.
 */
export interface NormalizeWorkdayRequest {
  /** Tenant slug, the `<tenant>` of `/hr/workday/<tenant>`. */
  tenant: string;
  /** A contract event that passed {@link WorkdayEvent} (see payload.ts). */
  event: WorkdayEvent;
  /** IANA zone for calendar dates of workers without a usable `Time_Zone`. */
  defaultTimeZone: string;
}

export type NormalizeWorkdayResult = { ok: true; event: JmlEvent; warnings: string[] } | { ok: false; reason: string };

const TENANT = /^[A-Za-z0-9._-]{1,64}$/;

/** Never throws; `reason` says why no event could be built (the post belongs in the DLQ). */
export function normalizeWorkday(req: NormalizeWorkdayRequest): NormalizeWorkdayResult {
  const { tenant, event: e } = req;
  if (!TENANT.test(tenant)) return fail(`tenant "${tenant}" must be 1-64 of letters, digits, . _ -`);
  if (!isTimeZone(req.defaultTimeZone)) return fail(`default time zone "${req.defaultTimeZone}" is not a known IANA zone`);
  const enteredAtMs = parseInstant(e.Entry_Moment);
  if (enteredAtMs === undefined) return fail(`Entry_Moment "${e.Entry_Moment}" is not an ISO-8601 date-time with a ±HH:MM or Z offset`);

  const { person: base, warnings } = personFromWorker(e.Worker);
  const timeZone = base.timeZone ?? req.defaultTimeZone;
  const verdict = classifyWorkday({ event: e, enteredAtMs, timeZone });
  const rescind = e.Is_Rescind === true;
  const bp = e.Business_Process_Type;

  const facts = processFacts({ event: e, enteredAtMs, timeZone });
  const custom = { ...base.custom, ...facts.custom };
  const person: PersonSnapshot = { ...base, ...facts.person, status: verdict.status, ...(Object.keys(custom).length > 0 && { custom }) };

  let prior: Partial<PersonSnapshot> = {};
  if (e.Prior_Worker) {
    const mapped = previousFromPriorWorker({ prior: e.Prior_Worker, current: e.Worker });
    prior = mapped.previous;
    warnings.push(...mapped.warnings.map((w) => `Prior_Worker: ${w}`));
  }
  const priorChanges = changedFields({ before: prior, after: person, scope: 'before-keys' });
  const names = new Set<string>(priorChanges);
  if (verdict.type === 'jml.joiner' || (verdict.type === 'jml.rehire' && !rescind)) fieldNamesOf(person).forEach((n) => names.add(n));
  else if (verdict.type === 'jml.mover') {
    if (!e.Prior_Worker) fieldNamesOf(pickFields(person, JOB_FIELDS)).forEach((n) => names.add(n));
  } else facts.changedFields.forEach((n) => names.add(n));
  const changed = [...names].sort();
  const previous = { ...pickFields(prior, priorChanges), ...facts.previous };

  const source = `/hr/workday/${tenant}`;
  const enteredAt = formatInstant(enteredAtMs);
  const event = {
    specversion: '1.0',
    id: workdayEventId({
      tenant,
      source,
      workerId: e.Worker.Worker_ID,
      type: verdict.type,
      businessProcessType: bp,
      rescind,
      ...(e.Event_WID !== undefined && { eventWid: e.Event_WID }),
      entryMoment: enteredAt,
      changedFields: changed,
    }),
    source,
    type: verdict.type,
    subject: personKeyOf({ source: 'workday', tenant, employeeId: e.Worker.Worker_ID }),
    time: enteredAt,
    data: {
      effectiveAt: formatInZone(verdict.effectiveAtMs, timeZone),
      enteredAt,
      person,
      ...(Object.keys(previous).length > 0 && { previous }),
      changedFields: changed,
      ...(verdict.reason !== undefined && { reason: verdict.reason }),
      ...(verdict.involuntary !== undefined && { involuntary: verdict.involuntary }),
    },
  };
  // The wire contract is the judge: an event that does not parse must never reach Kafka.
  const checked = JmlEvent.safeParse(event);
  if (!checked.success) return fail(`normalized event is not a valid JmlEvent: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { ok: true, event: checked.data, warnings };
}

interface ProcessFactsRequest {
  event: WorkdayEvent;
  enteredAtMs: number;
  timeZone: string;
}

interface ProcessFacts {
  /** Snapshot fields the business process itself sets. */
  person: Partial<PersonSnapshot>;
  custom: Record<string, string | null>;
  /** What a leaver, rehire-by-rescind or leave event changed, besides `Prior_Worker` differences. */
  changedFields: string[];
  /** Previous values the process implies (a rescinded termination's date). */
  previous: Partial<PersonSnapshot>;
}

/** What the business process says beyond the worker data: hire and termination dates, leave details. */
function processFacts({ event: e, enteredAtMs, timeZone }: ProcessFactsRequest): ProcessFacts {
  const facts: ProcessFacts = { person: {}, custom: {}, changedFields: ['status'], previous: {} };
  const rescind = e.Is_Rescind === true;
  const bp = e.Business_Process_Type;
  if (HIRE_PROCESSES.has(bp) && !rescind) {
    // The hire's effective date is the hire date, whatever the worker data says.
    facts.person = { hireDate: e.Effective_Date, terminationDate: null };
  }
  const t = e.Termination;
  if (TERMINATION_PROCESSES.has(bp) && t && rescind) {
    // Before the rescind the person was terminated only if the termination had taken effect;
    // otherwise only the pending termination date goes away.
    const tookEffect = terminationMs(e, timeZone) <= enteredAtMs;
    facts.person = { terminationDate: null };
    facts.previous = tookEffect ? { terminationDate: t.Termination_Date, status: 'terminated' } : { terminationDate: t.Termination_Date };
    facts.changedFields = tookEffect ? ['status', 'terminationDate'] : ['terminationDate'];
  } else if (TERMINATION_PROCESSES.has(bp) && t) {
    facts.person = { terminationDate: t.Termination_Date };
    facts.changedFields.push('terminationDate');
    if (t.Last_Day_of_Work !== undefined) facts.custom.lastDayOfWork = t.Last_Day_of_Work;
  }
  if (bp === 'Request Leave of Absence' && !rescind && e.Leave) {
    const { Leave_Type: type, Estimated_Last_Day_of_Leave: until } = e.Leave;
    if (type !== undefined) facts.custom.leaveType = type?.trim() || null;
    if (until !== undefined) facts.custom.estimatedLastDayOfLeave = until;
  }
  facts.changedFields.push(...Object.keys(facts.custom).map((k) => `custom.${k}`));
  return facts;
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
