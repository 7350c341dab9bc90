import {
  ActivityFailure,
  CancellationScope,
  condition,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities, StepAudit, StepResult } from '../schemas/contracts';
import type { AppPlan, EventPlan, AppHolding, PlannedStep } from '../schemas/contracts';
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
} from '../schemas/contracts';
import { Apps, NeedsAttention } from '../schemas/contracts';
import { guardRequestId } from './person-rules';

/**
 * planEvent as a local activity: it only reads the policy loaded in the worker, and as a marker in
 * the workflow task it saves the server an activity task (three history events, a trip through
 * matching) and the event a workflow task, which is time a leaver waits under a backlog.
 */
const localPlanning = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Audit records wait for Kafka as long as it takes: the event does not end before its books are written. */
const auditing = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Nothing waits long on a broken guard store: a few tries, then heldByGuard decides by reversibility. */
const guardCheck = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '2 seconds', maximumAttempts: 3 },
});

/** Temporal task priority of leaver work (1 goes first; the default is 3). */
export const LEAVER_PRIORITY = 1;

export const STEP_OPTIONS: ActivityOptions = {
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
  const decided = guardHandlers(status);

  const planInput = {
    event,
    ...(input.mode ? { mode: input.mode } : {}),
    ...(input.holdings ? { holdings: input.holdings } : {}),
    ...(input.appIds ? { appIds: input.appIds } : {}),
    ...(input.fix ? { fix: input.fix } : {}),
    ...(input.suspended ? { suspended: input.suspended } : {}),
  };
  const plan = await localPlanning.planEvent(planInput);
  upsertSearchAttributes([{ key: Apps, value: plan.apps.map((a) => a.appId) }]);
  // A suspension is a leaver's disable in speed and persistence: leaver priority, retried until done, never compensated.
  const isLeaver = (event.type === 'jml.leaver' || input.mode === 'suspend') && plan.kind !== 'delete';
  if (plan.nothingBecause) setCurrentDetails(`Nothing to do: ${plan.nothingBecause}.`);

  const guard = await passGuard(plan, status, decided);
  if (guard?.decision === 'rejected') return { eventId: event.id, kind: plan.kind, status: 'rejected', apps: [], guard };

  status.phase = 'running';
  const watch = isLeaver ? watchLeaver(event.id, plan.attentionAfterMs ?? LEAVER_ATTENTION_AFTER_MS) : undefined;
  const runs = plan.apps.map((app) => newAppRun(input, app, isLeaver));
  // Gains (creates, grants, enables, updates) in every app finish before any loss (revoke, disable,
  // delete) starts anywhere: a mover never loses the old team's access before the new team's is in
  // place, and a gain that fails for good leaves every old access where it was.
  const phase = (name: 'gain' | 'loss') =>
    Promise.all(
      runs.map(async (r) => {
        await runPhase(r, name, status);
        await flushAudit(event, r);
      }),
    );
  await phase('gain');
  const blocked = runs.filter((r) => r.end !== undefined).map((r) => r.app.appId);
  if (blocked.length === 0) await phase('loss');
  watch?.finish();
  const apps = runs.map((r) => outcomeOf(r, blocked));
  const failed = apps.filter((a) => a.status !== 'done');
  status.phase = 'done';
  if (failed.length > 0) {
    upsertSearchAttributes([{ key: NeedsAttention, value: true }]);
    setCurrentDetails(failed.map((a) => `${a.appId}: ${a.status} (${a.error ?? 'failed'})`).join('\n'));
    log.warn('event applied except in some apps', { eventId: event.id, apps: failed.map((a) => a.appId) });
  } else {
    if (watch?.flagged) upsertSearchAttributes([{ key: NeedsAttention, value: false }]);
    log.info('event applied', { eventId: event.id, kind: plan.kind });
  }
  return { eventId: event.id, kind: plan.kind, status: failed.length > 0 ? 'needs-attention' : 'completed', apps, ...(guard ? { guard } : {}) };
}

/** Ops' answer to a held event, once given. */
export interface Decided {
  verdict: 'approved' | 'rejected';
  by?: string;
}

/**
 * The approve, reject and status handlers of a workflow the mass-change guard may hold. A decision
 * counts only while the workflow is held, and only the first one.
 */
export function guardHandlers(status: EventStatus): () => Decided | undefined {
  let decision: Decided | undefined;
  const decide = (verdict: Decided['verdict']) => (d?: GuardDecision) => {
    if (status.phase === 'held' && !decision) decision = { verdict, ...(d?.by ? { by: d.by } : {}) };
  };
  setHandler(approveSignal, decide('approved'));
  setHandler(rejectSignal, decide('rejected'));
  setHandler(eventStatusQuery, () => ({ ...status }));
  return () => decision;
}

