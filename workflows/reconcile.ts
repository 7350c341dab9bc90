import { proxyActivities, proxyLocalActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities, EventOutcome, EventStatus, OrphanFixInput, ReconcileActivities, ReconcileSummary, ReconcileWorkflowInput, StepOutcome } from '../schemas/contracts';
import type { StepAudit } from '../schemas/contracts';
import { Apps, NeedsAttention } from '../schemas/contracts';
import { failureMessage, guardHandlers, nowIso, passGuard, STEP_OPTIONS } from './jml-event';

const { reconcileApps } = proxyActivities<ReconcileActivities>({
  // Listing a large directory takes a while; the activity heartbeats per page.
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  // An app that cannot be listed is reported as skipped by the activity itself; retries cover a lost worker or Kafka.
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 5 },
});

/**
 * One reconciliation run, started by the app's Temporal Schedule (`reconcile/<taskQueue>/<appId>`,
 * services/reconcile/schedules.ts) or by hand. It reads and reports, and where the app's policy says
 * `reconcile.fix`, asks for the fixes (person workflows and orphan fixes, which apply them under the
 * mass-change guard). The run's time names it; its summary (counts, no people) is its result.
 */
export async function reconcileWorkflow(input: ReconcileWorkflowInput): Promise<ReconcileSummary> {
  return reconcileApps({ appIds: input.appIds, at: new Date().toISOString() });
}

/** The orphan fix's plan and audit: local, as in the event workflow. */
const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * Disables one orphan account (a person key no HR event made known, so no person workflow to ask):
 * planned by the worker's policy, counted by the mass-change guard like a leaver (held above the
 * limit until ops approve or reject), then one disable step with the app's retries, audited like any
 * step. Never deletes. Its id names the app, the account and the run
 * (schemas/contracts/reconcile.ts `orphanFixWorkflowId`), so asking twice starts it once.
 */
export async function orphanFixWorkflow(input: OrphanFixInput): Promise<EventOutcome> {
  const status: EventStatus = { phase: 'planning' };
  const decided = guardHandlers(status);
  const plan = await local.planOrphanFix(input);
  upsertSearchAttributes([{ key: Apps, value: [input.appId] }]);
  if (plan.apps.length === 0) {
    status.phase = 'done';
    setCurrentDetails(`Nothing to do: ${plan.nothingBecause ?? 'no step planned'}.`);
    return { eventId: plan.eventId, kind: plan.kind, status: 'completed', apps: [] };
  }
  const guard = await passGuard(plan, status, decided);
  if (guard?.decision === 'rejected') return { eventId: plan.eventId, kind: plan.kind, status: 'rejected', apps: [], guard };

  status.phase = 'running';
  const app = plan.apps[0] as (typeof plan.apps)[number];
  // The plan's id names the account (services/reconcile/fix.ts): each orphan's steps have keys of their own.
  const stepEventId = plan.eventId;
  const steps: StepOutcome[] = [];
  const audit: StepAudit[] = [];
  let error: string | undefined;
  for (const step of app.steps) {
    try {
      const result = await proxyActivities<Activities>({
        ...STEP_OPTIONS,
        retry: {
          ...STEP_OPTIONS.retry,
          ...(app.retry?.initialIntervalMs !== undefined ? { initialInterval: app.retry.initialIntervalMs } : {}),
          ...(app.retry?.maximumIntervalMs !== undefined ? { maximumInterval: app.retry.maximumIntervalMs } : {}),
          maximumAttempts: app.retry?.maximumAttempts ?? 10,
        },
        summary: `${app.appId}: ${step.summary}`,
      }).runStep({ eventId: stepEventId, appId: app.appId, account: { personKey: input.personKey, externalRef: input.externalRef }, step });
      steps.push({ operation: step.operation, outcome: result.outcome });
      audit.push({ appId: app.appId, operation: step.operation, outcome: result.outcome, externalRef: input.externalRef, attempt: result.attempt ?? 1, at: nowIso() });
    } catch (err) {
      error = failureMessage(err);
      steps.push({ operation: step.operation, outcome: 'failed', error });
      break;
    }
  }
  if (audit.length > 0) await local.recordAudit({ eventId: stepEventId, personKey: input.personKey, workflowId: workflowInfo().workflowId, records: audit });
  status.phase = 'done';
  if (error) {
    upsertSearchAttributes([{ key: NeedsAttention, value: true }]);
    setCurrentDetails(`${app.appId}: the orphan account could not be disabled (${error}).`);
    return { eventId: plan.eventId, kind: plan.kind, status: 'needs-attention', apps: [{ appId: app.appId, status: 'failed', steps, error }], ...(guard ? { guard } : {}) };
  }
  setCurrentDetails(`${app.appId}: orphan account disabled.`);
  return { eventId: plan.eventId, kind: plan.kind, status: 'completed', apps: [{ appId: app.appId, status: 'done', steps, target: { status: 'disabled', entitlements: [], externalRef: input.externalRef } }], ...(guard ? { guard } : {}) };
}
