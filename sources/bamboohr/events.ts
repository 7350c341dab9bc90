import type { JmlEvent, PersonSnapshot } from '../../schemas/jml-event.v1';
import { isBambooHrApiError } from './errors';
import { canonicalFieldName, recordFromWebhookFields, type BambooHrRecord } from './fields';
import { normalizeBambooHr } from './normalize';
import type { NormalizedChange } from './payload';

/**
 * From parsed deliveries to JmlEvents: hydrates what the webhook did not carry, then normalizes.
 *
 * - Event-based changes carry no values: the record is always fetched (except for deletions,
 *   which BambooHR answers with 404).
 * - Field-based changes carry the posted fields; the record is fetched only when they lack a name
 *   or the value of a changed field we use (BambooHR posts no fields for Created/Deleted, and
 *   admins choose which fields are posted). Posted values win: they are the values as of the change.
 *
 * Results are per delivery, in order. A permanent API failure (404, 401…) or an unusable record
 * becomes `{ ok: false, reason }` for that delivery (dead-letter it); a retryable API failure is
 * thrown, so the caller can answer 5xx and BambooHR redelivers the whole post (ids are stable).
 */
export interface BuildBambooHrEventsRequest {
  tenant: string;
  deliveries: readonly NormalizedChange[];
  /** ISO-8601 with offset; `enteredAt` for deliveries whose payload has no timestamp. */
  receivedAt: string;
  /** Tenant's IANA zone for calendar dates; UTC when absent. */
  timeZone?: string;
  /** Current values by API alias; `BambooHrClient.getEmployee` fits. */
  fetchEmployee: (req: { employeeId: string }) => Promise<BambooHrRecord>;
  /** The person as the caller knew them, if it keeps such state; enables rehire detection by prior status. */
  previousOf?: (employeeId: string) => Partial<PersonSnapshot> | undefined;
}

export type BuiltBambooHrEvent =
  | { ok: true; employeeId: string; event: JmlEvent; warnings: string[] }
  | { ok: false; employeeId: string; reason: string };

export async function buildBambooHrEvents(req: BuildBambooHrEventsRequest): Promise<BuiltBambooHrEvent[]> {
  const hydrated = await hydrateBambooHrChanges({ deliveries: req.deliveries, fetchEmployee: req.fetchEmployee });
  return normalizeHydratedChanges({
    tenant: req.tenant,
    hydrated,
    receivedAt: req.receivedAt,
    ...(req.timeZone !== undefined && { timeZone: req.timeZone }),
    ...(req.previousOf !== undefined && { previousOf: req.previousOf }),
  });
}

/** A delivery with the record it is normalized from, or why no record could be had. */
export type HydratedChange = { ok: true; change: NormalizedChange; record: BambooHrRecord } | { ok: false; employeeId: string; reason: string };

/**
 * The hydration step alone: each delivery with its record (posted values over fetched ones).
 * A permanent API failure becomes `{ ok: false }` for that delivery; a retryable one is thrown.
 */
export async function hydrateBambooHrChanges(req: Pick<BuildBambooHrEventsRequest, 'deliveries' | 'fetchEmployee'>): Promise<HydratedChange[]> {
  const out: HydratedChange[] = [];
  for (const change of req.deliveries) {
    const { employeeId } = change;
    let record: BambooHrRecord = change.fields ? recordFromWebhookFields(change.fields) : {};
    if (needsHydration(change, record)) {
      try {
        record = { ...(await req.fetchEmployee({ employeeId })), ...record };
      } catch (err) {
        if (isBambooHrApiError(err) && !err.retryable) {
          out.push({ ok: false, employeeId, reason: `hydrating employee ${employeeId} failed (${err.code}): ${err.message}` });
          continue;
        }
        throw err;
      }
    }
    out.push({ ok: true, change, record });
  }
  return out;
}

/** The normalization step alone: pure, one result per hydrated delivery, in order. */
export function normalizeHydratedChanges(
  req: Omit<BuildBambooHrEventsRequest, 'deliveries' | 'fetchEmployee'> & { hydrated: readonly HydratedChange[] },
): BuiltBambooHrEvent[] {
  return req.hydrated.map((h): BuiltBambooHrEvent => {
    if (!h.ok) return h;
    const { employeeId } = h.change;
    const previous = req.previousOf?.(employeeId);
    const result = normalizeBambooHr({
      tenant: req.tenant,
      change: h.change,
      record: h.record,
      receivedAt: req.receivedAt,
      ...(req.timeZone !== undefined && { timeZone: req.timeZone }),
      ...(previous !== undefined && { previous }),
    });
    return result.ok ? { ok: true, employeeId, event: result.event, warnings: result.warnings } : { ok: false, employeeId, reason: result.reason };
  });
}

/** True when the change must be completed from the API before it can be normalized. */
export function needsHydration(change: NormalizedChange, record: BambooHrRecord): boolean {
  if (change.action === 'deleted') return false;
  if (change.style === 'event-based') return true;
  if (!record.firstName || !record.lastName) return true;
  return change.changedFields.some((name) => {
    const alias = canonicalFieldName(name);
    // "Reporting to" carries the supervisor's name; the id we publish is supervisorEId.
    const needed = alias === 'supervisor' ? 'supervisorEId' : alias;
    return needed !== undefined && !(needed in record);
  });
}
