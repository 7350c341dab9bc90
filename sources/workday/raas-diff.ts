import { JmlEvent, personKeyOf, type JmlEventType, type PersonSnapshot } from '../../schemas/jml-event.v1';
import { raasEventId } from './event-id';
import { JOB_FIELDS, changedFields, fieldNamesOf, pickFields } from './person-fields';
import type { RaasSnapshot, RaasWorker } from './raas-report';
import { endOfDayMs, formatInZone, isTimeZone, parseInstant, startOfDayMs } from './time';

/**
 * Reconciliation: the JmlEvents that turn the `previous` RaaS snapshot into the `current` one.
 * Pure and deterministic; re-running the same diff gives the same events and ids (event-id.ts).
 *
 * Each event's subject is `workday:<tenant>:<Worker_ID>`. Per Worker_ID, in sorted order:
 * - new in the report → `jml.joiner` at the start of Hire_Date (none when the row is already
 *   terminated: there is nothing to provision, and a first run would otherwise emit a leaver for
 *   every former worker);
 * - gone from the report, or now terminated → `jml.leaver`: gone takes effect when observed, a
 *   termination at the end of Last_Day_of_Work, else Termination_Date;
 * - terminated before, not now → `jml.rehire` at the start of Hire_Date;
 * - `On_Leave` set / cleared → `jml.leave.start` / `jml.leave.end`;
 * - a job field changed (JOB_FIELDS) → `jml.mover`; any other field → `jml.update`; both when
 *   observed, since a report row does not say when a change takes effect.
 *
 * "Terminated" is `Active` = 0, or a Termination_Date not older than Hire_Date (an older one belongs
 * to an earlier employment). A Worker_ID listed as unreadable on either side is left alone, except
 * that a readable row that is terminated still yields its leaver: a leaver is never held back.
 * `enteredAt` is the current snapshot's `asOf`. Downstream, the mass-change guard holds a suspicious
 * burst of leavers (a report whose filter broke looks like everyone leaving).
 */
export interface DiffSnapshotsRequest {
  /** Tenant slug, the `<tenant>` of `/hr/workday/<tenant>`. */
  tenant: string;
  previous: RaasSnapshot;
  current: RaasSnapshot;
  /** IANA zone for calendar dates of workers without a usable Time_Zone. */
  defaultTimeZone: string;
}

export interface DiffSnapshotsResult {
  events: JmlEvent[];
  /** Workers whose difference produced no event, and why. */
  skipped: { workerId: string; reason: string }[];
}

/** Throws a RangeError on a bad tenant, zone or `asOf`, which are configuration errors, not data. */
export function diffSnapshots(req: DiffSnapshotsRequest): DiffSnapshotsResult {
  const { previous, current } = req;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(req.tenant)) throw new RangeError(`tenant "${req.tenant}" must be 1-64 of letters, digits, . _ -`);
  if (!isTimeZone(req.defaultTimeZone)) throw new RangeError(`default time zone "${req.defaultTimeZone}" is not a known IANA zone`);
  const asOfMs = parseInstant(current.asOf);
  if (asOfMs === undefined || parseInstant(previous.asOf) === undefined) throw new RangeError('snapshot asOf must be ISO-8601 date-times with an offset');

  const source = `/hr/workday/${req.tenant}`;
  const events: JmlEvent[] = [];
  const skipped: DiffSnapshotsResult['skipped'] = [];
  const unreadable = new Set([...previous.unreadable, ...current.unreadable]);
  const ids = [...new Set([...Object.keys(previous.workers), ...Object.keys(current.workers), ...unreadable])].sort();

  for (const workerId of ids) {
    const before = previous.workers[workerId];
    const after = current.workers[workerId];
    const zone = (after ?? before)?.person.timeZone ?? req.defaultTimeZone;
    const emit = (change: Change) => events.push(build({ tenant: req.tenant, source, workerId, zone, asOfMs, current, previous, ...change }));

    if (current.unreadable.includes(workerId)) {
      skipped.push({ workerId, reason: 'row unreadable in the current report' });
    } else if (before && after) {
      const type = typeOfChange(before, after);
      if (type) emit({ type, before, after });
    } else if (before) {
      if (isTerminated(before)) skipped.push({ workerId, reason: 'terminated worker left the report' });
      else emit({ type: 'jml.leaver', before, after: { ...before, active: false }, gone: true });
    } else if (after && isTerminated(after)) {
      // Unreadable before: we cannot tell whether this termination is news, so the leaver goes out.
      if (unreadable.has(workerId)) emit({ type: 'jml.leaver', after });
      else skipped.push({ workerId, reason: 'first seen already terminated' });
    } else if (after) {
      if (unreadable.has(workerId)) skipped.push({ workerId, reason: 'row unreadable in the previous report' });
      else emit({ type: 'jml.joiner', after });
    } else {
      skipped.push({ workerId, reason: 'row unreadable in the previous report and gone from the current one' });
    }
  }
  return { events, skipped };
}

