import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import type { Logger } from 'pino';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { isConnectorError, type OperationResult, type ReadAccountResult } from '../../connectors/sdk';
import type { AuditRecord } from '../../schemas/audit-record.v1';
import type { Activities, EventOutcome, EventPlan, OrphanFixInput, PlanEventInput, PlannedStep, PreStartSchedule, RecordAuditInput, RunStepInput, StepResult } from '../../schemas/contracts';
import type { AppInstance } from '../policy/app';
import { developmentPolicy } from '../policy/development';
import type { LoadedPolicy } from '../policy/load';
import { planWithPolicy, preStartSchedule } from '../policy/plan';
import { whileSuspended } from '../policy/suspension';
import { planFix, planOrphanFix } from '../reconcile/fix';
import type { MassChangeGuard } from './guard';
import type { RateLimit, RateLimiter } from './rate-limit';
import { accountOrigin, type AccountOrigin } from './origin';
import { runWithUniqueValues } from './unique';
import { activityBoundary } from '../activity-boundary';
import type { MetricSet } from '../metrics';
import { stepMetrics } from './step-metrics';
import { connectorSpan, inSpan } from '../tracing/spans';

/** Where audit records go (Kafka `jml.audit.v1`); resolves once they are durable. */
export interface AuditSink {
  record(record: AuditRecord): Promise<void>;
}

export interface ActivityDeps {
  apps: ReadonlyMap<string, AppInstance>;
  log: Logger;
  rateLimiter?: RateLimiter;
  audit?: AuditSink;
  /** Rate-limit waits up to this long happen inside the activity; longer ones become a retry delay. */
  maxInlineWaitMs?: number;
  /** The policy; without one, the development policy of `apps` ({@link developmentPolicy}). */
  policy?: LoadedPolicy;
  /** Counts leaver and delete events for the policy's mass-change guard. */
  guard?: MassChangeGuard;
  /** Leavers still retrying after this long are flagged NeedsAttention (the workflow's default when absent). */
  leaverAttentionAfterMs?: number;
  /** How far an app's clock may lag ours (origin.ts); default CLOCK_MARGIN_MS. */
  appClockMarginMs?: number;
  /** The worker's families (services/metrics/definitions.ts WORKER_METRICS); none when absent. */
  metrics?: MetricSet;
}

/** How often runStep heartbeats while a connector works; well inside the workflow's heartbeatTimeout. */
const HEARTBEAT_EVERY_MS = 5_000;

