import type { JmlEvent } from '../jml-event.v1';
import type { EventPlan, PlanEventInput, PlannedStep, PreStartSchedule } from './event-plan';
import type { AccountOrigin, AccountRef, OperationResult } from './operations';
import type { EventOutcome } from './workflows';
import type { OrphanFixInput } from './reconcile';

/**
 * The activities the person and event workflows call, as the workflows see them. The worker's
 * `createActivities` (services/worker/activities.ts) is declared to return this interface, so a
 * change on either side that breaks the other fails to compile.
 */
export interface Activities {
  /** Computes what an event does to which app. Pure given its inputs and the worker's loaded policy. */
  planEvent(input: PlanEventInput): Promise<EventPlan>;
  /** Plans the disable of an orphan account (services/reconcile/fix.ts); counted by the mass-change guard. */
  planOrphanFix(input: OrphanFixInput): Promise<EventPlan>;
  /** When a future-dated hire should prepare which apps (their `preStart`); no groups when none looks ahead. */
  preStartSchedule(input: { event: JmlEvent }): Promise<PreStartSchedule>;
  /** Counts a leaver or delete event against the mass-change guard; `admitted` false means hold it. */
  admitMassChange(input: MassChangeInput): Promise<MassChangeAdmission>;
  /** Runs one connector operation; connector errors become Temporal failures typed by their code. */
  runStep(input: RunStepInput): Promise<StepResult>;
  /** Waits for an event workflow's outcome (a person workflow that rolled over while its child ran). */
  awaitEventOutcome(input: { workflowId: string }): Promise<EventOutcome>;
  /** Writes the audit records of outcomes the event workflow recorded; resolves once they are durable. */
  recordAudit(input: RecordAuditInput): Promise<void>;
}

/** One event counted by the mass-change guard: its id, and the guard's limit and window. */
export interface MassChangeInput {
  id: string;
  max: number;
  windowMs: number;
}

/** The guard's answer: whether the event may go ahead, and its position in the window. */
export interface MassChangeAdmission {
  admitted: boolean;
  position: number;
}

export interface RunStepInput {
  eventId: string;
  appId: string;
  account: AccountRef;
  /** Absent only where no HR truth exists (an orphan's disable): creates and updates need it. */
  person?: JmlEvent['data']['person'];
  step: PlannedStep;
}

export interface StepResult extends OperationResult {
  appId: string;
  operation: PlannedStep['operation'];
  /**
   * The activity attempt that produced this result (1 = the first). An `already-in-state` from a
   * later attempt may be the effect of an earlier attempt whose answer was lost.
   */
  attempt?: number;
  /**
   * createAccount `already-in-state` on a retry: whether the account was made by the pipeline
   * (`created`) or was there before and so was adopted by the attempt whose answer was lost
   * (`pre-existing`, or `unknown` when the app keeps no creation time: treated the same).
   * A compensating delete that released instead reports `operation: releaseAccount` and its origin.
   */
  origin?: AccountOrigin;
}

/** One step's final outcome, as the event workflow recorded it, for the audit topic. */
export interface StepAudit {
  appId: string;
  operation: PlannedStep['operation'];
  qualifier?: string;
  outcome: OperationResult['outcome'];
  externalRef?: string;
  attempt: number;
  /** `already-in-state` on a retry: an earlier attempt may have made the change. */
  mayHaveAppliedEarlier?: boolean;
  /** The step undid an earlier one (saga compensation). */
  compensation?: boolean;
  /** A create found on a retry, or an undo of one: whether the pipeline made the account (see StepResult.origin). */
  origin?: AccountOrigin;
  /** When the workflow recorded the outcome (workflow time). */
  at: string;
}

export interface RecordAuditInput {
  eventId: string;
  personKey: string;
  workflowId: string;
  records: StepAudit[];
}
