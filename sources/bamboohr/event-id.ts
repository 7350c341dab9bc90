import { createHash } from 'node:crypto';
import { canonicalJson } from '../../schemas/canonical-json';
import type { JmlEventType, PersonSnapshot } from '../../schemas/jml-event.v1';

/**
 * Deterministic JmlEvent ids for BambooHR, which sends no delivery id. The id is
 * `bamboohr-<first 32 hex of sha256>` over (source, employeeId, JML type, source timestamp, sorted
 * changed field names), so a redelivery (BambooHR retries 5xx for hours, re-signing each attempt)
 * maps to the same id and is deduplicated downstream.
 *
 * When the payload carries no timestamp, the person snapshot stands in for it: a redelivery carries
 * (or hydrates to) the same values and so the same id, while a later, different change does not.
 * The request's `X-BambooHR-Timestamp` is deliberately not used: it changes on every retry.
 */
export interface BambooHrEventIdRequest {
  source: string;
  employeeId: string;
  type: JmlEventType;
  /** Canonical UTC instant from the payload, when it had one. */
  sourceTimestamp?: string;
  /** Changed field names as BambooHR sent them (order and duplicates do not matter). */
  changedFields: readonly string[];
  /** Used only when `sourceTimestamp` is absent. */
  person: PersonSnapshot;
}

/** Matches JmlEvent's id pattern `^[A-Za-z0-9._:-]{1,200}$`. */
export function bambooHrEventId(req: BambooHrEventIdRequest): string {
  const changed = [...new Set(req.changedFields)].sort();
  const moment = req.sourceTimestamp ?? `content:${canonicalJson(req.person)}`;
  const digest = createHash('sha256').update(JSON.stringify(['bamboohr/v1', req.source, req.employeeId, req.type, moment, changed])).digest('hex');
  return `bamboohr-${digest.slice(0, 32)}`;
}