/**
 * Passes the plan through the mass-change guard: nothing when the plan is not counted or was
 * admitted; when held, waits for ops and answers their decision (a rejection leaves the workflow
 * `done` with nothing changed, the caller returns).
 */
export async function passGuard(plan: EventPlan, status: EventStatus, decided: () => Decided | undefined): Promise<EventOutcome['guard']> {
  if (!plan.guard || plan.apps.length === 0) return undefined;
  const held = await heldByGuard(plan, status, () => decided() !== undefined);
  if (!held) return undefined;
  await condition(() => decided() !== undefined);
  const d = decided() as Decided;
  log.info('mass-change guard decision', { eventId: plan.eventId, decision: d.verdict, by: d.by });
  if (d.verdict === 'rejected') {
    status.phase = 'done';
    setCurrentDetails(`Rejected by ${d.by ?? 'ops'}: nothing was changed.`);
  } else {
    upsertSearchAttributes([{ key: NeedsAttention, value: false }]);
    setCurrentDetails(`Approved by ${d.by ?? 'ops'}.`);
  }
  return { held: true, decision: d.verdict, ...(d.by ? { by: d.by } : {}) };
}

/**
 * Counts the event against the mass-change guard. Returns true when it is held for ops' decision.
 * When the guard store cannot count (Redis down), reversible work (disables) goes ahead uncounted
 * and irreversible work (deletes) is held until the store answers again or ops decide; either way
 * the workflow says so (details, NeedsAttention, log).
 */
