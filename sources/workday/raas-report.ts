import { WORKDAY_WORKER_TYPES, WorkdayWorkerId, type WorkdayWorker } from './contract';
import { personFromWorker, type SnapshotWithoutStatus } from './snapshot';
import { canonicalInstant, isCalendarDate } from './time';

/**
 * RaaS report rows as a snapshot of the workforce, keyed by Worker_ID. The report's columns use
 * the contract's `Worker` field names as their XML aliases (Worker_ID, Legal_First_Name, Hire_Date…,
 * see docs/workday-contract.md) plus `Termination_Date`, `Last_Day_of_Work`,
 * `Primary_Termination_Reason`, `Is_Involuntary`, `Active` and `On_Leave`.
 *
 * RaaS quirks handled here, not in the contract:
 * - Empty fields are left out of a row, so an absent column is known-empty (`null`), not unknown.
 * - Every value is text: booleans are `"1"`/`"0"` (JSON booleans and `"true"`/`"false"` are read
 *   too), ids may be numbers, and dates may carry an xs:date offset (`2026-03-02-08:00`), which is
 *   dropped: the date is the date.
 *
 * A row that cannot be read (no names, an unknown worker type, a multi-instance value where one was
 * expected, a Worker_ID on two rows) is not guessed at: its Worker_ID is listed as `unreadable`, so
 * the diff leaves that worker alone instead of reporting them gone. A row without a usable Worker_ID
 * fails the whole snapshot: it cannot be keyed, and leaving it out could read as a leaver.
 *
 * Snapshots are plain JSON, so the poller can store the last one as the next run's baseline.
 */
export interface RaasWorker {
  /** The worker's data; `terminationDate` is the row's Termination_Date. Status is set by the diff. */
  person: SnapshotWithoutStatus;
  /** The `Active` column, when the report has one. */
  active?: boolean;
  onLeave: boolean;
  lastDayOfWork: string | null;
  terminationReason: string | null;
  involuntary?: boolean;
}

export interface RaasSnapshot {
  /** Canonical UTC instant the report was run (`RaasReport.fetchedAt`). */
  asOf: string;
  workers: Readonly<Record<string, RaasWorker>>;
  /** Worker_IDs in the report whose rows could not be read, sorted. Never treated as gone. */
  unreadable: readonly string[];
  /** Per-row problems, for the poller to log (no field values beyond ids). */
  warnings: readonly string[];
}

export interface SnapshotFromReportRequest {
  /** When the report was run; ISO-8601 with offset. */
  asOf: string;
  /** `Report_Entry` rows. */
  entries: readonly Record<string, unknown>[];
}

export type SnapshotFromReportResult = { ok: true; snapshot: RaasSnapshot } | { ok: false; reason: string };

const TEXT_COLUMNS = [
  'Employee_Type',
  'Contingent_Worker_Type',
  'Preferred_First_Name',
  'Preferred_Last_Name',
  'Work_Email',
  'Job_Profile',
  'Business_Title',
  'Supervisory_Organization',
  'Cost_Center',
  'Location',
  'Time_Zone',
] as const;

export function snapshotFromReport(req: SnapshotFromReportRequest): SnapshotFromReportResult {
  const asOf = canonicalInstant(req.asOf);
  if (asOf === undefined) return { ok: false, reason: `asOf "${req.asOf}" is not an ISO-8601 date-time with an offset` };
  const workers: Record<string, RaasWorker> = {};
  const unreadable = new Set<string>();
  const warnings: string[] = [];

  for (const [index, row] of req.entries.entries()) {
    const workerId = idOf(row.Worker_ID);
    if (workerId === undefined) return { ok: false, reason: `Report_Entry ${index} has no usable Worker_ID; the report cannot be reconciled` };
    if (unreadable.has(workerId) || workerId in workers) {
      warnings.push(`Worker_ID ${workerId} is on more than one row; left alone`);
      delete workers[workerId];
      unreadable.add(workerId);
      continue;
    }
    const read = readRow(workerId, row);
    if (!read.ok) {
      warnings.push(`Worker_ID ${workerId}: ${read.reason}; left alone`);
      unreadable.add(workerId);
      continue;
    }
    warnings.push(...read.warnings.map((w) => `Worker_ID ${workerId}: ${w}`));
    workers[workerId] = read.worker;
  }
  return { ok: true, snapshot: { asOf, workers, unreadable: [...unreadable].sort(), warnings } };
}

type RowResult = { ok: true; worker: RaasWorker; warnings: string[] } | { ok: false; reason: string };

function readRow(workerId: string, row: Record<string, unknown>): RowResult {
  const problems: string[] = [];
  const text = (column: string): string | null => {
    const v = row[column];
    if (v === undefined || v === null) return null;
    if (typeof v === 'string') return v.length > 512 ? (problems.push(`${column} is longer than 512 characters`), null) : v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    problems.push(`${column} is not a single value`);
    return null;
  };
  const date = (column: string): string | null => {
    const v = text(column);
    if (v === null) return null;
    const d = /^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?$/.exec(v.trim())?.[1];
    if (d === undefined || !isCalendarDate(d)) problems.push(`${column} is not a date`);
    return d ?? null;
  };
  const flag = (column: string): boolean | undefined => {
    const v = row[column];
    if (v === undefined || v === null) return undefined;
    const t = String(v).trim().toLowerCase();
    if (t === '1' || t === 'true') return true;
    if (t === '0' || t === 'false') return false;
    problems.push(`${column} is not 1/0`);
    return undefined;
  };

  const workerType = text('Worker_Type');
  const given = text('Legal_First_Name');
  const family = text('Legal_Last_Name');
  const manager = row.Manager_Worker_ID === undefined ? null : (idOf(row.Manager_Worker_ID) ?? (problems.push('Manager_Worker_ID is not a Worker_ID'), null));
  if (!WORKDAY_WORKER_TYPES.includes(workerType as WorkdayWorker['Worker_Type'])) problems.push(`Worker_Type must be one of ${WORKDAY_WORKER_TYPES.join(', ')}`);
  if (!given?.trim() || !family?.trim()) problems.push('Legal_First_Name and Legal_Last_Name are required');

  const worker: WorkdayWorker = {
    Worker_ID: workerId,
    WID: text('WID'),
    Worker_Type: workerType as WorkdayWorker['Worker_Type'],
    Legal_First_Name: given ?? '',
    Legal_Last_Name: family ?? '',
    Manager_Worker_ID: manager,
    Hire_Date: date('Hire_Date'),
  };
  for (const column of TEXT_COLUMNS) worker[column] = text(column);
  const terminationDate = date('Termination_Date');
  const lastDayOfWork = date('Last_Day_of_Work');
  const terminationReason = text('Primary_Termination_Reason');
  const active = flag('Active');
  const onLeave = flag('On_Leave') ?? false;
  const involuntary = flag('Is_Involuntary');
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };

  const { person, warnings } = personFromWorker(worker);
  return {
    ok: true,
    worker: {
      person: { ...person, terminationDate },
      ...(active !== undefined && { active }),
      onLeave,
      lastDayOfWork,
      terminationReason: terminationReason?.trim() || null,
      ...(involuntary !== undefined && { involuntary }),
    },
    warnings,
  };
}

function idOf(v: unknown): string | undefined {
  const text = typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : v;
  return typeof text === 'string' && WorkdayWorkerId.safeParse(text).success ? text : undefined;
}
