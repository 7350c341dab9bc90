import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * What clients (the runtime, the CLI, tests) and the poller activities need to talk to the
 * reconciliation poller workflows. Safe to import outside the sandbox: definitions and types only.
 */

/** HR sources that have a reconciliation poller. */
export type PollerSource = 'bamboohr' | 'workday';

/** Workflow id of one source tenant's poller: `poll/bamboohr/acme`, `poll/workday/acme`. */
export const pollerWorkflowId = (source: PollerSource, tenant: string) => `poll/${source}/${tenant}`;

/**
 * BambooHR: the `since` of the next `GET /employees/changed` (BambooHR's `latest` of the previous
 * answer, canonical UTC). Changes at exactly `since` are listed again; they are recognised as
 * already published (see services/pollers/README.md).
 */
export interface BambooHrCursor {
  kind: 'bamboohr';
  since: string;
}

/**
 * Workday: where the baseline snapshot is. The snapshot itself (megabytes for a large workforce)
 * stays out of workflow history, in Redis under `snapshotKey`; the workflow holds only this.
 */
export interface WorkdayCursor {
  kind: 'workday';
  /** Canonical UTC instant the baseline report was run. */
  asOf: string;
  /** SHA-256 (32 hex) of the baseline's rows, to skip unchanged reports without reading Redis. */
  contentDigest: string;
  snapshotKey: string;
  /** Workers in the baseline (readable rows). */
  workers: number;
}

export type PollCursor = BambooHrCursor | WorkdayCursor;

/** Input of a poll activity. */
export interface PollRequest<C extends PollCursor> {
  tenant: string;
  /** Absent on the first poll: the activity then takes a baseline and publishes nothing. */
  cursor?: C;
}

/** What one poll did; kept small because it is recorded in workflow history. */
export interface PollSummary<C extends PollCursor = PollCursor> {
  /** The cursor for the next poll. */
  cursor: C;
  /** When the poll finished (activity clock, canonical UTC). */
  at: string;
  /** Employees (BambooHR) or report rows (Workday) looked at. */
  observed: number;
  /** Events accepted onto `jml.events.v1` by this poll. */
  produced: number;
  /** Events whose id was already accepted (edge dedupe); nothing new was produced for them. */
  duplicates: number;
  /** Observed changes that became no event (already published, unreadable, …). */
  skipped: number;
  /** The first accepted event ids (at most 50). */
  eventIds: string[];
  /** Short, value-free remarks: `baseline taken`, `baseline lost`, … (at most 20). */
  notes: string[];
}

export interface PollerWorkflowInput {
  source: PollerSource;
  tenant: string;
  /** Time between the end of one poll and the start of the next. */
  intervalMs: number;
  /** State carried over continue-as-new. */
  carried?: CarriedPollerState;
}

export interface CarriedPollerState {
  cursor?: PollCursor;
  polls: number;
  produced: number;
  failures: number;
  lastPoll?: PollSummary;
  lastError?: PollError;
  /** A poll was requested (update) but not yet run when the workflow continued as new. */
  pollRequested: boolean;
}

export interface PollError {
  /** Workflow time of the failure, canonical UTC. */
  at: string;
  /** The failure `type` (source API error code, `kafka-unavailable`, …) when it had one. */
  type?: string;
  message: string;
}

export interface PollerState extends CarriedPollerState {
  source: PollerSource;
  tenant: string;
  intervalMs: number;
  /** True while a poll activity runs. */
  polling: boolean;
}

/** Changes the interval of a running poller (the runtime sends it at every start). */
export const configurePollerSignal = defineSignal<[{ intervalMs: number }]>('configurePoller');
/** Runs a poll now (after the one in flight, if any) and answers with its summary, or its error. */
export const pollNowUpdate = defineUpdate<PollSummary | PollError, []>('pollNow');
export const pollerStateQuery = defineQuery<PollerState>('pollerState');

/**
 * The poll activities the poller workflow calls, one per source. The worker's
 * `createPollerActivities` (services/pollers/activities.ts) is declared to return this interface.
 */
export interface PollerActivities {
  /** One BambooHR poll of one tenant; returns the next cursor with what it published. */
  pollBambooHr(req: PollRequest<BambooHrCursor>): Promise<PollSummary<BambooHrCursor>>;
  /** One Workday RaaS poll of one tenant; returns the next cursor with what it published. */
  pollWorkday(req: PollRequest<WorkdayCursor>): Promise<PollSummary<WorkdayCursor>>;
}
