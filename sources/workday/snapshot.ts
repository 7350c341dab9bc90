import { z } from 'zod';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import type { WorkdayPriorWorker, WorkdayWorker } from './contract';
import { isTimeZone } from './time';

/**
 * Workday worker data (the contract's `Worker` section, or a RaaS row mapped to it) as JmlEvent v1
 * PersonSnapshot fields. `status`, `terminationDate` and event-specific attributes depend on the
 * business process and are added by normalize.ts.
 *
 * Field by field: Worker_ID → employeeId; Legal_First/Last_Name → given/familyName;
 * Preferred_First_Name → preferredName; Work_Email → workEmail; Business_Title, else Job_Profile →
 * jobTitle; Supervisory_Organization → department; Cost_Center → costCenter; Location → location;
 * Manager_Worker_ID → managerEmployeeId; Time_Zone → timeZone; Hire_Date → hireDate; Worker_Type
 * with Employee_Type → workerType. Kept under `custom`: workdayWid, jobProfile, employeeType,
 * contingentWorkerType, preferredLastName. Workday has no "division"; it is never set.
 *
 * Absent stays absent (unknown); `null` or blank becomes `null` (known empty). A value that would
 * break the wire contract (an invalid email address, a time zone this runtime does not know) is
 * left out with a warning rather than failing the event: a leaver must never be held back by a
 * typo in HR.
 */
export type SnapshotWithoutStatus = Omit<PersonSnapshot, 'status'>;

export interface PersonFromWorkerResult {
  person: SnapshotWithoutStatus;
  warnings: string[];
}

/** The snapshot of a complete `Worker` section (names and worker type are required by the contract). */
export function personFromWorker(worker: WorkdayWorker): PersonFromWorkerResult {
  const warnings: string[] = [];
  const fields = mapFields(worker, worker.Worker_Type, warnings);
  const person: SnapshotWithoutStatus = {
    ...fields,
    employeeId: worker.Worker_ID,
    workerType: fields.workerType ?? workerTypeOf(worker.Worker_Type, worker.Employee_Type),
    givenName: worker.Legal_First_Name.trim(),
    familyName: worker.Legal_Last_Name.trim(),
  };
  return { person, warnings };
}

export interface PreviousFromPriorWorkerRequest {
  prior: WorkdayPriorWorker;
  /** The worker after the event; its Worker_Type places an Employee_Type that changed alone. */
  current: WorkdayWorker;
}

/** The snapshot fields the integration sent as they were before the event. */
export function previousFromPriorWorker(req: PreviousFromPriorWorkerRequest): { previous: Partial<PersonSnapshot>; warnings: string[] } {
  const warnings: string[] = [];
  return { previous: mapFields(req.prior, req.current.Worker_Type, warnings), warnings };
}

/**
 * PersonSnapshot `workerType` from Workday's Worker_Type and Employee_Type: contingent workers are
 * contractors; employees are interns or temporary when their Employee_Type says so, else employees.
 */
export function workerTypeOf(workerType: WorkdayWorker['Worker_Type'], employeeType?: string | null): PersonSnapshot['workerType'] {
  if (workerType === 'Contingent Worker') return 'contractor';
  const t = (employeeType ?? '').toLowerCase();
  if (/intern|trainee|apprentic|student/.test(t)) return 'intern';
  if (/temp|seasonal|fixed[ -]?term|casual/.test(t)) return 'temporary';
  return 'employee';
}

const Email = z.email();
type Fields = WorkdayPriorWorker & { WID?: string | null };

function mapFields(w: Fields, contextWorkerType: WorkdayWorker['Worker_Type'], warnings: string[]): Partial<PersonSnapshot> {
  const out: Partial<PersonSnapshot> = {};
  const set = <K extends keyof PersonSnapshot>(key: K, value: PersonSnapshot[K] | undefined) => {
    if (value !== undefined) out[key] = value;
  };

  const given = text(w.Legal_First_Name);
  const family = text(w.Legal_Last_Name);
  if (given) out.givenName = given;
  if (family) out.familyName = family;
  if (w.Worker_Type !== undefined || w.Employee_Type !== undefined) out.workerType = workerTypeOf(w.Worker_Type ?? contextWorkerType, w.Employee_Type);
  set('preferredName', text(w.Preferred_First_Name));

  const email = text(w.Work_Email);
  if (email && !Email.safeParse(email).success) warnings.push('Work_Email is not a valid address; left out');
  else set('workEmail', email);

  const jobProfile = text(w.Job_Profile);
  set('jobTitle', firstText(text(w.Business_Title), jobProfile));
  set('department', text(w.Supervisory_Organization));
  set('costCenter', text(w.Cost_Center));
  set('location', text(w.Location));
  set('managerEmployeeId', text(w.Manager_Worker_ID));
  set('hireDate', w.Hire_Date);

  const zone = text(w.Time_Zone);
  if (zone && !isTimeZone(zone)) warnings.push(`Time_Zone "${zone}" is not an IANA time zone this runtime knows; left out`);
  else set('timeZone', zone);

  const custom: Record<string, string | null> = {};
  for (const [name, value] of [
    ['workdayWid', text(w.WID)],
    ['jobProfile', jobProfile],
    ['employeeType', text(w.Employee_Type)],
    ['contingentWorkerType', text(w.Contingent_Worker_Type)],
    ['preferredLastName', text(w.Preferred_Last_Name)],
  ] as const) {
    if (value !== undefined) custom[name] = value;
  }
  if (Object.keys(custom).length > 0) out.custom = custom;
  return out;
}

/** Trimmed text; blank and `null` are known-empty (`null`); absent stays undefined. */
function text(v: string | null | undefined): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  const t = v.trim();
  return t === '' ? null : t;
}

/** The first non-empty value; `null` when none is but some were known; undefined when none was sent. */
function firstText(...values: (string | null | undefined)[]): string | null | undefined {
  for (const v of values) if (v) return v;
  return values.some((v) => v === null) ? null : undefined;
}
