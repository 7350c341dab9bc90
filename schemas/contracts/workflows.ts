import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { JmlEvent, PersonSnapshot } from '../jml-event.v1';
import type { AppHolding, AppHoldings, PlanMode, SuspensionScope } from './event-plan';
import type { ReconcileFixRequest } from './reconcile';

/**
 * What clients (dispatcher, CLI, tests) need to talk to our workflows. Safe to import outside the
 * sandbox: definitions only.
 */

/** Workflow id of a person's entity workflow. */
export const personWorkflowId = (personKey: string) => `person/${personKey}`;
/** Workflow id of the workflow that applies one event to one person. */
export const eventWorkflowId = (personKey: string, eventId: string) => `jml/${personKey}/${eventId}`;
/**
 * The task queue leaver event workflows (and so their activities) run on: a worker of its own polls
 * it, so a leaver's tasks never wait for slots, pollers or a backlog that joiners fill.
 */
export const leaverTaskQueue = (taskQueue: string) => `${taskQueue}.leavers`;

export const jmlEventSignal = defineSignal<[JmlEvent]>('jmlEvent');
export const personStateQuery = defineQuery<PersonState>('state');

/**
 * Asks `person/<personKey>` to apply again one of its events whose last outcome was `failed` or
 * `needs-attention` (docs/operations.md, "Re-drive"). The update is accepted once the event is queued
 * under the same rules as any event; it runs as a new run of `jml/<personKey>/<eventId>` when its
 * turn comes. Refused (the update fails, nothing is written to the history) with an
 * ApplicationFailure whose `type` is a {@link RedriveRefusal}.
 */
export const redriveUpdate = defineUpdate<RedriveAccepted, [RedriveRequest]>('redrive');

/**
 * Asks `person/<personKey>` for an emergency suspension or its end (`jml suspend`, `jml restore`;
 * docs/operations.md, "Suspend and restore"). Accepted once queued, ahead of any HR event waiting:
 * the suspension runs on the leaver lane. Refused (nothing enters the history) with an
 * ApplicationFailure whose `type` is a {@link SecurityActionRefusal}.
 */
export const securityActionUpdate = defineUpdate<SecurityActionAccepted, [SecurityActionRequest]>('securityAction');

export interface SecurityActionRequest {
  action: 'suspend' | 'restore';
  /** Who asked (an operator or tool name, never the person's data). */
  by: string;
  /** Why, in a few words (e.g. "phished, ticket SEC-1234"); shown in the Temporal UI. */
  reason: string;
}

export interface SecurityActionAccepted {
  /** `suspend-<n>` / `restore-<n>`: the n-th suspension of this person and its end. */
  actionId: string;
  workflowId: string;
  /** Security actions queued before this one (HR events wait behind it). */
  queuedBehind: number;
}

/** Why a suspend or restore was refused: the failure `type` of the refused update. */
export type SecurityActionRefusal =
  /** No HR event was applied to this person yet: there is nobody to suspend. */
  | 'unknown-person'
  /** Suspend of a person suspended (or whose suspension is queued). */
  | 'already-suspended'
  /** Restore of a person not suspended (or whose restore is queued). */
  | 'not-suspended'
  /** No `by` or no `reason`. */
  | 'invalid-request';

/** Every refusal of a suspend or restore (docs/errors.md, "Suspend and restore"). */
export const SECURITY_ACTION_REFUSALS: readonly SecurityActionRefusal[] = ['unknown-person', 'already-suspended', 'not-suspended', 'invalid-request'];

/** A suspension as the person workflow keeps it (and its query shows). */
export interface Suspension extends SuspensionScope {
  /** `suspend-<n>`. */
  id: string;
  by: string;
  reason: string;
  /** When it was asked (ISO instant, workflow time). */
  at: string;
}

export interface RedriveRequest {
  eventId: string;
  /**
   * The event as the original run received it (its input's `event`): the person workflow keeps only
   * the facts of applied events, not their bodies. Its id and subject must match.
   */
  event: JmlEvent;
  /** The run of `jml/<personKey>/<eventId>` being re-driven (the link the new run carries). */
  originalRunId: string;
  /** Who asked (an operator or tool name, never the person's data). */
  by: string;
  /** Why, in a few words (e.g. "wiki back after outage"). */
  reason?: string;
}

/** Why a re-drive was refused: the failure `type` of the refused update. */
export type RedriveRefusal =
  /** The person workflow never had this event (or the request does not match the event). */
  | 'unknown-event'
  /** The event's last outcome was `completed`: nothing to re-apply. */
  | 'already-applied'
  /** The event is running, or queued (a first time or as a re-drive): wait for its outcome. */
  | 'in-flight'
  /** Newer HR truth already decided what this event would have (see decision 0002's supersession rules). */
  | 'superseded'
  /** Its last outcome cannot be re-driven: rejected by ops at the guard, superseded, or a duplicate. */
  | 'not-redrivable'
  /** The request itself is wrong: the event's id or subject does not match. */
  | 'invalid-request';

