import type { JmlEvent, PersonSnapshot } from '../schemas/jml-event.v1';
import type { AppliedEvent, AttentionRecord, EventOutcome, ProcessedEvent, RedriveRecord, RedriveRefusal, RedriveRequest } from '../schemas/contracts';
import { factsOf, personAfter, supersededBy, type EventFacts } from './person-rules';

/**
 * The person workflow's re-drive rules, as pure functions over plain data (like person-rules.ts):
 * which requests it refuses and why, which event body a re-drive applies, and what an outcome
 * leaves to re-drive. The workflow (person.ts) only orchestrates them; they are unit-tested in
 * redrive-rules.test.ts. Messages name event ids and statuses only, never the person's data.
 */

/** Events whose last outcome needs a re-drive, kept per person (oldest dropped first). */
export const ATTENTION_KEPT = 200;
/** Finished re-drives kept for `jml person` (queued and running ones are always kept). */
export const REDRIVES_KEPT = 20;

/** What the person workflow knows that decides a re-drive request. */
export interface RedriveContext {
  personKey: string;
  attention: Readonly<Record<string, AttentionRecord>>;
  /** Most recent outcomes, newest last. */
  recent: readonly ProcessedEvent[];
  applied: readonly AppliedEvent[];
  /** Events queued (first time, or a re-drive), in arrival order. */
  pending: readonly EventFacts[];
  /** Child ids running now (the current child, one left running by a previous run). */
  running: readonly string[];
  /** Whether the event id was ever received (recent ids). */
  seen: (eventId: string) => boolean;
}

export interface Refusal {
  reason: RedriveRefusal;
  message: string;
}

/**
 * Why the person workflow refuses to re-drive `req`, or undefined when it accepts. In order: a
 * request whose event does not match; an event running or queued; an event with a failed or
 * needs-attention outcome (accepted, unless newer HR truth already decided: the same supersession
 * rules as any pending event); else the last outcome it knows (completed, rejected, superseded,
 * duplicate), then whether it ever saw the event.
 */
export function redriveRefusal(req: RedriveRequest, ctx: RedriveContext): Refusal | undefined {
  const { eventId } = req;
  if (req.event?.id !== eventId || req.event.subject !== ctx.personKey) {
    return { reason: 'invalid-request', message: `the event given is not ${eventId} of this person` };
  }
  if (!req.originalRunId || !req.by) return { reason: 'invalid-request', message: 'a re-drive names the run it re-drives and who asks' };
  if (ctx.running.includes(eventId)) return { reason: 'in-flight', message: `${eventId} is running now: wait for its outcome` };
  if (ctx.pending.some((e) => e.id === eventId)) return { reason: 'in-flight', message: `${eventId} is queued and not applied yet` };
  const needs = ctx.attention[eventId];
  if (needs) {
    const by = supersededBy(factsOf(req.event), { applied: ctx.applied, pending: ctx.pending });
    if (by !== undefined) return { reason: 'superseded', message: `newer HR truth (${by}) was applied after ${eventId}; re-drive that event instead if it needs it` };
    return undefined;
  }
  const last = [...ctx.recent].reverse().find((p) => p.eventId === eventId);
  if (last?.status === 'completed') return { reason: 'already-applied', message: `${eventId} was applied in full` };
  if (last && last.status !== 'failed' && last.status !== 'needs-attention') {
    return { reason: 'not-redrivable', message: `${eventId} ended ${last.status}; only failed or needs-attention events are re-driven` };
  }
  if (ctx.applied.some((a) => a.id === eventId) || ctx.seen(eventId)) {
    return { reason: 'already-applied', message: `no failed or needs-attention outcome is recorded for ${eventId}` };
  }
  return { reason: 'unknown-event', message: `${eventId} is not an event of this person` };
}

/**
 * The event a re-drive (or any delivery) applies: the original, except that when an event HR entered
 * later has been applied since, the person's snapshot is the newest one the person workflow holds.
 * The event then applies its kind (create, disable, …) for who the person is now, and never brings
 * back attributes or groups that newer HR truth changed. The newest news keeps its snapshot, with
 * the employment status the workflow gives the person after it (see `personAfter`).
 */