/** Builds the worker's activities from injected dependencies (no globals). */
export function createActivities(deps: ActivityDeps): Activities {
  const policy = deps.policy ?? developmentPolicy(deps.apps);
  const metrics = stepMetrics(deps.metrics);
  return {
    /** Computes what an event does to which app. Pure given its inputs and the loaded config. */
    async planEvent(input: PlanEventInput): Promise<EventPlan> {
      const planned = input.mode === 'reconcile' ? planFix({ ...input, policy }) : planWithPolicy({ ...input, policy });
      // A suspended person's events only remove access; the suspension itself and its restore plan their own.
      const suspended = input.suspended && input.mode !== 'suspend' && input.mode !== 'restore';
      const plan = suspended ? whileSuspended(planned, input.holdings ?? {}) : planned;
      if (input.mode === 'reconcile') return plan;
      return deps.leaverAttentionAfterMs !== undefined && plan.kind === 'leaver' ? { ...plan, attentionAfterMs: deps.leaverAttentionAfterMs } : plan;
    },

    /** The disable of an orphan account (no person workflow to ask), counted by the mass-change guard. */
    async planOrphanFix(input: OrphanFixInput): Promise<EventPlan> {
      return planOrphanFix({ ...input, policy });
    },

    /** When a future-dated hire should prepare which apps (their `preStart`); none in development. */
    async preStartSchedule(input: { event: JmlEvent }): Promise<PreStartSchedule> {
      return preStartSchedule({ policy, event: input.event });
    },

    /**
     * Counts a leaver or delete event against the mass-change guard. Without a guard store every
     * event is admitted (development without Redis).
     */
    async admitMassChange(input: { id: string; max: number; windowMs: number }): Promise<{ admitted: boolean; position: number }> {
      if (!deps.guard) return { admitted: true, position: 0 };
      const admission = await deps.guard.admit(input);
      if (!admission.admitted) metrics.guardHeld(input.id);
      return admission;
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
      if (!input.person && (step.operation === 'createAccount' || step.operation === 'updateAccount')) {
        throw ApplicationFailure.create({ type: 'invalid-request', message: `${step.operation} in app '${input.appId}' needs the person's HR truth, and none was given`, nonRetryable: true });
      }
      const request = {
        account: input.account,
        // Checked above for the operations that read it; the others never do.
        person: input.person as NonNullable<RunStepInput['person']>,
        attributes: step.attributes ?? {},
        enabled: step.enabled ?? true,
        entitlement: step.entitlement,
        before: step.before,
        ...(step.adopt !== undefined ? { adopt: step.adopt } : {}),
      };
      const audit = (fields: Pick<AuditRecord, 'outcome'> & Partial<AuditRecord>) =>
        deps.audit?.record({
          schema: 'jml.audit.v1',
          eventId: input.eventId,
          personKey: input.account.personKey,
          appId: input.appId,
          connector: app.connector.id,
          operation: step.operation,
          ...(step.qualifier ? { qualifier: step.qualifier } : {}),
          attempt: activity.info.attempt,
          workflowId: activity.info.workflowExecution?.workflowId ?? 'unknown',
          ...(activity.info.workflowExecution?.runId ? { runId: activity.info.workflowExecution.runId } : {}),
          at: new Date().toISOString(),
          ...fields,
        });

      // Timed from here: a rate-limit wait is part of what the step costs.
      const timed = metrics.step({ app: input.appId, operation: step.operation, attempt: activity.info.attempt });

      const canAdopt = typeof ops.releaseAccount === 'function';
      /**
       * The connector call. Two places where a lost answer could make an adopted account look like
       * one the pipeline created (origin.ts): a compensating delete checks the account's age first
       * and releases one that predates the create; a retried create that finds the account already
       * anchored says which it is (`origin`), so that the workflow records an adoption as one.
       */
      const act = async (): Promise<{ result: OperationResult; operation: PlannedStep['operation']; origin?: AccountOrigin }> => {
        if (step.operation === 'deleteAccount' && step.createdAfter !== undefined && canAdopt) {
          const read = ops.readAccount ? ((await ops.readAccount(ctx, request)) as unknown as ReadAccountResult) : undefined;
          const origin = read && !read.exists ? 'created' : accountOrigin(read?.createdAt, step.createdAfter, deps.appClockMarginMs);
          if (origin !== 'created') {
            log.warn({ origin }, 'undo of a create: the account is older than the create, so it was adopted: released, not deleted');
            return { result: await (ops.releaseAccount as NonNullable<typeof operation>)(ctx, request), operation: 'releaseAccount', origin };
          }
        }
        const result = await runWithUniqueValues({ app, ctx, operation: step.operation, request }, (resolved) => operation(ctx, resolved));
        if (step.operation !== 'createAccount' || result.outcome !== 'already-in-state' || activity.info.attempt === 1) return { result, operation: step.operation };
        // A connector that cannot adopt only finds accounts the pipeline made.
        return { result, operation: step.operation, origin: canAdopt ? accountOrigin(result.createdAt, activity.info.scheduledTimestampMs, deps.appClockMarginMs) : 'created' };
      };

      // Heartbeat while the connector works (see STEP_OPTIONS.heartbeatTimeout in workflows/jml-event.ts);
      // a connector error becomes a failure typed by its code, after it is logged and audited.
      // The rate-limit token is taken first: a long wait fails the attempt as rate-limited.
      const { result, operation: ran, origin } = await timed(async () => {
        if (app.rateLimit && deps.rateLimiter) await waitForToken(deps.rateLimiter, input.appId, app.rateLimit, deps.maxInlineWaitMs ?? 2_000);
        return activityBoundary(
          {
            heartbeatEveryMs: HEARTBEAT_EVERY_MS,
            onCodedError: async (err) => {
              if (!isConnectorError(err)) return;
              log.warn({ code: err.code, retryable: err.retryable, status: err.status }, 'step failed');
              await audit({ outcome: 'failed', errorCode: err.code, retryable: err.retryable });
            },
          },
          // A span per connector call (services/tracing/spans.ts), under the activity's.
          () => inSpan(connectorSpan({ appId: input.appId, connector: app.connector.id, operation: step.operation }), act),
        );
      });
      log.info({ outcome: result.outcome, ...(ran !== step.operation ? { ran } : {}), ...(origin ? { origin } : {}) }, 'step done');
      // Outcomes are audited by the workflow once they are in its history (recordAudit): written
      // here, a worker dying between the app's answer and this line would lose the record.
      return { ...result, appId: input.appId, operation: ran, attempt: activity.info.attempt, ...(origin ? { origin } : {}) };
    },

    /**
     * Waits for an event workflow's outcome: a person workflow that rolled over (continue-as-new)
     * while its child ran asks here instead of awaiting the child. A child that failed or was
     * terminated answers a non-retryable failure naming why.
     */
    async awaitEventOutcome(input: { workflowId: string }): Promise<EventOutcome> {
      const activity = Context.current();
      return activityBoundary({ heartbeatEveryMs: HEARTBEAT_EVERY_MS }, async () => {
        try {
          return (await activity.client.workflow.getHandle(input.workflowId).result()) as EventOutcome;
        } catch (err) {
          if (err instanceof WorkflowFailedError) {
            throw ApplicationFailure.create({ type: 'event-failed', message: `${input.workflowId}: ${err.message}`, nonRetryable: true });
          }
          throw err;
        }
      });
    },

    /**
     * Writes the audit records of steps whose outcomes the event workflow has recorded. Resolves once
     * Kafka acknowledged them; throws (and is retried) while it does not.
     */
    async recordAudit(input: RecordAuditInput): Promise<void> {
      for (const r of input.records) if (r.compensation && deps.apps.has(r.appId)) metrics.compensation(r.appId, r.outcome);
      if (!deps.audit) return;
      const sink = deps.audit;
      const runId = Context.current().info.workflowExecution?.runId;
      await Promise.all(
        input.records.map((r) =>
          sink.record({
            schema: 'jml.audit.v1',
            eventId: input.eventId,
            personKey: input.personKey,
            appId: r.appId,
            connector: deps.apps.get(r.appId)?.connector.id ?? 'unknown',
            operation: r.operation,
            ...(r.qualifier ? { qualifier: r.qualifier } : {}),
            outcome: r.outcome,
            ...(r.externalRef ? { externalRef: r.externalRef } : {}),
            attempt: r.attempt,
            ...(r.mayHaveAppliedEarlier ? { mayHaveAppliedEarlier: true } : {}),
            ...(r.compensation ? { compensation: true } : {}),
            ...(r.origin ? { origin: r.origin } : {}),
            workflowId: input.workflowId,
            ...(runId ? { runId } : {}),
            at: r.at,
          }),
        ),
      );
    },
  };
}

/**
 * Takes a token from the app's shared bucket. Short waits happen here (cancellable); a long one
 * fails the attempt as `rate-limited` with the wait as the next retry delay, so the activity slot is
 * not held and the retry does not count against the app's error budget in spirit.
 */
async function waitForToken(limiter: RateLimiter, appId: string, limit: RateLimit, maxInlineWaitMs: number): Promise<void> {
  for (;;) {
    const got = await limiter.acquire(appId, limit);
    if (got.ok) return;
    if (got.retryAfterMs > maxInlineWaitMs) {
      throw ApplicationFailure.create({ type: 'rate-limited', message: `rate limit of app '${appId}'`, nextRetryDelay: got.retryAfterMs });
    }
    await Context.current().sleep(got.retryAfterMs);
  }
}