interface Change {
  type: JmlEventType;
  before?: RaasWorker;
  after: RaasWorker;
  /** The worker left the report (the leaver's `after` is the last known row). */
  gone?: boolean;
}

function typeOfChange(before: RaasWorker, after: RaasWorker): JmlEventType | undefined {
  const wasTerminated = isTerminated(before);
  const terminated = isTerminated(after);
  if (!wasTerminated && terminated) return 'jml.leaver';
  if (wasTerminated && !terminated) return 'jml.rehire';
  const changed = changedFields({ before: stable(before), after: stable(after), scope: 'all-keys' });
  if (changed.length === 0) return undefined;
  if (!terminated && !before.onLeave && after.onLeave) return 'jml.leave.start';
  if (!terminated && before.onLeave && !after.onLeave) return 'jml.leave.end';
  if (!terminated && changed.some((f) => JOB_FIELDS.includes(f))) return 'jml.mover';
  return 'jml.update';
}

interface BuildRequest extends Change {
  tenant: string;
  source: string;
  workerId: string;
  zone: string;
  asOfMs: number;
  previous: RaasSnapshot;
  current: RaasSnapshot;
}

function build(req: BuildRequest): JmlEvent {
  const { type, before, after, zone, asOfMs } = req;
  const stableBefore = before ? stable(before) : undefined;
  const stableAfter = stable(after);
  const changed = stableBefore ? changedFields({ before: stableBefore, after: stableAfter, scope: 'all-keys' }) : fieldNamesOf(stableAfter);
  const person: PersonSnapshot = { ...after.person, status: statusAt(type, after, asOfMs, zone) };

  let effectiveAtMs = asOfMs;
  let reason: string | undefined;
  if (type === 'jml.joiner' || type === 'jml.rehire') {
    if (after.person.hireDate) effectiveAtMs = startOfDayMs(after.person.hireDate, zone);
  } else if (type === 'jml.leaver' && req.gone) {
    reason = 'no longer in the Workday report';
  } else if (type === 'jml.leaver') {
    const last = after.lastDayOfWork ?? after.person.terminationDate;
    if (last) effectiveAtMs = endOfDayMs(last, zone);
    reason = after.terminationReason ?? 'terminated in Workday';
  }

  const event = {
    specversion: '1.0',
    id: raasEventId({
      source: req.source,
      workerId: req.workerId,
      type,
      baselineAsOf: req.previous.asOf,
      changedFields: changed,
      before: stableBefore ? pickFields(stableBefore, changed) : null,
      after: pickFields(stableAfter, changed),
    }),
    source: req.source,
    type,
    subject: personKeyOf({ source: 'workday', tenant: req.tenant, employeeId: req.workerId }),
    time: req.current.asOf,
    data: {
      effectiveAt: formatInZone(effectiveAtMs, zone),
      enteredAt: req.current.asOf,
      person,
      ...(stableBefore && changed.length > 0 && { previous: pickFields(stableBefore, changed) }),
      changedFields: changed,
      ...(reason !== undefined && { reason }),
      ...(type === 'jml.leaver' && !req.gone && after.involuntary !== undefined && { involuntary: after.involuntary }),
    },
  };
  // Built from validated rows, so a failure here is a bug in this module: throw, loudly.
  return JmlEvent.parse(event);
}

/** Terminated: `Active` = 0, or a Termination_Date that is not older than the Hire_Date. */
export function isTerminated(w: RaasWorker): boolean {
  if (w.active === false) return true;
  const { terminationDate, hireDate } = w.person;
  return !!terminationDate && !(hireDate && terminationDate < hireDate);
}

/**
 * The worker with a status that depends only on the row, never on the clock (no pre-hire), so a
 * start date passing between two polls is not a change, and ids do not depend on when we looked.
 */
function stable(w: RaasWorker): PersonSnapshot {
  return { ...w.person, status: isTerminated(w) ? 'terminated' : w.onLeave ? 'on-leave' : 'active' };
}

/** The status published in the event: as of the report, with pre-hire before the hire date starts. */
function statusAt(type: JmlEventType, w: RaasWorker, asOfMs: number, zone: string): PersonSnapshot['status'] {
  if (type === 'jml.leaver' || isTerminated(w)) return 'terminated';
  if (w.onLeave) return 'on-leave';
  return w.person.hireDate && startOfDayMs(w.person.hireDate, zone) > asOfMs ? 'pre-hire' : 'active';
}
