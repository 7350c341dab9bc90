import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * What clients (the runtime, the CLI, tests) and the poller activities need to talk to the
 * reconciliation poller workflows. Safe to import outside the sandbox: definitions and types only.
 */

/**
 * The id of a registered source whose definition polls (`poll` in sources/registry.ts:
 * `bamboohr`, `workday`, …). A plain string here: this leaf cannot see the registry, and the
 * workflow needs no more; the poll activity refuses an id it does not know (`tenant-unknown`).
 */
export type PollerSource = string;

/** Workflow id of one source tenant's poller: `poll/bamboohr/acme`, `poll/workday/acme`. */
export const pollerWorkflowId = (source: PollerSource, tenant: string) => `poll/${source}/${tenant}`;

/** A value as JSON carries it (what workflow state and history can hold). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Where a source's next poll starts. Opaque to the workflow, which only keeps the cursor the last
 * poll returned and hands it to the next one; the source that wrote it owns its shape (declared
 * next to its poll, e.g. sources/bamboohr/poll.ts) and checks it when it gets it back
 * (sources/sdk/poll.ts `readCursor`: a cursor it does not recognise fails the poll as
 * `cursor-invalid`). Rules for a source:
 * - JSON only (no `undefined`, dates as ISO-8601 strings); absent means "first poll";
 * - small and free of HR field values: it is in workflow history at every poll (ids, instants,
 *   digests, store keys; a large baseline goes to the snapshot store and the cursor names its key);
 * - tagged with `kind: '<source id>'`, so that a cursor of another source is refused, not misread.
 */
export type PollCursor = JsonValue;

/** Input of the poll activity. */
export interface PollSourceRequest {
  source: PollerSource;
  tenant: string;
  /** Absent on the first poll: the source then takes a baseline and publishes nothing. */
  cursor?: PollCursor;
}

/** What one poll did; kept small because it is recorded in workflow history. */
export interface PollSummary<C extends PollCursor = PollCursor> {
  /** The cursor for the next poll. */
  cursor: C;
  /** The cursor in a few words for the Temporal UI (`since 2026-03-01T10:00:00Z`); ids, times and counts only. */
  position: string;
  /** When the poll finished (activity clock, canonical UTC). */
  at: string;
  /** What the poll looked at: employees listed as changed (BambooHR), report rows (Workday). */
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
 * The poll activity the poller workflow calls for every source. The worker's
 * `createPollerActivities` (services/pollers/activities.ts) is declared to return this interface.
 */
export interface PollerActivities {
  /** One poll of one source tenant (the source's `poll`); returns the next cursor with what it published. */
  pollSource(req: PollSourceRequest): Promise<PollSummary>;
}
