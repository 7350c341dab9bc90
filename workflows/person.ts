import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  type ChildWorkflowHandle,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import type { JmlEvent, PersonSnapshot } from '../schemas/jml-event.v1';
import { sourceOf } from '../schemas/person-key';
import type { Activities } from '../schemas/contracts';
import type { AppHolding } from '../schemas/contracts';
import {
  eventWorkflowId,
  jmlEventSignal,
  leaverTaskQueue,
  personStateQuery,
  reconcileFixId,
  reconcileFixUpdate,
  redriveUpdate,
  securityActionUpdate,
  type AppliedEvent,
  type AttentionRecord,
  type CarriedPersonState,
  type EventOutcome,
  type InFlightEvent,
  type PersonWorkflowInput,
  type PreStartGroup,
  type ProcessedEvent,
  type ReconcileFixRequest,
  type RedriveRecord,
  type ScheduledDelete,
  type SecurityActionRequest,
  type Suspension,
} from '../schemas/contracts';
import { jmlEventWorkflow, LEAVER_PRIORITY } from './jml-event';
import { dueAt, factsOf, foldOutcome, isNewestTruth, nextAction, personAfter, supersededAmong } from './person-rules';
import { securityActionRefusal, suspensionScope, willBeSuspended } from './suspension-rules';
import { attentionOf, redriveEvent, redriveOutcome, redriveRefusal, seedAttention, trimAttention, trimRedrives } from './redrive-rules';
import { EffectiveAt, EmployeeId, HrSource, JmlKind, NeedsAttention, PersonKey } from '../schemas/contracts';

/** Event ids remembered for dedupe across continue-as-new (older ones are caught by child workflow ids). */
const RECENT_IDS = 500;
const RECENT_OUTCOMES = 20;
/** Applied events remembered to recognize late deliveries. */
const APPLIED_KEPT = 50;
/** Roll over before the history grows heavy even if the server does not suggest it yet. */
const MAX_HISTORY_EVENTS = 4_000;

