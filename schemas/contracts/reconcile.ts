/**
 * Reconciliation as the scheduled workflow sees it (workflows/reconcile.ts): one activity that reads
 * the apps and the person workflows, compares, and publishes the findings (services/reconcile/).
 */

/** The id of the Temporal Schedule that reconciles one app of one deployment (its task queue). */
export const reconcileScheduleId = (taskQueue: string, appId: string) => `reconcile/${taskQueue}/${appId}`;

export interface ReconcileWorkflowInput {
  appIds: string[];
}

/** What one run found, per app: counts only (the findings themselves are on `jml.reconcile.v1`). */
export interface ReconcileSummary {
  runId: string;
  apps: Array<{ appId: string; accounts: number; unchecked: number; counts: Record<string, number> }>;
  skipped: Array<{ appId: string; reason: string }>;
  unreadable: number;
  /** Findings other than `unmanaged`. */
  problems: number;
  /** Records published to `jml.reconcile.v1`. */
  published: number;
}

export interface ReconcileActivities {
  /** Reconciles the apps at `at` (the workflow's time, which names the run) and publishes the findings. */
  reconcileApps(input: { appIds: string[]; at: string }): Promise<ReconcileSummary>;
}
