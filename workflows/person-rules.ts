import type { JmlEvent, PersonSnapshot } from '../schemas/jml-event.v1';
import type { AppliedEvent, EventOutcome, PreStartGroup, ScheduledDelete } from '../schemas/contracts';
import type { AppHolding } from '../schemas/contracts';

/**
 * The person workflow's rules, as pure functions over plain data: when an event is due, in which
 * order due events go, which events newer HR truth makes obsolete, what waits for a pending hire,
 * what to do next, and how an event's outcome changes what the person holds. No Temporal API here:
 * the workflow (person.ts) only orchestrates what these functions decide, and they are unit-tested
 * table by table (person-rules.test.ts). Times are epoch milliseconds.
 */

/** What the rules read of an event: its kind and HR timing, nothing personal. */
export interface EventFacts {
  id: string;
  type: JmlEvent['type'];
  /** When HR entered the change: the order of truth. */
  enteredAt: number;
  /** When the change takes effect. */
  effectiveAt: number;
  /** An involuntary leaver: due at once, whatever its effective moment. */
  involuntary: boolean;
}

export function factsOf(event: JmlEvent): EventFacts {
  return {
    id: event.id,
    type: event.type,
    enteredAt: Date.parse(event.data.enteredAt),
    effectiveAt: Date.parse(event.data.effectiveAt),
    involuntary: event.type === 'jml.leaver' && event.data.involuntary === true,
  };
}

/**
 * Events that answer the same question: status (is the person employed: joiner, rehire, leaver),
 * attributes (who they are: mover, update), leave (are they away: leave start and end).
 */
export type Family = 'status' | 'attributes' | 'leave';

export function familyOf(type: JmlEvent['type']): Family {
  if (type === 'jml.joiner' || type === 'jml.rehire' || type === 'jml.leaver') return 'status';
  if (type === 'jml.mover' || type === 'jml.update') return 'attributes';
  return 'leave';
}

export const isHire = (type: JmlEvent['type']): boolean => type === 'jml.joiner' || type === 'jml.rehire';

/** When an event may be applied: its effective moment; an involuntary leaver at once. */
export function dueAt(e: EventFacts): number {
  return e.involuntary ? 0 : e.effectiveAt;
}

/**
 * Which known event, if any, makes `e` obsolete: an event HR entered later, that
 * - is applied, of the same family, and effective at or after `e` (a late delivery of older news);
 * - is an applied leaver, when `e` is not a status event (no moving a departed person);
 * - is a status event, applied or pending, effective at or before `e`, when `e` is a status event
 *   too (a rescinded hire, a withdrawn termination).
 * Events entered at the same moment never supersede each other.
 */
export function supersededBy(e: EventFacts, known: { applied: readonly AppliedEvent[]; pending: readonly EventFacts[] }): string | undefined {
  const family = familyOf(e.type);
  for (const a of known.applied) {
    if (a.enteredAt <= e.enteredAt) continue;
    if (familyOf(a.type) === family && a.effectiveAt >= e.effectiveAt) return a.id;
    if (a.type === 'jml.leaver' && family !== 'status') return a.id;
    if (family === 'status' && familyOf(a.type) === 'status' && a.effectiveAt <= e.effectiveAt) return a.id;
  }
  if (family !== 'status') return undefined;
  for (const p of known.pending) {
    if (p.id === e.id || familyOf(p.type) !== 'status' || p.enteredAt <= e.enteredAt) continue;
    if (p.effectiveAt <= e.effectiveAt) return p.id;
  }
  return undefined;
}

/**
 * The person an applied event leaves: its snapshot, with the employment status the pipeline acted
 * on. The status and leave families decide it by their type (a leave start disabled every app,
 * whatever the status field said): leaver → terminated, leave start → on-leave, leave end → active,
 * a hire → active unless still pre-hire. A change (mover, update) keeps the status the person had:
 * its plan follows the rules, never the status field. Reconciliation and re-drives judge by this, so
 * they agree with what was done.
 */
export function personAfter(event: JmlEvent, before?: PersonSnapshot): PersonSnapshot {
  const person = event.data.person;
  const status: PersonSnapshot['status'] =
    event.type === 'jml.leaver'
      ? 'terminated'
      : event.type === 'jml.leave.start'
        ? 'on-leave'
        : event.type === 'jml.leave.end'
          ? 'active'
          : isHire(event.type)
            ? person.status === 'pre-hire'
              ? 'pre-hire'
              : 'active'
            : (before?.status ?? person.status);
  return status === person.status ? person : { ...person, status };
}

/**
 * Whether an applied event's snapshot is the person's newest HR truth: no other applied event was
 * entered after it. An older event can still apply late (a joiner delivered after its mover: a
 * mover is not a status event, so it never supersedes a hire); it changes the apps as its plan says,
 * but the person stays as the newer event described them, which is what reconciliation and
 * re-drives plan from.
 */
export function isNewestTruth(e: Pick<EventFacts, 'id' | 'enteredAt'>, applied: readonly AppliedEvent[]): boolean {
  return applied.every((a) => a.id === e.id || a.enteredAt <= e.enteredAt);
}

/**
 * The pending events newer HR truth made obsolete, each with the event that did, in pending order.
 * Each is taken out before the next is judged, so `by` names an event that stays; the set found does
 * not depend on that order (superseding is transitive among status events).
 */
export function supersededAmong(pending: readonly EventFacts[], applied: readonly AppliedEvent[]): Array<{ id: string; by: string }> {
  const left = [...pending];
  const found: Array<{ id: string; by: string }> = [];
  for (const e of pending) {
    const by = supersededBy(e, { applied, pending: left });
    if (by === undefined) continue;
    left.splice(left.indexOf(e), 1);
    found.push({ id: e.id, by });
  }
  return found;
}