async function heldByGuard(plan: EventPlan, status: EventStatus, decided: () => boolean): Promise<boolean> {
  const guard = plan.guard as NonNullable<EventPlan['guard']>;
  const request = { id: guardRequestId(plan), max: guard.max, windowMs: guard.windowMs };
  const reversible = plan.kind !== 'delete';
  let waited = false;
  for (;;) {
    let admission: { admitted: boolean; position: number };
    try {
      admission = await guardCheck.admitMassChange(request);
    } catch (err) {
      const error = failureMessage(err);
      if (reversible) {
        setCurrentDetails(`Mass-change guard unavailable (${error}): the ${plan.kind} went ahead without being counted.`);
        log.warn('mass-change guard unavailable; reversible work goes ahead uncounted', { eventId: plan.eventId, kind: plan.kind, error });
        return false;
      }
      if (!waited) {
        waited = true;
        status.phase = 'held';
        upsertSearchAttributes([{ key: NeedsAttention, value: true }]);
        setCurrentDetails(
          `Mass-change guard unavailable (${error}): this ${plan.kind} cannot be undone, so it is held until the guard can count it ` +
            '(asked again every minute) or ops signal `approve` or `reject`.',
        );
        log.warn('mass-change guard unavailable; irreversible work held', { eventId: plan.eventId, kind: plan.kind, error });
      }
      if (await condition(decided, GUARD_RECHECK_MS)) return true;
      continue;
    }
    if (admission.admitted) {
      if (waited) {
        status.phase = 'running';
        upsertSearchAttributes([{ key: NeedsAttention, value: false }]);
        setCurrentDetails('Mass-change guard available again: counted and admitted.');
      }
      return false;
    }
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
}

/** How often a delete held by an unavailable guard store asks again. */
const GUARD_RECHECK_MS = 60_000;

/**
 * Audit records of an app's steps, written from the outcomes this workflow has recorded: a step's
 * effect is in the history before its record is written, so a worker that dies in between cannot
 * lose it (the local activity runs again on replay; records carry the same content, so a consumer
 * can drop a repeat by eventId, appId, operation and qualifier).
 */
async function flushAudit(event: EventWorkflowInput['event'], r: AppRun): Promise<void> {
  if (r.audit.length === 0) return;
  const records = r.audit.map((a) => ({ appId: r.app.appId, ...a }));
  r.audit = [];
  await auditing.recordAudit({ eventId: event.id, personKey: event.subject, workflowId: workflowInfo().workflowId, records });
}

/** How long a leaver may keep retrying an app before the event is flagged NeedsAttention (default). */
export const LEAVER_ATTENTION_AFTER_MS = 15 * 60_000;

/**
 * Flags a leaver NeedsAttention (search attribute, details, log) once it has been retrying longer
 * than `afterMs`; the disables keep retrying. Cleared again when every app accepted.
 */
function watchLeaver(eventId: string, afterMs: number): { finish(): void; readonly flagged: boolean } {
  let finished = false;
  let flagged = false;
  void CancellationScope.cancellable(async () => {
    if (await condition(() => finished, afterMs)) return;
    flagged = true;
    upsertSearchAttributes([{ key: NeedsAttention, value: true }]);
    setCurrentDetails(`Leaver still retrying after ${Math.round(afterMs / 1000)} s: some apps have not accepted the disable yet (it keeps retrying).`);
    log.warn('leaver still retrying', { eventId, afterMs });
  });
  return {
    finish: () => void (finished = true),
    get flagged() {
      return flagged;
    },
  };
}

/** Operations that take access away; every other step gives or keeps it. */
const LOSSES: ReadonlySet<PlannedStep['operation']> = new Set(['revokeAccess', 'suspendAccount', 'deleteAccount', 'revokeSessions', 'revokeCredentials', 'releaseAccount']);
const phaseOf = (step: PlannedStep): 'gain' | 'loss' => (LOSSES.has(step.operation) ? 'loss' : 'gain');

/** One app's saga while the event runs. */
interface AppRun {
  readonly input: EventWorkflowInput;
  readonly app: AppPlan;
  readonly isLeaver: boolean;
  readonly retry: ActivityOptions['retry'];
  /** The app's id of the account: from the person workflow's holdings, then what the steps report. */
  ref?: string;
  /** What the app holds as far as the steps that succeeded tell (starts from the person's holdings). */
  reached: AppHolding | undefined;
  steps: StepOutcome[];
  /** Inverses of the steps that changed something, oldest first. */
  undo: PlannedStep[];
  audit: AuditEntry[];
  /** Set once the app stopped: a step failed (and what was undone). */
  end?: AppOutcome;
}

/** A step's final outcome as the workflow recorded it; audited from here (see recordAudit). */
type AuditEntry = Omit<StepAudit, 'appId'>;

function newAppRun(input: EventWorkflowInput, plan: AppPlan, isLeaver: boolean): AppRun {
  const holding = input.holdings?.[plan.appId];
  const app = holding?.adopted ? releaseInsteadOfDelete(plan, holding.adopted) : plan;
  return {
    input,
    app,
    isLeaver,
    retry: {
      ...STEP_OPTIONS.retry,
      ...(app.retry?.initialIntervalMs !== undefined ? { initialInterval: app.retry.initialIntervalMs } : {}),
      ...(app.retry?.maximumIntervalMs !== undefined ? { maximumInterval: app.retry.maximumIntervalMs } : {}),
      // Unset maximumAttempts means unlimited: leavers retry until the app accepts.
      ...(isLeaver ? {} : { maximumAttempts: app.retry?.maximumAttempts ?? 10 }),
    },
    ...(holding?.externalRef ? { ref: holding.externalRef } : {}),
    reached: holding ? { status: holding.status, entitlements: [...holding.entitlements], ...(holding.adopted ? { adopted: holding.adopted } : {}) } : undefined,
    steps: [],
    undo: [],
    audit: [],
  };
}

function stepRunner(r: AppRun) {
  const { event } = r.input;
  return (step: PlannedStep, retry: ActivityOptions['retry'], prefix = '') =>
    proxyActivities<Activities>({
      ...STEP_OPTIONS,
      retry,
      summary: `${prefix}${r.app.appId}: ${step.summary}`,
      ...(r.isLeaver ? { priority: { priorityKey: LEAVER_PRIORITY } } : {}),
    }).runStep({
      eventId: event.id,
      appId: r.app.appId,
      account: { personKey: event.subject, ...(r.ref ? { externalRef: r.ref } : {}) },
      person: event.data.person,
      step,
    });
}

/**
 * Runs the app's steps of one phase, in plan order, as a saga. Each step's inverse is registered
 * before it runs and withdrawn only when the step reports, on its first attempt, that it changed
 * nothing: a later attempt's `already-in-state` may be the effect of an earlier attempt that
 * applied and then lost its answer (a worker that died between the app's reply and the
 * activity's completion), so its inverse stays. A step that times out keeps its inverse too.
 * When a step fails for good, the app's registered inverses run newest first in a
 * non-cancellable scope. Leavers are never compensated.
 */
async function runPhase(r: AppRun, phase: 'gain' | 'loss', status: EventStatus): Promise<void> {
  const run = stepRunner(r);
  for (const step of r.app.steps) {
    if (r.end || phaseOf(step) !== phase) continue;
    const inverse = r.isLeaver ? undefined : guardedInverse(step);
    if (inverse) r.undo.push(inverse);
    let result: StepResult;
    try {
      result = await run(step, r.retry);
    } catch (err) {
      const error = failureMessage(err);
      r.steps.push({ operation: step.operation, ...qualifierOf(step), outcome: 'failed', error });
      if (inverse && !outcomeUnknown(err)) r.undo.pop();
      if (r.isLeaver || r.undo.length === 0) {
        r.end = { appId: r.app.appId, status: 'failed', steps: r.steps, error };
        return;
      }
      status.phase = 'compensating';
      const compensations = await CancellationScope.nonCancellable(() => compensate(r, run));
      const undone = compensations.every((c) => c.outcome !== 'failed');
      r.end = { appId: r.app.appId, status: undone ? 'compensated' : 'failed', steps: r.steps, compensations, error: undone ? error : `${error}; undo failed too` };
      return;
    }
    if (result.externalRef) r.ref = result.externalRef;
    const unsure = result.outcome === 'already-in-state' && (result.attempt ?? 1) > 1;
    // A retried create that found the account anchored, when the app cannot say the lost attempt
    // made it: that attempt adopted it (services/worker/origin.ts). It is released, never deleted.
    const adoptedUnseen = unsure && step.operation === 'createAccount' && result.origin !== 'created';
    const outcome = adoptedUnseen ? 'adopted' : result.outcome;
    r.steps.push({ operation: step.operation, ...qualifierOf(step), outcome: result.outcome });
    r.audit.push({
      operation: step.operation,
      ...qualifierOf(step),
      outcome: result.outcome,
      ...(result.externalRef ? { externalRef: result.externalRef } : {}),
      attempt: result.attempt ?? 1,
      ...(unsure ? { mayHaveAppliedEarlier: true } : {}),
      ...(result.origin ? { origin: result.origin } : {}),
      at: nowIso(),
    });
    r.reached = reach(r.reached, step, outcome, result.before);
    if (inverse) {
      r.undo.pop();
      const exact = inverseOf(step, { outcome, before: result.before });
      if (exact && (outcome === 'applied' || outcome === 'adopted')) r.undo.push(exact);
      else if (unsure) r.undo.push(inverse);
    }
  }
}

/**
 * An account the pipeline adopted is not the pipeline's to delete: where the plan deletes it (the
 * retention after a leaver), it is released instead, which takes out only what the adoption wrote.
 */
function releaseInsteadOfDelete(app: AppPlan, adopted: NonNullable<AppHolding['adopted']>): AppPlan {
  return {
    ...app,
    steps: app.steps.map((s) =>
      s.operation === 'deleteAccount'
        ? { operation: 'releaseAccount', summary: 'release the adopted account (made by someone else: never deleted)', ...(adopted.before !== undefined ? { before: adopted.before } : {}) }
        : s,
    ),
  };
}

/** What the app holds after `step` succeeded with `outcome`, from what it held before. */
function reach(holding: AppHolding | undefined, step: PlannedStep, outcome: StepResult['outcome'], before?: unknown): AppHolding | undefined {
  if (outcome === 'not-applicable') return holding;
  const entitlements = new Set(holding?.entitlements ?? []);
  const adopted = outcome === 'adopted' ? { adopted: before === undefined ? {} : { before } } : holding?.adopted ? { adopted: holding.adopted } : {};
  switch (step.operation) {
    case 'createAccount':
      return { status: step.enabled === false ? 'disabled' : 'active', entitlements: [...entitlements].sort(), ...adopted };
    case 'restoreAccount':
      return { status: 'active', entitlements: [...entitlements].sort(), ...adopted };
    case 'suspendAccount':
      return { status: 'disabled', entitlements: [...entitlements].sort(), ...adopted };
    case 'deleteAccount':
    case 'releaseAccount':
      return { status: 'deleted', entitlements: [] };
    case 'grantAccess':
      entitlements.add(step.entitlement as string);
      return { status: holding?.status ?? 'active', entitlements: [...entitlements].sort(), ...adopted };
    case 'revokeAccess':
      entitlements.delete(step.entitlement as string);
      return { status: holding?.status ?? 'active', entitlements: [...entitlements].sort(), ...adopted };
    default:
      return holding;
  }
}

/** The plan's target with what only the steps know: the account's ref, and whether it was adopted. */
function keep(target: AppHolding, r: AppRun): AppHolding {
  if (target.status === 'deleted') return target;
  return { ...target, ...(r.ref ? { externalRef: r.ref } : {}), ...(r.reached?.adopted ? { adopted: r.reached.adopted } : {}) };
}

/**
 * The app's outcome. An app that ran every step is `done` and holds the plan's target (with the
 * account's ref). An app whose losses were held back, because a gain failed in `blocked` apps, is
 * `deferred`: its gains applied, its old access stays, and what it now holds is reported.
 */
function outcomeOf(r: AppRun, blocked: string[]): AppOutcome {
  if (r.end) return r.end;
  const ref = r.ref ? { externalRef: r.ref } : {};
  if (blocked.length > 0 && r.app.steps.some((s) => phaseOf(s) === 'loss')) {
    return {
      appId: r.app.appId,
      status: 'deferred',
      steps: r.steps,
      ...(r.reached ? { reached: { ...r.reached, ...ref } } : {}),
      error: `access not removed: granting failed in ${blocked.join(', ')}`,
    };
  }
  return {
    appId: r.app.appId,
    status: 'done',
    steps: r.steps,
    ...(r.app.target ? { target: keep(r.app.target, r) } : {}),
    ...(r.app.deleteAfterMs !== undefined ? { deleteAfterMs: r.app.deleteAfterMs } : {}),
  };
}

/** Runs the undo steps newest first; each one is recorded (and audited), a failed one does not stop the others. */
async function compensate(r: AppRun, run: ReturnType<typeof stepRunner>): Promise<StepOutcome[]> {
  const done: StepOutcome[] = [];
  for (const step of [...r.undo].reverse()) {
    try {
      const result = await run(step, { ...STEP_OPTIONS.retry, maximumAttempts: UNDO_ATTEMPTS }, 'undo ');
      // A guarded delete may have released instead (the account predated the create): say so.
      const operation = result.operation ?? step.operation;
      done.push({ operation, ...qualifierOf(step), outcome: result.outcome });
      r.audit.push({
        operation,
        ...qualifierOf(step),
        outcome: result.outcome,
        attempt: result.attempt ?? 1,
        compensation: true,
        ...(result.origin ? { origin: result.origin } : {}),
        at: nowIso(),
      });
    } catch (err) {
      done.push({ operation: step.operation, ...qualifierOf(step), outcome: 'failed', error: failureMessage(err) });
    }
  }
  r.undo = [];
  return done;
}

/**
 * The step that undoes `step`, given what it reported (before it runs: the inverse assumed while its
 * outcome is unknown). A create that adopted an account someone else made is undone by releasing it
 * (our anchor removed, the account left as it was), never by deleting it. An attribute update is
 * undone with the values the connector reported as `before`; without them it cannot be undone. A
 * delete or a release cannot be undone.
 */
export function inverseOf(step: PlannedStep, result?: Pick<StepResult, 'outcome' | 'before'>): PlannedStep | undefined {
  const q = qualifierOf(step);
  switch (step.operation) {
    case 'createAccount':
      return result?.outcome === 'adopted'
        ? { operation: 'releaseAccount', summary: 'release the adopted account (not deleted)', ...(result.before !== undefined ? { before: result.before } : {}) }
        : { operation: 'deleteAccount', summary: 'delete the account it created' };
    case 'grantAccess':
      return { operation: 'revokeAccess', ...q, entitlement: step.entitlement as string, summary: `remove from ${step.entitlement}` };
    case 'revokeAccess':
      return { operation: 'grantAccess', ...q, entitlement: step.entitlement as string, summary: `add back to ${step.entitlement}` };
    case 'suspendAccount':
      return { operation: 'restoreAccount', summary: 'enable account again' };
    case 'restoreAccount':
      return { operation: 'suspendAccount', summary: 'disable account again' };
    case 'updateAccount': {
      const before = result?.before;
      return before && typeof before === 'object' && !Array.isArray(before)
        ? { operation: 'updateAccount', qualifier: 'undo', summary: 'restore previous attributes', attributes: before as NonNullable<PlannedStep['attributes']> }
        : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The inverse registered before a step runs, while its outcome is unknown. A create's is a delete
 * that knows when the create was scheduled: if the create's answer is lost and it had adopted an
 * account, the delete finds the account older than that and releases it instead (activities.ts).
 */
function guardedInverse(step: PlannedStep): PlannedStep | undefined {
  const inverse = inverseOf(step);
  return step.operation === 'createAccount' && inverse ? { ...inverse, createdAfter: Date.now() } : inverse;
}

const qualifierOf = (step: PlannedStep) => (step.qualifier ? { qualifier: step.qualifier } : {});

/** A timeout leaves the step's effect unknown: it may have applied. */
function outcomeUnknown(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure;
}

export const nowIso = () => new Date(Date.now()).toISOString();

export function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const type = (cause as { type?: string }).type;
  return `${type ? `${type}: ` : ''}${(cause as Error).message}`;
}
