import { defineUpdate } from '@temporalio/workflow';

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
  /** Apps with `reconcile.fix`: the fixes asked, by status (asked, already-asked, skipped, refused). */
  fixes?: Record<string, number>;
}

export interface ReconcileActivities {
  /** Reconciles the apps at `at` (the workflow's time, which names the run) and publishes the findings. */
  reconcileApps(input: { appIds: string[]; at: string }): Promise<ReconcileSummary>;
}

/** What differs in a drifted account (names only, no values): the finding's `drift`. */
export interface ReconcileDrift {
  /** Names of attributes whose value differs from the policy's mapping. */
  attributes?: string[];
  /** Entitlements the policy grants that the account lacks. */
  grant?: string[];
  /** Entitlements the account has that the policy manages in this app but no longer grants. */
  revoke?: string[];
  /** The account's enabled state differs: what it should be. */
  enabled?: boolean;
}

/**
 * Asks `person/<personKey>` to fix one finding of a reconciliation run in one app (`jml reconcile
 * --fix`, or a schedule whose app says `reconcile.fix`). Queued behind the person's HR events; when
 * its turn comes the fix is planned again from the person's newest truth (a fix that no longer
 * applies does nothing) and runs as the event workflow `jml/<personKey>/<runId>.fix.<appId>`, with
 * the same connectors, retries, compensation, audit and mass-change guard as any event. Refused
 * (nothing is written to the history) when the person workflow has no HR truth to plan from.
 */
export const reconcileFixUpdate = defineUpdate<ReconcileFixAccepted, [ReconcileFixRequest]>('reconcileFix');

/** Findings a person workflow can fix; orphans have no person workflow ({@link OrphanFixInput}). */
export type PersonFixKind = 'zombie' | 'missing' | 'drift' | 'unused';

export interface ReconcileFixRequest {
  /** The run that found it (`reconcile-<ISO instant>`): with the app, the fix's id. */
  runId: string;
  appId: string;
  kind: PersonFixKind;
  drift?: ReconcileDrift;
  /** Who asked (an operator or `schedule`), never the person's data. */
  by: string;
}

export interface ReconcileFixAccepted {
  fixId: string;
  /** The event workflow that applies it, once its turn comes. */
  workflowId: string;
  /** `duplicate`: this run's fix of this app was asked before (nothing queued again). */
  status: 'queued' | 'duplicate';
  /** Events and fixes of the person queued before it. */
  queuedBehind: number;
}

/** The id of a fix: the child key under the person workflow, and the synthetic event's id. */
export const reconcileFixId = (runId: string, appId: string) => `${runId}.fix.${appId}`;

/**
 * Fixes an orphan: an account carrying the person key of someone no HR event made known, so there is
 * no person workflow to ask. Disabled (never deleted: nothing proves the pipeline may), under the
 * mass-change guard, by the workflow `orphanFixWorkflow`.
 */
export interface OrphanFixInput {
  runId: string;
  appId: string;
  externalRef: string;
  /** The person key the account's anchor carries. */
  personKey: string;
  by: string;
}

/** One workflow per orphan account and run; a second ask of the same run finds it started. */
export const orphanFixWorkflowId = (taskQueue: string, appId: string, externalRef: string, runId: string) => `reconcile-fix/${taskQueue}/${appId}/${externalRef}/${runId}`;
