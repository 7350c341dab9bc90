import {
  ActivityFailure,
  CancellationScope,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
  upsertSearchAttributes,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities, StepResult } from '../services/worker/activities';
import type { AppPlan, EventPlan, PlannedStep } from '../services/worker/plan';
import {
  approveSignal,
  eventStatusQuery,
  rejectSignal,
  type AppOutcome,
  type EventOutcome,
  type EventStatus,
  type EventWorkflowInput,
  type GuardDecision,
  type StepOutcome,
} from './contracts';
import { Apps, NeedsAttention } from './search-attributes';

const planning = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * planEvent as a local activity: it only reads the policy loaded in the worker, and as a marker in
 * the workflow task it saves the server an activity task (three history events, a trip through
 * matching) and the event a workflow task, which is time a leaver waits under a backlog.
 */
const localPlanning = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Leavers must not wait on a broken guard store: a few tries, then the disable goes ahead (see below). */
const leaverGuard = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '2 seconds', maximumAttempts: 3 },
});

/** Temporal task priority of leaver work (1 goes first; the default is 3). */
export const LEAVER_PRIORITY = 1;

const STEP_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  // runStep heartbeats every few seconds while a connector works: a lost worker is noticed in
  // seconds, and cancellation reaches the connector's AbortSignal.
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** Undo steps try hard but not forever: a stuck undo is reported, and the event needs attention. */
const UNDO_ATTEMPTS = 6;

/**
 * Applies one JML event (or a leaver's retention delete) to one person: plan in an activity (the
 * plan stays in history), pass the mass-change guard, then every app in parallel, each app's steps
 * in order as a saga.
 *
 * Per app, each step's inverse is registered before the step runs. When a step fails permanently
 * (non-retryable, or retries exhausted), that app's registered inverses run newest first in a
 * non-cancellable scope and the app ends `compensated`; the other apps carry on (recover forward
 * across apps) and the event ends `needs-attention`, with the NeedsAttention search attribute set.
 * Only steps that reported `applied` keep their inverse: undoing an `already-in-state` step would
 * undo what someone else did. A step whose outcome is unknown (it timed out) keeps its inverse.
 * Leavers are never compensated: a disable is retried until it succeeds.
 */
export async function jmlEventWorkflow(input: EventWorkflowInput): Promise<EventOutcome> {
  const { event } = input;
  const status: EventStatus = { phase: 'planning' };
  let decision: { verdict: 'approved' | 'rejected'; by?: string } | undefined;
  const decide = (verdict: 'approved' | 'rejected') => (d?: GuardDecision) => {
    if (status.phase === 'held' && !decision) decision = { verdict, ...(d?.by ? { by: d.by } : {}) };
  };
  setHandler(approveSignal, decide('approved'));
  setHandler(rejectSignal, decide('rejected'));
  setHandler(eventStatusQuery, () => ({ ...status }));

  const planInput = {
    event,
    ...(input.mode ? { mode: input.mode } : {}),
    ...(input.held ? { held: input.held } : {}),
    ...(input.appIds ? { appIds: input.appIds } : {}),
  };
  // Histories from before the change planned in a (remote) activity and replay that way.
  const plan = patched('plan-local-activity') ? await localPlanning.planEvent(planInput) : await planning.planEvent(planInput);
  upsertSearchAttributes([{ key: Apps, value: plan.apps.map((a) => a.appId) }]);
  const isLeaver = event.type === 'jml.leaver' && plan.kind !== 'delete';

  let guard: EventOutcome['guard'];
  if (plan.guard && plan.apps.length > 0) {
    const held = await passGuard(plan, isLeaver, status);
    if (held) {
      await condition(() => decision !== undefined);
      const d = decision as NonNullable<typeof decision>;
      guard = { held: true, decision: d.verdict, ...(d.by ? { by: d.by } : {}) };
      log.info('mass-change guard decision', { eventId: event.id, decision: d.verdict, by: d.by });
      if (d.verdict === 'rejected') {
        status.phase = 'done';
        setCurrentDetails(`Rejected by ${d.by ?? 'ops'}: nothing was changed.`);
        return { eventId: event.id, kind: plan.kind, status: 'rejected', apps: [], guard };
      }
      upsertSearchAttributes([{ key: NeedsAttention, value: false }]);
      setCurrentDetails(`Approved by ${d.by ?? 'ops'}.`);
    }
  }

  status.phase = 'running';
  const apps = await Promise.all(plan.apps.map((app) => runApp(input, app, isLeaver, status)));
  const failed = apps.filter((a) => a.status !== 'done');
  status.phase = 'done';
  if (failed.length > 0) {
    upsertSearchAttributes([{ key: NeedsAttention, value: true }]);
    setCurrentDetails(failed.map((a) => `${a.appId}: ${a.status} (${a.error ?? 'failed'})`).join('\n'));
    log.warn('event applied except in some apps', { eventId: event.id, apps: failed.map((a) => a.appId) });
  } else {
    log.info('event applied', { eventId: event.id, kind: plan.kind });
  }
  return { eventId: event.id, kind: plan.kind, status: failed.length > 0 ? 'needs-attention' : 'completed', apps, ...(guard ? { guard } : {}) };
}