export function redriveEvent(event: JmlEvent, known: { applied: readonly AppliedEvent[]; person?: PersonSnapshot }): JmlEvent {
  if (!known.person) return event;
  const entered = Date.parse(event.data.enteredAt);
  const newer = known.applied.some((a) => a.id !== event.id && a.enteredAt > entered);
  if (newer) return { ...event, data: { ...event.data, person: known.person } };
  // The newest news: its snapshot, with the employment status the person has after it (a change
  // during a leave keeps the person on leave, whatever its status field says), which the plan obeys.
  const status = personAfter(event, known.person).status;
  return status === event.data.person.status ? event : { ...event, data: { ...event.data, person: { ...event.data.person, status } } };
}

/**
 * What an event's outcome leaves to re-drive: a record for `failed` (no outcome: the whole event)
 * and `needs-attention` (the apps that did not end `done`), none otherwise. `redriven` carries how
 * often it was re-driven already.
 */
export function attentionOf(
  event: Pick<JmlEvent, 'id' | 'type'>,
  result: { status: ProcessedEvent['status']; outcome?: EventOutcome },
  redriven?: number,
): AttentionRecord | undefined {
  if (result.status !== 'failed' && result.status !== 'needs-attention') return undefined;
  const apps = (result.outcome?.apps ?? []).filter((a) => a.status !== 'done').map((a) => a.appId);
  return { eventId: event.id, type: event.type, status: result.status, apps, ...(redriven ? { redriven } : {}) };
}

/**
 * Attention records to carry over a restart of the rules (a person workflow that ran before
 * re-drives existed): the failed and needs-attention events among its recent outcomes that no later
 * outcome completed. Which apps failed is unknown there: the whole event is assumed.
 */
export function seedAttention(recent: readonly ProcessedEvent[]): Record<string, AttentionRecord> {
  const seeded: Record<string, AttentionRecord> = {};
  for (const p of recent) {
    if (p.type === 'prestart' || p.type === 'retention-delete' || p.type === 'reconcile' || p.type === 'suspend' || p.type === 'restore') continue;
    if (p.status === 'failed' || p.status === 'needs-attention') seeded[p.eventId] = { eventId: p.eventId, type: p.type, status: p.status, apps: [] };
    else if (p.status === 'completed' || p.status === 'superseded') delete seeded[p.eventId];
  }
  return seeded;
}

/**
 * A re-drive's outcome as it may change the person's state: retention deletes only for the apps
 * that had failed before (the first outcome already scheduled those of the apps it did), so a
 * re-driven leaver never schedules a second delete for the same app.
 */
export function redriveOutcome(outcome: EventOutcome, before: AttentionRecord | undefined): EventOutcome {
  if (!before || before.apps.length === 0) return outcome;
  const failed = new Set(before.apps);
  return {
    ...outcome,
    apps: outcome.apps.map((a) => {
      if (failed.has(a.appId) || a.deleteAfterMs === undefined) return a;
      const { deleteAfterMs: _kept, ...rest } = a;
      return rest;
    }),
  };
}

/** Keeps every queued or running re-drive and the newest `REDRIVES_KEPT` finished ones, in order. */
export function trimRedrives(records: readonly RedriveRecord[]): RedriveRecord[] {
  const open = (r: RedriveRecord) => r.status === 'queued' || r.status === 'running';
  const finished = records.filter((r) => !open(r));
  const dropped = new Set(finished.slice(0, Math.max(0, finished.length - REDRIVES_KEPT)));
  return records.filter((r) => !dropped.has(r));
}

/** Keeps the newest `ATTENTION_KEPT` attention records (insertion order). */
export function trimAttention(records: Record<string, AttentionRecord>): void {
  const ids = Object.keys(records);
  for (const id of ids.slice(0, Math.max(0, ids.length - ATTENTION_KEPT))) delete records[id];
}
