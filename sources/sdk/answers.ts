import type { AcceptedDelivery } from './define';

/**
 * `{ accepted: true, id, duplicate? }`: the 202 body for a delivery of exactly one event (Workday,
 * the canonical API); `duplicate: true` when the edge had accepted that event before.
 */
export function singleEventAnswer(d: AcceptedDelivery): unknown {
  return { accepted: true, id: d.events[0]?.id ?? d.actions?.[0]?.id, ...(d.duplicates.length > 0 ? { duplicate: true } : {}) };
}
