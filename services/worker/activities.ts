import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { isConnectorError, type AccountRef, type AnyConnector, type OperationResult } from '../../connectors/sdk';
import { planForEveryApp, type EventPlan, type PlannedStep } from './plan';

/** One configured app: a connector instance with its parsed settings and resolved secrets. */
export interface AppInstance {
  appId: string;
  connector: AnyConnector;
  config: unknown;
  secrets: Readonly<Record<string, string>>;
}

export interface ActivityDeps {
  apps: ReadonlyMap<string, AppInstance>;
  log: Logger;
}

export interface RunStepInput {
  eventId: string;
  appId: string;
  account: AccountRef;
  person: JmlEvent['data']['person'];
  step: PlannedStep;
}

export interface StepResult extends OperationResult {
  appId: string;
  operation: PlannedStep['operation'];
}

/** Builds the worker's activities from injected dependencies (no globals). */
export function createActivities(deps: ActivityDeps) {
  return {
    /** Computes what an event does to which app. Pure given its inputs and the loaded config. */
    async planEvent(input: { event: JmlEvent }): Promise<EventPlan> {
      return planForEveryApp(input.event, [...deps.apps.keys()]);
    },

    /** Runs one connector operation; connector errors become Temporal failures typed by their code. */
    async runStep(input: RunStepInput): Promise<StepResult> {
      const app = deps.apps.get(input.appId);
      if (!app) {
        throw ApplicationFailure.create({ type: 'app-unknown', message: `no app '${input.appId}' is configured`, nonRetryable: true });
      }
      const { step } = input;
      const idempotencyKey = [input.eventId, input.appId, step.operation, step.qualifier].filter(Boolean).join('/');
      const activity = Context.current();
      const log = deps.log.child({ eventId: input.eventId, appId: input.appId, operation: step.operation });
      const ctx = {
        idempotencyKey,
        appId: input.appId,
        signal: activity.cancellationSignal,
        heartbeat: (details?: unknown) => activity.heartbeat(details),
        log,
        config: app.config,
        secrets: app.secrets,
      };
      const ops = app.connector.operations as Record<string, (c: typeof ctx, req: unknown) => Promise<OperationResult>>;
      const operation = ops[step.operation];
      if (!operation) {
        throw ApplicationFailure.create({
          type: 'not-supported',
          message: `connector '${app.connector.id}' of app '${input.appId}' cannot ${step.operation}`,
          nonRetryable: true,
        });
      }
      const request = {
        account: input.account,
        person: input.person,
        attributes: step.attributes ?? {},
        enabled: step.enabled ?? true,
        entitlement: step.entitlement,
      };
      try {
        const result = await operation(ctx, request);
        log.info({ outcome: result.outcome }, 'step done');
        return { ...result, appId: input.appId, operation: step.operation };
      } catch (err) {
        if (!isConnectorError(err)) throw err;
        log.warn({ code: err.code, retryable: err.retryable, status: err.status }, 'step failed');
        throw ApplicationFailure.create({
          type: err.code,
          message: err.message,
          nonRetryable: !err.retryable,
          nextRetryDelay: err.retryAfterMs,
          details: [err.context],
          cause: err,
        });
      }
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
