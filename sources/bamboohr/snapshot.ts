import { z } from 'zod';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import type { BambooHrField, BambooHrRecord } from './fields';
import { parseCalendarDate } from './time';

/**
 * A BambooHR record (values by API alias) as a JmlEvent v1 PersonSnapshot, minus `status`, which
 * depends on the moment the event takes effect (see classify.ts). A field absent from the record
 * stays absent (unknown); a blank value or `0000-00-00` becomes `null` (known empty). A value that
 * would break the wire contract (an invalid email, an over-long text, a non-date) is left out
 * rather than rejecting the whole event, since a leaver must never be held back by a typo in HR,
 * and is reported in `warnings` for the caller to log.
 */
export type SnapshotWithoutStatus = Omit<PersonSnapshot, 'status'>;

export type SnapshotResult = { ok: true; person: SnapshotWithoutStatus; warnings: string[] } | { ok: false; reason: string };

export interface SnapshotRequest {
  employeeId: string;
  record: BambooHrRecord;
  /** The person as known before this change; fills names and worker type the record lacks. */
  previous?: Partial<PersonSnapshot>;
  /** Use a placeholder instead of failing when no name is known (deleted records carry no values). */
  allowUnknownNames?: boolean;
}

/** Stand-in for a name the schema requires but nobody knows, used only for deleted records. */
export const UNKNOWN_NAME = '(unknown)';

const TEXT_MAX = 512;
const CUSTOM_MAX = 2048;
const Email = z.email();

/** Which snapshot fields each BambooHR field feeds: the JmlEvent `changedFields` vocabulary. */
export const SNAPSHOT_FIELDS_OF: Readonly<Record<BambooHrField, readonly string[]>> = {
  firstName: ['givenName'],
  lastName: ['familyName'],
  preferredName: ['preferredName'],
  workEmail: ['workEmail'],
  jobTitle: ['jobTitle'],
  department: ['department'],
  division: ['division'],
  location: ['location'],
  status: ['status'],
  employmentHistoryStatus: ['status', 'workerType', 'custom.employmentStatus'],
  hireDate: ['hireDate'],
  originalHireDate: ['custom.originalHireDate'],
  terminationDate: ['terminationDate'],
  supervisorEId: ['managerEmployeeId'],
  supervisor: ['managerEmployeeId'],
  employeeNumber: ['custom.employeeNumber'],
  payGroup: ['custom.payGroup'],
  costCenter: ['costCenter'],
};

/** Builds the snapshot; fails only when a required name is unknown. */
export function snapshotFromRecord(req: SnapshotRequest): SnapshotResult {
  const { record, previous } = req;
  const warnings: string[] = [];
  const text = (alias: BambooHrField, max = TEXT_MAX): string | null | undefined => {
    if (!(alias in record)) return undefined;
    const v = record[alias]?.trim() ?? '';
    if (v === '') return null;
    if (v.length > max) {
      warnings.push(`${alias} is longer than ${max} characters; left out`);
      return undefined;
    }
    return v;
  };
  const date = (alias: BambooHrField): string | null | undefined => {
    const v = text(alias);
    if (v === undefined || v === null) return v;
    const d = parseCalendarDate(v);
    if (d === undefined) warnings.push(`${alias} "${v}" is not a YYYY-MM-DD date; left out`);
    return d;
  };

  const givenName = text('firstName') ?? previous?.givenName ?? (req.allowUnknownNames ? UNKNOWN_NAME : undefined);
  const familyName = text('lastName') ?? previous?.familyName ?? (req.allowUnknownNames ? UNKNOWN_NAME : undefined);
  if (!givenName || !familyName) {
    return { ok: false, reason: `employee ${req.employeeId}: firstName and lastName are required but unknown (hydrate the record first)` };
  }

  let workEmail = text('workEmail');
  if (workEmail && !Email.safeParse(workEmail).success) {
    warnings.push(`workEmail is not a valid address; left out`);
    workEmail = undefined;
  }

  const employmentStatus = text('employmentHistoryStatus', CUSTOM_MAX);
  const custom: Record<string, string | null> = {};
  for (const [name, alias] of [
    ['employeeNumber', 'employeeNumber'],
    ['payGroup', 'payGroup'],
    ['employmentStatus', 'employmentHistoryStatus'],
    ['originalHireDate', 'originalHireDate'],
  ] as const) {
    const v = name === 'employmentStatus' ? employmentStatus : text(alias, CUSTOM_MAX);
    if (v !== undefined) custom[name] = v;
  }

  const person: SnapshotWithoutStatus = {
    employeeId: req.employeeId,
    workerType: workerTypeOf(employmentStatus) ?? previous?.workerType ?? 'employee',
    givenName,
    familyName,
  };
  const optional: Partial<SnapshotWithoutStatus> = {
    preferredName: text('preferredName'),
    workEmail,
    jobTitle: text('jobTitle'),
    department: text('department'),
    division: text('division'),
    location: text('location'),
    costCenter: text('costCenter'),
    managerEmployeeId: text('supervisorEId', 128),
    hireDate: date('hireDate'),
    terminationDate: date('terminationDate'),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (person as Record<string, unknown>)[k] = v;
  if (Object.keys(custom).length > 0) person.custom = custom;
  return { ok: true, person, warnings };
}

/**
 * Worker type from BambooHR's employment status. Undefined when the status says nothing about it
 * (absent, blank or "Terminated"), so the previous type or `employee` applies; `other` for a
 * company-specific status we cannot place.
 */
export function workerTypeOf(employmentStatus: string | null | undefined): PersonSnapshot['workerType'] | undefined {
  if (!employmentStatus) return undefined;
  const s = employmentStatus.toLowerCase();
  if (s === 'terminated') return undefined;
  if (/contract|consult|freelanc|vendor/.test(s)) return 'contractor';
  if (/intern|trainee|apprentic/.test(s)) return 'intern';
  if (/temp|seasonal|casual/.test(s)) return 'temporary';
  if (/full|part|employee|permanent|regular/.test(s)) return 'employee';
  return 'other';
}