export const REDRIVE_REFUSALS: readonly RedriveRefusal[] = ['unknown-event', 'already-applied', 'in-flight', 'superseded', 'not-redrivable', 'invalid-request'];

export interface RedriveAccepted {
  eventId: string;
  /** The event workflow that will run again (`jml/<personKey>/<eventId>`). */
  workflowId: string;
  /** 1 for the first re-drive of this event, then 2, … */
  attempt: number;
  /** Events of the person queued before it (it runs when they are done or superseded). */
  queuedBehind: number;
}

/** What the event workflow's input says of the run it re-drives (also in its memo `redrive`). */
export interface RedriveLink {
  /** Run id of the run re-driven. */
  of: string;
  attempt: number;
  by: string;
  reason?: string;
  /** When it was asked (ISO, workflow time of the person workflow). */
  at: string;
}

/** A re-drive as the person workflow records it (`jml person` shows them). */
export interface RedriveRecord extends RedriveLink {
  eventId: string;
  /** Run id of the new run, once it started. */
  runId?: string;
  /**
   * `queued` until its turn, `running` while the new run works, then its outcome; `superseded` when
   * newer HR truth was applied while it waited; `failed` also when the new run could not start.
   */
  status: 'queued' | 'running' | 'completed' | 'needs-attention' | 'rejected' | 'failed' | 'superseded';
  error?: string;
}

/** An event whose last outcome asks for a re-drive: kept until a re-drive completes it. */
export interface AttentionRecord {
  eventId: string;
  type: JmlEvent['type'];
  status: 'failed' | 'needs-attention';
  /** Apps that did not end `done` (empty when the whole event failed). */
  apps: string[];
  /** Re-drives of it so far. */
  redriven?: number;
}

/** Ops' answer to an event held by the mass-change guard (Temporal UI "Signal", or `jml approve`). */
export interface GuardDecision {
  /** Who decided, for the history. */
  by?: string;
  reason?: string;
}
export const approveSignal = defineSignal<[GuardDecision?]>('approve');
export const rejectSignal = defineSignal<[GuardDecision?]>('reject');
/** Where an event workflow is: `planning`, `held` (waiting for approve/reject), `running`, `done`. */
export const eventStatusQuery = defineQuery<EventStatus>('status');
export interface EventStatus {
  phase: 'planning' | 'held' | 'running' | 'compensating' | 'done';
  /** Held: the event's position in the guard's window and the guard's limit. */
  held?: { position: number; max: number };
}

export interface PersonWorkflowInput {
  personKey: string;
  /**
   * Roll over (continue-as-new) once the history holds this many events, even while a child runs;
   * default 4,000. Tests set it low. Carried across runs.
   */
  historyLimit?: number;
  /** State carried over continue-as-new. */
  carried?: CarriedPersonState;
}

export interface ProcessedEvent {
  eventId: string;
  /** Set when this outcome is a re-drive's: its attempt number. */
  redrive?: number;
  type: JmlEvent['type'] | 'retention-delete' | 'prestart' | 'reconcile' | 'suspend' | 'restore';
  /**
   * `superseded`: not applied, because newer HR truth already decided (see person.ts);
   * `needs-attention`: applied except in apps that failed (and were compensated);
   * `rejected`: held by the mass-change guard and rejected by ops.
   */
  status: 'completed' | 'needs-attention' | 'rejected' | 'failed' | 'duplicate' | 'superseded';
  error?: string;
}

/** An applied event's HR timing, kept to recognize late and superseded deliveries. */
export interface AppliedEvent {
  id: string;
  type: JmlEvent['type'];
  /** Epoch ms. */
  enteredAt: number;
  effectiveAt: number;
}

/** Deletes a leaver scheduled: the apps, and when their retention ends (epoch ms, workflow time). */
export interface ScheduledDelete {
  leaver: JmlEvent;
  appIds: string[];
  dueAt: number;
}

/** A child workflow applying one event (or a prestart or retention delete) for the person. */
export interface InFlightEvent {
  /** The child's key: the event id, or `<eventId>.prestart.<apps>` / `<eventId>.delete.<apps>`. */
  childId: string;
  input: EventWorkflowInput;
}

