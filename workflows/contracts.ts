import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { JmlEvent } from '../schemas/jml-event.v1';

/**
 * What clients (dispatcher, CLI, tests) need to talk to our workflows. Safe to import outside the
 * sandbox: definitions only.
 */

/** Workflow id of a person's entity workflow. */
export const personWorkflowId = (personKey: string) => `person/${personKey}`;
/** Workflow id of the workflow that applies one event to one person. */
export const eventWorkflowId = (personKey: string, eventId: string) => `jml/${personKey}/${eventId}`;

export const jmlEventSignal = defineSignal<[JmlEvent]>('jmlEvent');
export const personStateQuery = defineQuery<PersonState>('state');

export interface PersonWorkflowInput {
  personKey: string;
  /** State carried over continue-as-new. */
  carried?: CarriedPersonState;
}

export interface ProcessedEvent {
  eventId: string;
  type: JmlEvent['type'];
  status: 'completed' | 'failed' | 'duplicate';
  error?: string;
}

export interface CarriedPersonState {
  pending: JmlEvent[];
  recentEventIds: string[];
  processed: number;
  duplicates: number;
  recent: ProcessedEvent[];
}

export interface PersonState {
  personKey: string;
  /** Events applied (completed or failed) since the workflow first started. */
  processed: number;
  /** Deliveries dropped because their event id was already seen. */
  duplicates: number;
  pendingEventIds: string[];
  currentEventId?: string;
  /** Most recent outcomes, newest last. */
  recent: ProcessedEvent[];
}

export interface EventWorkflowInput {
  event: JmlEvent;
}

export interface EventOutcome {
  eventId: string;
  kind: string;
  apps: Array<{ appId: string; steps: Array<{ operation: string; outcome: string }> }>;
}
