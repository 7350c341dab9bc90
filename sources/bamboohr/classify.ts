import type { JmlEventType, PersonSnapshot } from '../../schemas/jml-event.v1';
import type { BambooHrField, BambooHrRecord } from './fields';
import { endOfDay, endOfDayMs, formatInstant, startOfDay, startOfDayMs } from './time';

type EmploymentStatus = PersonSnapshot['status'];

/**
 * Which JML event a BambooHR change is, when it takes effect, and the person's status then.
 * Deterministic: "the future" means after the change was entered in BambooHR (`enteredAtMs`),
 * never after our clock, so re-normalising an old delivery gives the same answer.
 *
 * Rules, first match wins:
 *  1. deleted → leaver now ("deleted in HR").
 *  2. created → joiner at the start of hireDate (pre-hire while that is after entry); a record
 *     created already terminated (an import of history) → leaver, so nothing is provisioned.
 *  3. terminated (status Inactive, employment status Terminated, or a terminationDate that is not
 *     older than hireDate) and a termination field changed (or BambooHR named none) → leaver at
 *     the end of terminationDate (people work their last day), else at entry.
 *  4. not terminated, and either the caller knew the person as terminated, or a termination older
 *     than hireDate shows an earlier employment ended and status/employment status/hireDate
 *     changed → rehire at the start of hireDate.
 *  5. jobTitle, department, division, location or manager changed → mover at entry (BambooHR fires
 *     history-table changes when they take effect, not when they are entered).
 *  6. anything else → update at entry (this includes edits to an already terminated record).
 */
export interface ClassifyRequest {
  action: 'created' | 'updated' | 'deleted';
  /** API aliases of the changed fields; empty when BambooHR named none. */
  changed: ReadonlySet<BambooHrField>;
  record: BambooHrRecord;
  /** Validated calendar dates from the snapshot (null or absent when unknown or empty). */
  hireDate?: string | null;
  terminationDate?: string | null;
  enteredAtMs: number;
  /** IANA zone for calendar dates; UTC when absent. */
  timeZone?: string;
  /** The person's status as the caller knew it before this change. */
  previousStatus?: EmploymentStatus;
}

export interface Classification {
  type: JmlEventType;
  /** ISO-8601 with offset. */
  effectiveAt: string;
  status: EmploymentStatus;
  reason?: string;
}

const TERMINATION_FIELDS: readonly BambooHrField[] = ['status', 'employmentHistoryStatus', 'terminationDate'];
const REHIRE_FIELDS: readonly BambooHrField[] = ['status', 'employmentHistoryStatus', 'hireDate'];
const MOVER_FIELDS: readonly BambooHrField[] = ['jobTitle', 'department', 'division', 'location', 'supervisorEId', 'supervisor'];

export function classify(req: ClassifyRequest): Classification {
  const { action, changed, record, hireDate, terminationDate, enteredAtMs, timeZone } = req;
  const entered = formatInstant(enteredAtMs);
  const hireStartMs = hireDate ? startOfDayMs(hireDate, timeZone) : undefined;
  const termEndMs = terminationDate ? endOfDayMs(terminationDate, timeZone) : undefined;
  const staleTermination = !!(terminationDate && hireDate && terminationDate < hireDate);
  const terminated =
    lower(record.status) === 'inactive' || lower(record.employmentHistoryStatus) === 'terminated' || (!!terminationDate && !staleTermination);

  const statusAt = (atMs: number): EmploymentStatus => {
    if (terminated && (termEndMs === undefined || atMs >= termEndMs)) return 'terminated';
    if (hireStartMs !== undefined && atMs < hireStartMs) return 'pre-hire';
    return 'active';
  };
  const leaver = (reason: string): Classification => {
    const effectiveAt = terminationDate && !staleTermination ? endOfDay(terminationDate, timeZone) : entered;
    return { type: 'jml.leaver', effectiveAt, status: 'terminated', reason };
  };
  const startingOnHireDate = (type: JmlEventType): Classification => {
    if (!hireDate || hireStartMs === undefined) return { type, effectiveAt: entered, status: 'active' };
    return { type, effectiveAt: startOfDay(hireDate, timeZone), status: hireStartMs > enteredAtMs ? 'pre-hire' : 'active' };
  };
  const atEntry = (type: JmlEventType): Classification => ({ type, effectiveAt: entered, status: statusAt(enteredAtMs) });

  if (action === 'deleted') return { type: 'jml.leaver', effectiveAt: entered, status: 'terminated', reason: 'deleted in HR' };
  if (action === 'created') return terminated ? leaver('created already terminated in HR') : startingOnHireDate('jml.joiner');
  if (terminated && (changed.size === 0 || TERMINATION_FIELDS.some((f) => changed.has(f)))) return leaver('terminated in HR');
  if (!terminated && (req.previousStatus === 'terminated' || (staleTermination && REHIRE_FIELDS.some((f) => changed.has(f))))) {
    return startingOnHireDate('jml.rehire');
  }
  if (MOVER_FIELDS.some((f) => changed.has(f))) return atEntry('jml.mover');
  return atEntry('jml.update');
}

function lower(v: string | null | undefined): string {
  return (v ?? '').trim().toLowerCase();
}