export interface CarriedPersonState {
  pending: JmlEvent[];
  recentEventIds: string[];
  processed: number;
  duplicates: number;
  superseded?: number;
  recent: ProcessedEvent[];
  applied?: AppliedEvent[];
  person?: PersonSnapshot;
  apps?: AppHoldings;
  deletes?: ScheduledDelete[];
  prestarts?: Record<string, PreStartGroup[]>;
  /** A child the previous run left running when it rolled over; its outcome is awaited first. */
  inFlight?: InFlightEvent;
  /** Events whose last outcome was failed or needs-attention, by event id (what may be re-driven). */
  attention?: Record<string, AttentionRecord>;
  /** Re-drives still queued or running, and the most recent finished ones. */
  redrives?: RedriveRecord[];
  /** Reconciliation fixes waiting for their turn. */
  fixes?: ReconcileFixRequest[];
  /** The suspension in force (from the moment it was asked until its restore applied). */
  suspension?: Suspension;
  /** Suspensions asked so far (numbers the next one). */
  suspensions?: number;
  /** Suspends and restores waiting for their turn (ahead of HR events). */
  actions?: Array<SecurityActionRequest & { id: string; at: string }>;
}

/** Apps to prepare (disabled) ahead of a pending hire, and when (epoch ms). */
export interface PreStartGroup {
  at: number;
  appIds: string[];
  done: boolean;
}

export interface PersonState {
  personKey: string;
  /** Events applied (completed or failed) since the workflow first started. */
  processed: number;
  /** Deliveries dropped because their event id was already seen. */
  duplicates: number;
  pendingEventIds: string[];
  currentEventId?: string;
  /** Events not applied because newer HR truth had already decided. */
  superseded: number;
  /** Most recent outcomes, newest last. */
  recent: ProcessedEvent[];
  /** The person as the newest HR event applied describes them (an older event applied late does not replace it). */
  person?: PersonSnapshot;
  /** What the person holds in each app, as far as the pipeline applied it. */
  apps: AppHoldings;
  /** Retention deletes waiting for their time (ISO instants). */
  scheduledDeletes: Array<{ appIds: string[]; dueAt: string; leaverEventId: string }>;
  /** Future-dated events waiting for their effective moment (ISO instants). */
  waiting: Array<{ eventId: string; type: JmlEvent['type']; until: string }>;
  /** Accounts prepared, or to be prepared, ahead of a pending hire's start (preStart). */
  preStarts: Array<{ eventId: string; appIds: string[]; at: string; done: boolean }>;
  /** Events whose last outcome was failed or needs-attention: what `jml redrive` may re-apply. */
  attention?: AttentionRecord[];
  /** Re-drives queued, running, and the most recent finished ones (oldest first). */
  redrives?: RedriveRecord[];
  /** Reconciliation fixes queued (their ids: `<runId>.fix.<appId>`). */
  pendingFixes?: string[];
  /** Set while the person is suspended: who asked, why, and what the suspension took. */
  suspension?: Suspension;
}

export interface EventWorkflowInput {
  event: JmlEvent;
  /** `retention-delete` deletes `appIds` after a leaver's retention; default `apply`. */
  mode?: PlanMode;
  appIds?: string[];
  /** What the person holds before this event (from the person workflow). */
  holdings?: AppHoldings;
  /** Set when this run re-drives an earlier run of the same event workflow id. */
  redrive?: RedriveLink;
  /** `reconcile`: the finding this run fixes. */
  fix?: ReconcileFixRequest;
  /** Set while the person is suspended (and for `restore`): plans only remove access. */
  suspended?: SuspensionScope;
  /** `suspend` / `restore`: who asked and why (shown in the UI). */
  action?: Pick<SecurityActionRequest, 'by' | 'reason'>;
}

export interface StepOutcome {
  operation: string;
  qualifier?: string;
  outcome: string;
  error?: string;
}

export interface AppOutcome {
  appId: string;
  /**
   * `done`: every step succeeded; `compensated`: a step failed permanently and the steps before it
   * were undone (see `compensations`); `failed`: a step failed and nothing could or may be undone
   * (leavers are never compensated), or an undo failed too; `deferred`: its grants applied, but
   * its removals (revokes, disables) were held back because a grant failed for good in another app,
   * so the old access stays (see `reached`).
   */
  status: 'done' | 'compensated' | 'failed' | 'deferred';
  steps: StepOutcome[];
  compensations?: StepOutcome[];
  /** `done` only: what the app now holds (with the account's `externalRef`). */
  target?: AppHolding;
  /** `deferred` only: what the app holds after the steps that ran. */
  reached?: AppHolding;
  deleteAfterMs?: number;
  error?: string;
}

export interface EventOutcome {
  eventId: string;
  kind: string;
  status: 'completed' | 'needs-attention' | 'rejected';
  apps: AppOutcome[];
  /** Set when the mass-change guard held the event: who decided what. */
  guard?: { held: true; decision: 'approved' | 'rejected'; by?: string };
}