/**
 * A change other than a status event, for someone whose hire (entered no later than the change)
 * is still pending, waits for the hire: nobody is provisioned before they start.
 */
export function waitsForHire(e: EventFacts, pending: readonly EventFacts[]): boolean {
  return familyOf(e.type) !== 'status' && pending.some((p) => isHire(p.type) && p.id !== e.id && p.enteredAt <= e.enteredAt);
}

/** The due event to apply next: due by `now`, not waiting for a hire, first entered by HR (first in the list on a tie). */
export function nextDue(pending: readonly EventFacts[], now: number): EventFacts | undefined {
  let best: EventFacts | undefined;
  for (const e of pending) {
    if (dueAt(e) > now || waitsForHire(e, pending)) continue;
    if (!best || e.enteredAt < best.enteredAt) best = e;
  }
  return best;
}

/** What the person workflow holds that the rules decide on. */
export interface RulesState {
  /** Events received and not yet applied or superseded, in arrival order. */
  pending: readonly EventFacts[];
  /** Pending hires' pre-start schedules, by event id. */
  prestarts: Readonly<Record<string, readonly PreStartGroup[]>>;
  /** Retention deletes scheduled by applied leavers. */
  deletes: readonly Pick<ScheduledDelete, 'appIds' | 'dueAt'>[];
}

/**
 * What the person workflow does next, in this order of precedence:
 * `schedule-prestart` (a future hire whose pre-start schedule is not known yet), `apply` (the next
 * due event), `prestart` (a pre-start group whose moment came), `retention-delete` (a delete whose
 * retention ended), else `wait` until the earliest moment something becomes due (or for ever).
 * Call it after superseded events were dropped ({@link supersededAmong}).
 */
export type NextAction =
  | { kind: 'schedule-prestart'; eventId: string }
  | { kind: 'apply'; eventId: string }
  | { kind: 'prestart'; eventId: string; group: number }
  | { kind: 'retention-delete'; delete: number }
  | { kind: 'wait'; until?: number };

export function nextAction(state: RulesState, now: number): NextAction {
  const unscheduled = state.pending.find((e) => isHire(e.type) && dueAt(e) > now && !(e.id in state.prestarts));
  if (unscheduled) return { kind: 'schedule-prestart', eventId: unscheduled.id };
  const due = nextDue(state.pending, now);
  if (due) return { kind: 'apply', eventId: due.id };
  for (const e of state.pending) {
    const group = (state.prestarts[e.id] ?? []).findIndex((g) => !g.done && g.at <= now);
    if (group >= 0) return { kind: 'prestart', eventId: e.id, group };
  }
  const expired = state.deletes.findIndex((d) => d.dueAt <= now);
  if (expired >= 0) return { kind: 'retention-delete', delete: expired };
  const until = Math.min(
    ...state.pending.filter((e) => !waitsForHire(e, state.pending)).map(dueAt),
    ...state.deletes.map((d) => d.dueAt),
    ...state.pending.flatMap((e) => (state.prestarts[e.id] ?? []).filter((g) => !g.done).map((g) => g.at)),
  );
  return Number.isFinite(until) ? { kind: 'wait', until } : { kind: 'wait' };
}

/**
 * What the person holds after an event's outcome, and the retention deletes it leaves: a `done` app
 * holds its target; a `deferred` app what its grants reached; an app active again (a rehire inside
 * retention) loses its pending delete; apps with a retention (`deleteAfterMs`) get deletes due at
 * `now` plus it, one per distinct retention, shortest first. A rejected outcome changes nothing.
 */
export function foldOutcome(
  state: { apps: Readonly<Record<string, AppHolding>>; deletes: readonly ScheduledDelete[] },
  outcome: EventOutcome,
  leaver: JmlEvent,
  now: number,
): { apps: Record<string, AppHolding>; deletes: ScheduledDelete[] } {
  const apps = { ...state.apps };
  let deletes = [...state.deletes];
  if (outcome.status === 'rejected') return { apps, deletes };
  const byRetention = new Map<number, string[]>();
  for (const app of outcome.apps) {
    if (app.status === 'deferred' && app.reached) apps[app.appId] = app.reached;
    if (app.status !== 'done' || !app.target) continue;
    // Every step found nothing to act on where nothing was held (a leaver of someone the app has no
    // account of): the app still holds nothing. Recording the plan's target would invent an account
    // that later changes plan updates of, instead of creating it.
    const foundNothing = app.steps.length > 0 && app.steps.every((st) => st.outcome === 'not-applicable');
    if (foundNothing && !state.apps[app.appId]) continue;
    apps[app.appId] = app.target;
    if (app.target.status === 'active') {
      deletes = deletes.map((d) => ({ ...d, appIds: d.appIds.filter((id) => id !== app.appId) })).filter((d) => d.appIds.length > 0);
    }
    if (app.deleteAfterMs !== undefined) byRetention.set(app.deleteAfterMs, [...(byRetention.get(app.deleteAfterMs) ?? []), app.appId]);
  }
  for (const [after, appIds] of [...byRetention].sort(([a], [b]) => a - b)) deletes.push({ leaver, appIds, dueAt: now + after });
  return { apps, deletes };
}

/**
 * The id the mass-change guard counts a change by: the person and the event (or fix) that changes
 * them, and its kind. Event ids are unique, but a reconciliation fix is named after its run and app,
 * which every person of the run shares: without the person, a thousand zombies of one app would
 * count as one removal.
 */
export function guardRequestId(plan: { eventId: string; personKey: string; kind: string }): string {
  return `${plan.personKey}/${plan.eventId}:${plan.kind}`;
}
