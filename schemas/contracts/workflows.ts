import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { JmlEvent, PersonSnapshot } from '../jml-event.v1';
import type { AppHolding, AppHoldings, PlanMode } from './event-plan';

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
  type: JmlEvent['type'] | 'retention-delete' | 'prestart';
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
  /** The person as last applied. */
  person?: PersonSnapshot;
  /** What the person holds in each app, as far as the pipeline applied it. */
  apps: AppHoldings;
  /** Retention deletes waiting for their time (ISO instants). */
  scheduledDeletes: Array<{ appIds: string[]; dueAt: string; leaverEventId: string }>;
  /** Future-dated events waiting for their effective moment (ISO instants). */
  waiting: Array<{ eventId: string; type: JmlEvent['type']; until: string }>;
  /** Accounts prepared, or to be prepared, ahead of a pending hire's start (preStart). */
  preStarts: Array<{ eventId: string; appIds: string[]; at: string; done: boolean }>;
}

export interface EventWorkflowInput {
  event: JmlEvent;
  /** `retention-delete` deletes `appIds` after a leaver's retention; default `apply`. */
  mode?: PlanMode;
  appIds?: string[];
  /** What the person holds before this event (from the person workflow). */
  holdings?: AppHoldings;
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
