import { createHash } from 'node:crypto';
import { canonicalJson } from '../../schemas/canonical-json';
import type { JmlEventType } from '../../schemas/jml-event.v1';

/**
 * Deterministic JmlEvent ids for Workday; all match JmlEvent's `^[A-Za-z0-9._:-]{1,200}$` and none
 * is random, so a redelivery, a re-run or a replay maps to the id already seen and is deduplicated.
 *
 * - With the business process event's WID: `workday-<tenant>-<wid>` (WID lowercase), and
 *   `workday-<tenant>-<wid>-rescind` for its rescind, which carries the same WID but must not be
 *   swallowed as a duplicate of it. The tenant is in the id because a WID is unique only within
 *   one tenant: a sandbox tenant refreshed from production holds the production WIDs. The WID is
 *   32 hex digits, so the id still parses from its end whatever hyphens the tenant has.
 * - Without one: `workday-digest-<32 hex>`, a SHA-256 over (source, Worker_ID, JML type, business
 *   process, rescind flag, entry moment in canonical UTC, sorted changed fields). The entry moment is
 *   canonicalised first, so `09:15:00.000-08:00` and `17:15:00Z` give the same id.
 */
export interface WorkdayEventIdRequest {
  /** Tenant slug, the `<tenant>` of `source`. */
  tenant: string;
  source: string;
  workerId: string;
  type: JmlEventType;
  businessProcessType: string;
  rescind: boolean;
  /** Business process event WID, when the integration sent one. */
  eventWid?: string;
  /** Canonical UTC instant (see time.ts `canonicalInstant`). */
  entryMoment: string;
  /** Order and duplicates do not matter. */
  changedFields: readonly string[];
}

export function workdayEventId(req: WorkdayEventIdRequest): string {
  if (req.eventWid !== undefined) return `workday-${req.tenant}-${req.eventWid.toLowerCase()}${req.rescind ? '-rescind' : ''}`;
  const facts = ['workday/v1', req.source, req.workerId, req.type, req.businessProcessType, req.rescind, req.entryMoment, sortedUnique(req.changedFields)];
  return `workday-digest-${digest(facts)}`;
}

/**
 * Ids of events found by comparing two RaaS snapshots: `workday-raas-<32 hex>` over (source,
 * Worker_ID, JML type, the baseline snapshot's `asOf`, sorted changed fields, and the before and
 * after values of those fields).
 *
 * Re-running the same diff (same baseline, same report content) gives the same ids, also when the
 * current report was fetched again after a crash. The baseline's `asOf` is in the hash so that a
 * value flapping back and forth (A→B, B→A, A→B) is three events, not a duplicate of the first.
 */
export interface RaasEventIdRequest {
  source: string;
  workerId: string;
  type: JmlEventType;
  /** Canonical UTC `asOf` of the previous (baseline) snapshot. */
  baselineAsOf: string;
  changedFields: readonly string[];
  before: unknown;
  after: unknown;
}

export function raasEventId(req: RaasEventIdRequest): string {
  const facts = ['workday-raas/v1', req.source, req.workerId, req.type, req.baselineAsOf, sortedUnique(req.changedFields), req.before ?? null, req.after ?? null];
  return `workday-raas-${digest(facts)}`;
}

function digest(facts: unknown): string {
  return createHash('sha256').update(canonicalJson(facts)).digest('hex').slice(0, 32);
}

function sortedUnique(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}
