import { proxyActivities } from '@temporalio/workflow';
import type { ReconcileActivities, ReconcileSummary, ReconcileWorkflowInput } from '../schemas/contracts';

const { reconcileApps } = proxyActivities<ReconcileActivities>({
  // Listing a large directory takes a while; the activity heartbeats per page.
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  // An app that cannot be listed is reported as skipped by the activity itself; retries cover a lost worker or Kafka.
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 5 },
});

/**
 * One reconciliation run, started by the app's Temporal Schedule (`reconcile/<taskQueue>/<appId>`,
 * services/reconcile/schedules.ts) or by hand. It only reads and reports: the run's time names it,
 * and its summary (counts, no people) is its result, visible in the UI.
 */
export async function reconcileWorkflow(input: ReconcileWorkflowInput): Promise<ReconcileSummary> {
  return reconcileApps({ appIds: input.appIds, at: new Date().toISOString() });
}