const lookup = proxyActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: { initialInterval: '1 second', maximumInterval: '30 seconds' } });
/** Waits for a child a previous run left running; as long as the child takes (held events wait for ops). */
const waiting = proxyActivities<Activities>({
  startToCloseTimeout: '30 days',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * Entity workflow `person/<personKey>`: everything that happens to one person, one thing at a time.
 *
 * Events arrive as signals (signalWithStart from the dispatcher) and are deduplicated by id. Each is
 * applied by a child workflow `jml/<personKey>/<eventId>` that ops find in the UI, when it is due.
 * What is due, in which order, what newer HR truth supersedes, what waits for a pending hire and
 * what an outcome changes are the rules of person-rules.ts (pure, unit-tested); this workflow
 * orchestrates them: timers, children, signals, queries and rollover.
 *
 * It remembers what the person holds per app (from each child's outcome) for the planner's diffs,
 * and the retention deletes leavers scheduled. It continues-as-new (waiting for handlers) before history grows large,
 * also while a child runs (an event held by the guard or retrying an app while signals keep
 * coming): the child is left running and the next run awaits its outcome.
 *
 * It also remembers which events ended failed or needs-attention, and re-drives one on request (the
 * `redrive` update, redrive-rules.ts): queued like any event, then applied by a new run of the same
 * child id, linked to the run it re-drives (docs/operations.md, "Re-drive").
 */
export async function personWorkflow(input: PersonWorkflowInput): Promise<void> {
  const { personKey } = input;
  const carried: CarriedPersonState = input.carried ?? { pending: [], recentEventIds: [], processed: 0, duplicates: 0, recent: [] };
  const queue: JmlEvent[] = [...carried.pending];
  const seen = new Set<string>([...carried.recentEventIds, ...queue.map((e) => e.id)]);
  const recentIds = [...carried.recentEventIds];
  const recent: ProcessedEvent[] = [...carried.recent];
  const applied: AppliedEvent[] = [...(carried.applied ?? [])];
  const apps: Record<string, AppHolding> = { ...carried.apps };
  let deletes: ScheduledDelete[] = [...(carried.deletes ?? [])];
  /** Pending hires' pre-start schedules (app `preStart`), by event id. */
  const prestarts: Record<string, PreStartGroup[]> = { ...carried.prestarts };
  let person: PersonSnapshot | undefined = carried.person;
  let processed = carried.processed;
  let duplicates = carried.duplicates;
  let superseded = carried.superseded ?? 0;
  let current: string | undefined;
  /** Bumped by every accepted signal, so a wait ends when there is something new to consider. */
  let arrivals = 0;
  /** A child still running when this run rolls over (carried to the next run). */
  let inFlight: InFlightEvent | undefined;
  /** A child the previous run left running: its outcome is awaited first. */
  let resumed: InFlightEvent | undefined = carried.inFlight;
  /** Events whose last outcome was failed or needs-attention (a person from before re-drives: seeded from its recent outcomes). */
  const attention: Record<string, AttentionRecord> = { ...(carried.attention ?? seedAttention(carried.recent)) };
  let redrives: RedriveRecord[] = [...(carried.redrives ?? [])];
  /** Reconciliation fixes waiting for their turn (after every HR event that is due). */
  const fixes: ReconcileFixRequest[] = [...(carried.fixes ?? [])];
  /** The suspension in force, from the moment its turn came until its restore applied. */
  let suspension: Suspension | undefined = carried.suspension;
  let suspensions = carried.suspensions ?? 0;
  /** Suspends and restores waiting for their turn: they go ahead of HR events. */
  const actions: QueuedAction[] = [...(carried.actions ?? [])];

  const remember = (outcome: ProcessedEvent) => {
    recent.push(outcome);
    if (recent.length > RECENT_OUTCOMES) recent.shift();
  };

  setHandler(jmlEventSignal, (event) => {
    if (event.subject !== personKey) {
      log.warn('event for another person ignored', { eventId: event.id, subject: event.subject });
      return;
    }
    if (seen.has(event.id)) {
      duplicates += 1;
      return;
    }
    seen.add(event.id);
    recentIds.push(event.id);
    queue.push(event);
    arrivals += 1;
  });

  setHandler(
    redriveUpdate,
    (req) => {
      const before = attention[req.eventId] as AttentionRecord;
      const attempt = (before.redriven ?? 0) + 1;
      attention[req.eventId] = { ...before, redriven: attempt };
      const queuedBehind = queue.length + (current ? 1 : 0);
      redrives.push({
        eventId: req.eventId,
        attempt,
        of: req.originalRunId,
        by: req.by,
        ...(req.reason ? { reason: req.reason } : {}),
        at: new Date(Date.now()).toISOString(),
        status: 'queued',
      });
      queue.push(req.event);
      arrivals += 1;
      log.info('re-drive queued', { eventId: req.eventId, attempt });
      return { eventId: req.eventId, workflowId: eventWorkflowId(personKey, req.eventId), attempt, queuedBehind };
    },
    {
      // A refusal fails the update before it is accepted: nothing of it enters the history.
      validator: (req) => {
        const refusal = redriveRefusal(req, {
          personKey,
          attention,
          recent,
          applied,
          pending: queue.map(factsOf),
          running: [current, inFlight?.childId, resumed?.childId].filter((id): id is string => id !== undefined),
          seen: (id) => seen.has(id),
        });
        if (refusal) throw ApplicationFailure.create({ type: refusal.reason, message: refusal.message, nonRetryable: true });
      },
      description: 'Re-apply an event whose last outcome was failed or needs-attention (a new run of its event workflow).',
    },
  );

  setHandler(
    reconcileFixUpdate,
    (req) => {
      const fixId = reconcileFixId(req.runId, req.appId);
      const accepted = { fixId, workflowId: eventWorkflowId(personKey, fixId), queuedBehind: queue.length + fixes.length + (current ? 1 : 0) };
      // The same run's fix of the same app, asked again (a retried activity, a second --fix): once.
      if (seen.has(fixId)) return { ...accepted, status: 'duplicate' as const };
      seen.add(fixId);
      recentIds.push(fixId);
      fixes.push(req);
      arrivals += 1;
      log.info('reconciliation fix queued', { fixId, kind: req.kind });
      return { ...accepted, status: 'queued' as const };
    },
    {
      // A refusal fails the update before it is accepted: nothing of it enters the history.
      validator: (req) => {
        if (!person) {
          throw ApplicationFailure.create({ type: 'unknown-person', message: `${personKey} has no HR truth applied yet: nothing to plan a fix from`, nonRetryable: true });
        }
        if (!['zombie', 'missing', 'drift', 'unused'].includes(req.kind) || !req.runId || !req.appId) {
          throw ApplicationFailure.create({ type: 'invalid-request', message: `a person's fix needs runId, appId and kind zombie, missing, drift or unused`, nonRetryable: true });
        }
      },
      description: 'Fix a reconciliation finding in one app, planned again from the newest HR truth when its turn comes.',
    },
  );

  setHandler(
    securityActionUpdate,
    (req) => {
      if (req.action === 'suspend') suspensions += 1;
      const id = `${req.action}-${suspensions}`;
      const queuedBehind = actions.length;
      actions.push({ action: req.action, by: req.by, reason: req.reason, id, at: new Date(Date.now()).toISOString() });
      arrivals += 1;
      log.info('security action queued', { actionId: id });
      return { actionId: id, workflowId: eventWorkflowId(personKey, id), queuedBehind };
    },
    {
      // A refusal fails the update before it is accepted: nothing of it enters the history.
      validator: (req) => {
        const refusal = securityActionRefusal(req, { known: person !== undefined, suspended: willBeSuspended(suspension, actions) });
        if (refusal) throw ApplicationFailure.create({ type: refusal.type, message: `${personKey}: ${refusal.message}`, nonRetryable: true });
      },
      description: 'Suspend the person in every app at once (sessions ended), or restore what a suspension took.',
    },
  );

  setHandler(personStateQuery, () => ({
    personKey,
    processed,
    duplicates,
    superseded,
    pendingEventIds: queue.map((e) => e.id),
    ...(current ? { currentEventId: current } : {}),
    recent: [...recent],
    ...(person ? { person } : {}),
    apps: { ...apps },
    scheduledDeletes: deletes.map((d) => ({ appIds: d.appIds, dueAt: new Date(d.dueAt).toISOString(), leaverEventId: d.leaver.id })),
    waiting: queue.map(factsOf).filter((e) => dueAt(e) > Date.now()).map((e) => ({ eventId: e.id, type: e.type, until: new Date(dueAt(e)).toISOString() })),
    preStarts: Object.entries(prestarts).flatMap(([eventId, groups]) => groups.map((g) => ({ eventId, appIds: g.appIds, at: new Date(g.at).toISOString(), done: g.done }))),
    attention: Object.values(attention),
    redrives: redrives.map((r) => ({ ...r })),
    ...(fixes.length > 0 ? { pendingFixes: fixes.map((f) => reconcileFixId(f.runId, f.appId)) } : {}),
    ...(suspension ? { suspension: { ...suspension } } : {}),
  }));

  /** Takes a pending event out of the queue. */
  const take = (id: string): JmlEvent => queue.splice(queue.findIndex((e) => e.id === id), 1)[0] as JmlEvent;
  const pendingEvent = (id: string): JmlEvent => queue.find((e) => e.id === id) as JmlEvent;

  const historyLimit = input.historyLimit ?? MAX_HISTORY_EVENTS;
  const shouldRoll = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit;

  /**
   * Waits for a child's outcome, or for the history to need a rollover (signals keep arriving while
   * an event is held by the guard or retrying an app): then the child is left running and the next
   * run waits for it instead.
   */
  const settle = async (f: InFlightEvent, outcome: Promise<EventOutcome>): Promise<Settled | 'rolled'> => {
    const base = { eventId: f.childId, type: f.input.event.type };
    let settled: Settled | undefined;
    outcome.then(
      (o) => void (settled = { processed: { ...base, status: o.status }, outcome: o }),
      (err: unknown) => {
        log.error('event failed', { eventId: f.childId, error: (err as Error).message });
        settled = { processed: { ...base, status: 'failed', error: (err as Error).message } };
      },
    );
    await condition(() => settled !== undefined || shouldRoll());
    return settled ?? 'rolled';
  };

  /** The queued re-drive of an event, if it is one. */
  const queuedRedrive = (eventId: string): RedriveRecord | undefined => redrives.find((r) => r.eventId === eventId && r.status === 'queued');
  const redriveOf = (f: InFlightEvent): RedriveRecord | undefined =>
    f.input.redrive ? redrives.find((r) => r.eventId === f.childId && r.attempt === f.input.redrive?.attempt) : undefined;

  /** Applies an event (or a prestart or retention delete) through its child workflow, then folds in the outcome. */
  const apply = async (asked: InFlightEvent): Promise<void> => {
    // While suspended, every plan but the suspension's own and its restore only removes access.
    const own = asked.input.mode === 'suspend' || asked.input.mode === 'restore';
    const f = suspension && !own ? { ...asked, input: { ...asked.input, suspended: { took: suspension.took, inactive: suspension.inactive } } } : asked;
    current = f.childId;
    const started = await startEventChild(personKey, f);
    const redrive = redriveOf(f);
    if (redrive && !('processed' in started)) {
      redrive.status = 'running';
      redrive.runId = started.firstExecutionRunId;
    }
    const result = 'processed' in started ? started : await settle(f, started.result());
    if (result === 'rolled') inFlight = f;
    else finish(f, result);
  };

  /** Folds a re-drive's outcome into the person's state: like an event's, once more for the same event. */
  const finishRedrive = (f: InFlightEvent, result: Settled): void => {
    const { event } = f.input;
    const link = f.input.redrive as NonNullable<typeof f.input.redrive>;
    remember({ ...result.processed, redrive: link.attempt });
    const status = result.processed.status;
    const rec = redriveOf(f);
    if (rec) {
      rec.status = status === 'duplicate' ? 'failed' : status;
      if (result.processed.error) rec.error = result.processed.error;
    }
    const before = attention[event.id];
    if (result.outcome && result.outcome.status !== 'rejected') {
      if (isNewestTruth(factsOf(event), applied)) person = personAfter(event, person);
      if (!applied.some((a) => a.id === event.id)) {
        const { id, type, enteredAt, effectiveAt } = factsOf(event);
        applied.push({ id, type, enteredAt, effectiveAt });
        if (applied.length > APPLIED_KEPT) applied.shift();
      }
      record(redriveOutcome(result.outcome, before), event, Date.now());
    }
    if (status === 'completed') delete attention[event.id];
    else if (status === 'failed' || status === 'needs-attention') {
      const again = attentionOf(event, { status, ...(result.outcome ? { outcome: result.outcome } : {}) }, link.attempt);
      if (again) attention[event.id] = again;
    }
    redrives = trimRedrives(redrives);
  };

  /** Folds a child's outcome into the person's state. */
  const finish = (f: InFlightEvent, result: Settled): void => {
    current = undefined;
    const { event, mode } = f.input;
    if (mode === 'suspend' || mode === 'restore') {
      remember({ ...result.processed, type: mode });
      if (result.outcome && result.outcome.status !== 'rejected') {
        record(result.outcome, event, Date.now());
        // A restore that ran ends the suspension (an app it could not enable needs attention, like any event's).
        if (mode === 'restore') suspension = undefined;
      }
      return;
    }
    if (mode === 'prestart' || mode === 'retention-delete' || mode === 'reconcile') {
      remember({ ...result.processed, type: mode });
      if (result.outcome && result.outcome.status !== 'rejected') record(result.outcome, event, Date.now());
      return;
    }
    if (f.input.redrive) {
      finishRedrive(f, result);
      return;
    }
    remember(result.processed);
    const needs = attentionOf(event, { status: result.processed.status, ...(result.outcome ? { outcome: result.outcome } : {}) });
    if (needs) {
      attention[event.id] = needs;
      trimAttention(attention);
    }
    if (result.processed.status === 'duplicate') {
      duplicates += 1;
      return;
    }
    processed += 1;
    if (result.outcome && result.outcome.status !== 'rejected') {
      const facts = factsOf(event);
      // A late older event (a joiner after its mover) applies, but does not make the person older news.
      if (isNewestTruth(facts, applied)) person = personAfter(event, person);
      const { id, type, enteredAt, effectiveAt } = facts;
      applied.push({ id, type, enteredAt, effectiveAt });
      if (applied.length > APPLIED_KEPT) applied.shift();
      record(result.outcome, event, Date.now());
    }
  };

  for (;;) {
    if (shouldRoll() || inFlight) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof personWorkflow>({
        personKey,
        ...(input.historyLimit !== undefined ? { historyLimit: input.historyLimit } : {}),
        carried: {
          pending: queue,
          recentEventIds: recentIds.slice(-RECENT_IDS),
          processed,
          duplicates,
          superseded,
          recent,
          applied,
          ...(person ? { person } : {}),
          apps,
          deletes,
          prestarts,
          ...(inFlight ? { inFlight } : {}),
          // Only when there is something to carry: histories from before re-drives roll over alike.
          ...(Object.keys(attention).length > 0 ? { attention } : {}),
          ...(redrives.length > 0 ? { redrives } : {}),
          ...(fixes.length > 0 ? { fixes } : {}),
          ...(suspension ? { suspension } : {}),
          ...(suspensions > 0 ? { suspensions } : {}),
          ...(actions.length > 0 ? { actions } : {}),
        },
      });
    }
    if (resumed) {
      // The previous run rolled over while this child ran: wait for its outcome here.
      const f = resumed;
      resumed = undefined;
      current = f.childId;
      const result = await settle(f, waiting.awaitEventOutcome({ workflowId: eventWorkflowId(personKey, f.childId) }));
      if (result === 'rolled') inFlight = f;
      else finish(f, result);
      continue;
    }
    for (const { id, by } of supersededAmong(queue.map(factsOf), applied)) {
      const e = take(id);
      delete prestarts[id];
      const redrive = queuedRedrive(id);
      if (redrive) {
        // Newer HR truth was applied while the re-drive waited: it decided instead (redrive-rules.ts).
        redrive.status = 'superseded';
        redrive.error = `superseded by ${by}`;
        delete attention[id];
        remember({ eventId: id, type: e.type, status: 'superseded', error: `superseded by ${by}`, redrive: redrive.attempt });
        log.info('re-drive superseded by newer HR truth', { eventId: id, by });
        continue;
      }
      superseded += 1;
      remember({ eventId: id, type: e.type, status: 'superseded', error: `superseded by ${by}` });
      log.info('event superseded by newer HR truth', { eventId: id, by });
    }
    if (actions.length > 0 && person) {
      // A suspend or restore goes ahead of any HR event waiting: a suspension at leaver speed.
      const action = actions.shift() as QueuedAction;
      const event = securityActionEvent(personKey, person, action);
      const by = { by: action.by, reason: action.reason };
      if (action.action === 'suspend') {
        suspension = { id: action.id, by: action.by, reason: action.reason, at: action.at, ...suspensionScope(apps) };
        await apply({ childId: event.id, input: { event, mode: 'suspend', holdings: { ...apps }, action: by } });
      } else {
        const scope = suspension ? { took: suspension.took, inactive: suspension.inactive } : { took: [], inactive: [] };
        await apply({ childId: event.id, input: { event, mode: 'restore', holdings: { ...apps }, suspended: scope, action: by } });
      }
      continue;
    }
    const now = Date.now();
    const next = nextAction({ pending: queue.map(factsOf), prestarts, deletes }, now);
    if (next.kind === 'wait' && fixes.length > 0 && person) {
      // Nothing of HR's is due: a reconciliation fix, planned from the truth just applied.
      const fix = fixes.shift() as ReconcileFixRequest;
      const event = fixEvent(personKey, person, fix);
      await apply({ childId: event.id, input: { event, mode: 'reconcile', fix, appIds: [fix.appId], holdings: { ...apps } } });
      continue;
    }
    switch (next.kind) {
      case 'schedule-prestart': {
        // A future hire: ask once which apps to prepare ahead of the start (their `preStart`).
        const { groups } = await lookup.preStartSchedule({ event: pendingEvent(next.eventId) });
        prestarts[next.eventId] = groups.map((g) => ({ ...g, done: false }));
        break;
      }
      case 'apply': {
        const event = take(next.eventId);
        delete prestarts[event.id];
        const redrive = queuedRedrive(event.id);
        if (redrive) {
          const { of, attempt, by, reason, at } = redrive;
          const link = { of, attempt, by, ...(reason ? { reason } : {}), at };
          await apply({ childId: event.id, input: { event: redriveEvent(event, { applied, ...(person ? { person } : {}) }), holdings: { ...apps }, redrive: link } });
          break;
        }
        // Older news applied late (a joiner after its mover, an update entered before a rehire that
        // applied first) is planned for who the person is now, as a re-drive is: its kind still acts
        // (create, update), but never brings back attributes or grants that newer HR truth changed.
        // Only the child's input differs from what an earlier build sent (no new command): no patch.
        await apply({ childId: event.id, input: { event: redriveEvent(event, { applied, ...(person ? { person } : {}) }), holdings: { ...apps } } });
        break;
      }
      case 'prestart': {
        const event = pendingEvent(next.eventId);
        const group = (prestarts[event.id] as PreStartGroup[])[next.group] as PreStartGroup;
        group.done = true;
        const childId = `${event.id}.prestart.${group.appIds.join('+')}`;
        await apply({ childId, input: { event, mode: 'prestart', appIds: group.appIds, holdings: { ...apps } } });
        break;
      }
      case 'retention-delete': {
        const due = deletes[next.delete] as ScheduledDelete;
        deletes = deletes.filter((d) => d !== due);
        const childId = `${due.leaver.id}.delete.${due.appIds.join('+')}`;
        await apply({ childId, input: { event: due.leaver, mode: 'retention-delete', appIds: due.appIds, holdings: { ...apps } } });
        break;
      }
      case 'wait': {
        const seenArrivals = arrivals;
        const woken = () => arrivals !== seenArrivals || shouldRoll();
        if (next.until !== undefined) await condition(woken, Math.max(1, next.until - now));
        else await condition(woken);
        break;
      }
    }
  }

  /** Folds a child's outcome into what the person holds, and schedules or cancels retention deletes. */
  function record(outcome: EventOutcome, event: JmlEvent, now: number): void {
    const folded = foldOutcome({ apps, deletes }, outcome, event, now);
    for (const appId of Object.keys(folded.apps)) apps[appId] = folded.apps[appId] as AppHolding;
    deletes = folded.deletes;
  }
}

/** A suspend or restore waiting for its turn. */
type QueuedAction = SecurityActionRequest & { id: string; at: string };

/**
 * The event a suspend or restore runs as: the person's newest applied snapshot, as of when it was
 * asked, under the action's id. Typed as an update (it changes no HR fact); its mode is what plans it.
 */
function securityActionEvent(personKey: string, person: PersonSnapshot, action: QueuedAction): JmlEvent {
  return {
    specversion: '1.0',
    id: action.id,
    source: '/jml/security',
    type: 'jml.update',
    subject: personKey,
    time: action.at,
    data: { effectiveAt: action.at, enteredAt: action.at, person, changedFields: [], reason: `${action.action} asked by ${action.by}: ${action.reason}` },
  };
}

/** A child's outcome as the person workflow records it. */
interface Settled {
  processed: ProcessedEvent;
  outcome?: EventOutcome;
}

/**
 * Starts the child that applies `f`, or says why none runs: a child id that already ran means this
 * event was applied before (dedupe beyond RECENT_IDS). Children are abandoned, not cancelled, when
 * this run closes, so a rollover never interrupts an event half-way.
 */
async function startEventChild(personKey: string, f: InFlightEvent): Promise<Settled | ChildWorkflowHandle<typeof jmlEventWorkflow>> {
  const { input, childId } = f;
  const { event } = input;
  const base = { eventId: childId, type: event.type };
  const kind =
    input.mode === 'retention-delete'
      ? 'delete'
      : input.mode === 'prestart' || input.mode === 'reconcile' || input.mode === 'suspend' || input.mode === 'restore'
        ? input.mode
        : event.type.slice('jml.'.length);
  const action = input.action;
  const fix = input.fix;
  const redrive = input.redrive;
  try {
    return await startChild(jmlEventWorkflow, {
      workflowId: eventWorkflowId(personKey, childId),
      args: [input],
      // An event's id runs once; a re-drive is the one case that starts it again (the earlier run has closed).
      workflowIdReusePolicy: redrive ? WorkflowIdReusePolicy.ALLOW_DUPLICATE : WorkflowIdReusePolicy.REJECT_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // Leavers (and suspensions) overtake any backlog of other work; retention deletes can wait for it.
      priority: { priorityKey: kind === 'leaver' || kind === 'suspend' ? LEAVER_PRIORITY : kind === 'delete' ? 4 : 3 },
      // ... and run on their own task queue and worker.
      ...(kind === 'leaver' || kind === 'suspend' ? { taskQueue: leaverTaskQueue(workflowInfo().taskQueue) } : {}),
      staticSummary: `${kind} ${personKey}${input.appIds ? ` in ${input.appIds.join(', ')}` : ''}${redrive ? ` (re-drive ${redrive.attempt})` : ''}`,
      ...(redrive ? { staticDetails: `Re-drive ${redrive.attempt} of run ${redrive.of}, asked by ${redrive.by}${redrive.reason ? `: ${redrive.reason}` : ''}.` } : {}),
      ...(fix ? { staticDetails: `Fix of a ${fix.kind} finding of ${fix.runId} in ${fix.appId}, asked by ${fix.by}.` } : {}),
      ...(action ? { staticDetails: `${kind === 'suspend' ? 'Suspension' : 'Restore'} asked by ${action.by}: ${action.reason}` } : {}),
      memo: {
        displayName: `${event.data.person.preferredName ?? event.data.person.givenName} ${event.data.person.familyName}`,
        ...(redrive ? { redrive } : {}),
        ...(action ? { securityAction: { action: kind, ...action } } : {}),
      },
      typedSearchAttributes: [
        { key: EmployeeId, value: event.data.person.employeeId },
        { key: PersonKey, value: personKey },
        { key: HrSource, value: sourceOf(personKey) },
        { key: JmlKind, value: kind },
        { key: EffectiveAt, value: new Date(event.data.effectiveAt) },
        { key: NeedsAttention, value: false },
      ],
    });
  } catch (err) {
    if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') {
      // For a re-drive, a run of the event is open (reset from the UI, say): it did not start.
      if (redrive) return { processed: { ...base, status: 'failed', error: `${eventWorkflowId(personKey, childId)} has a run open` } };
      return { processed: { ...base, status: 'duplicate' } };
    }
    log.error('event failed to start', { eventId: childId, error: (err as Error).message });
    return { processed: { ...base, status: 'failed', error: (err as Error).message } };
  }
}

/**
 * The event a reconciliation fix runs as: the person's newest applied snapshot, as of now, under the
 * fix's id. Typed as an update (it changes no HR fact); the `reconcile` mode is what plans it.
 */
function fixEvent(personKey: string, person: PersonSnapshot, fix: ReconcileFixRequest): JmlEvent {
  const at = new Date(Date.now()).toISOString();
  return {
    specversion: '1.0',
    id: reconcileFixId(fix.runId, fix.appId),
    source: '/jml/reconcile',
    type: 'jml.update',
    subject: personKey,
    time: at,
    data: { effectiveAt: at, enteredAt: at, person, changedFields: [], reason: `reconciliation ${fix.runId}: ${fix.kind} in ${fix.appId}` },
  };
}