/**
 * Counts the event against the mass-change guard. Returns true when it is held. Deletes fail closed
 * (the activity retries until the guard store answers: nothing is deleted unguarded); leavers fail
 * open after a few tries, because a disable is reversible and a departed person's access is not.
 */
async function passGuard(plan: EventPlan, isLeaver: boolean, status: EventStatus): Promise<boolean> {
  const guard = plan.guard as NonNullable<EventPlan['guard']>;
  const request = { id: `${plan.eventId}:${plan.kind}`, max: guard.max, windowMs: guard.windowMs };
  let admission: { admitted: boolean; position: number };
  try {
    admission = await (isLeaver ? leaverGuard : planning).admitMassChange(request);
  } catch (err) {
    log.warn('mass-change guard unavailable; the disable goes ahead', { eventId: plan.eventId, error: (err as Error).message });
    return false;
  }
  if (admission.admitted) return false;
  status.phase = 'held';
  status.held = { position: admission.position, max: guard.max };
  upsertSearchAttributes([{ key: NeedsAttention, value: true }]);
  setCurrentDetails(
    `Held by the mass-change guard: ${plan.kind} number ${admission.position} within ${guard.windowMs / 1000} s (limit ${guard.max}). ` +
      'Signal `approve` or `reject` (Temporal UI, or `jml approve|reject <workflowId>`).',
  );
  log.warn('held by the mass-change guard', { eventId: plan.eventId, position: admission.position, max: guard.max });
  return true;
}

async function runApp(input: EventWorkflowInput, app: AppPlan, isLeaver: boolean, status: EventStatus): Promise<AppOutcome> {
  const { event } = input;
  const steps: StepOutcome[] = [];
  const undo: PlannedStep[] = [];
  const run = (step: PlannedStep, retry: ActivityOptions['retry'], prefix = '') =>
    proxyActivities<Activities>({
      ...STEP_OPTIONS,
      retry,
      summary: `${prefix}${app.appId}: ${step.summary}`,
      ...(isLeaver ? { priority: { priorityKey: LEAVER_PRIORITY } } : {}),
    }).runStep({
      eventId: event.id,
      appId: app.appId,
      account: { personKey: event.subject },
      person: event.data.person,
      step,
    });

  const retry = {
    ...STEP_OPTIONS.retry,
    ...(app.retry?.initialIntervalMs !== undefined ? { initialInterval: app.retry.initialIntervalMs } : {}),
    ...(app.retry?.maximumIntervalMs !== undefined ? { maximumInterval: app.retry.maximumIntervalMs } : {}),
    // Unset maximumAttempts means unlimited: leavers retry until the app accepts.
    ...(isLeaver ? {} : { maximumAttempts: app.retry?.maximumAttempts ?? 10 }),
  };
  for (const step of app.steps) {
    // Registered before the step runs, withdrawn once the step says it changed nothing.
    const inverse = isLeaver ? undefined : inverseOf(step);
    if (inverse) undo.push(inverse);
    let result: StepResult;
    try {
      result = await run(step, retry);
    } catch (err) {
      const error = failureMessage(err);
      steps.push({ operation: step.operation, ...qualifierOf(step), outcome: 'failed', error });
      if (inverse && !outcomeUnknown(err)) undo.pop();
      if (isLeaver || undo.length === 0) return { appId: app.appId, status: 'failed', steps, error };
      status.phase = 'compensating';
      const compensations = await CancellationScope.nonCancellable(() => compensate(undo, run));
      const undone = compensations.every((c) => c.outcome !== 'failed');
      return { appId: app.appId, status: undone ? 'compensated' : 'failed', steps, compensations, error: undone ? error : `${error}; undo failed too` };
    }
    steps.push({ operation: step.operation, ...qualifierOf(step), outcome: result.outcome });
    if (inverse) {
      undo.pop();
      const exact = inverseOf(step, result.before);
      if (result.outcome === 'applied' && exact) undo.push(exact);
    }
  }
  return { appId: app.appId, status: 'done', steps, ...(app.target ? { target: app.target } : {}), ...(app.deleteAfterMs !== undefined ? { deleteAfterMs: app.deleteAfterMs } : {}) };
}

/** Runs the undo steps newest first; each one is recorded, a failed one does not stop the others. */
async function compensate(undo: PlannedStep[], run: (step: PlannedStep, retry: ActivityOptions['retry'], prefix?: string) => Promise<StepResult>): Promise<StepOutcome[]> {
  const done: StepOutcome[] = [];
  for (const step of [...undo].reverse()) {
    try {
      const result = await run(step, { ...STEP_OPTIONS.retry, maximumAttempts: UNDO_ATTEMPTS }, 'undo ');
      done.push({ operation: step.operation, ...qualifierOf(step), outcome: result.outcome });
    } catch (err) {
      done.push({ operation: step.operation, ...qualifierOf(step), outcome: 'failed', error: failureMessage(err) });
    }
  }
  return done;
}

/**
 * The step that undoes `step`. An attribute update is undone with the values the connector reported
 * as `before`; without them it cannot be undone. A delete cannot be undone.
 */
export function inverseOf(step: PlannedStep, before?: unknown): PlannedStep | undefined {
  const q = qualifierOf(step);
  switch (step.operation) {
    case 'createAccount':
      return { operation: 'deleteAccount', summary: 'delete the account it created' };
    case 'grantAccess':
      return { operation: 'revokeAccess', ...q, entitlement: step.entitlement as string, summary: `remove from ${step.entitlement}` };
    case 'revokeAccess':
      return { operation: 'grantAccess', ...q, entitlement: step.entitlement as string, summary: `add back to ${step.entitlement}` };
    case 'suspendAccount':
      return { operation: 'restoreAccount', summary: 'enable account again' };
    case 'restoreAccount':
      return { operation: 'suspendAccount', summary: 'disable account again' };
    case 'updateAccount':
      return before && typeof before === 'object' && !Array.isArray(before)
        ? { operation: 'updateAccount', qualifier: 'undo', summary: 'restore previous attributes', attributes: before as NonNullable<PlannedStep['attributes']> }
        : undefined;
    default:
      return undefined;
  }
}

const qualifierOf = (step: PlannedStep) => (step.qualifier ? { qualifier: step.qualifier } : {});

/** A timeout leaves the step's effect unknown: it may have applied. */
function outcomeUnknown(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure;
}

function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const type = (cause as { type?: string }).type;
  return `${type ? `${type}: ` : ''}${(cause as Error).message}`;
}
