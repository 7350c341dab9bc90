import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { BambooHrCursor, PollRequest, PollSummary, WorkdayCursor } from '../../workflows/poller-contracts';
import type { BambooHrTenantConfig, WorkdayTenantConfig } from '../config';
import { bambooHrSource } from '../../sources/bamboohr';
import type { BambooHrClient } from '../../sources/bamboohr/api-client';
import { isSourceApiError } from '../../sources/sdk/api-error';
import { workdaySource } from '../../sources/workday';
import type { RaasClient } from '../../sources/workday/raas';
import { pollBambooHrOnce } from './bamboohr';
import { isPollerError } from './errors';
import { pollTargets } from './poll-target';
import type { PublishedState } from './published-state';
import type { PollPublisher } from './publish';
import type { SnapshotStore } from './snapshot-store';
import { pollWorkdayOnce } from './workday';

export interface PollerActivityDeps {
  bamboohr: Readonly<Record<string, BambooHrTenantConfig>>;
  workday: Readonly<Record<string, WorkdayTenantConfig>>;
  publisher: PollPublisher;
  /** The published-state ledger (BambooHR); without it every observed change is published. */
  ledger?: PublishedState;
  snapshots: SnapshotStore;
  log: Logger;
  now?: () => number;
  /** Prefix of Workday snapshot keys in Redis (tests use their own). */
  snapshotKeyPrefix?: string;
  /** How often a running poll heartbeats on its own (default 10 s). */
  heartbeatEveryMs?: number;
  /** Client factories (tests may wrap them); default: the real clients from the tenant config. */
  bambooHrClientFor?: (tenant: string, config: BambooHrTenantConfig) => BambooHrClient;
  raasClientFor?: (tenant: string, raas: NonNullable<WorkdayTenantConfig['raas']>) => RaasClient;
}

/**
 * The poll activities of the reconciliation pollers (workflows/poller.ts), built from injected
 * dependencies. Each runs one poll of one tenant and returns the next cursor. Failures become
 * Temporal failures typed by their code (source API codes such as `transient`, `rate-limited`,
 * `auth`; poller codes in errors.ts), with `nextRetryDelay` from a vendor's Retry-After.
 */
export function createPollerActivities(deps: PollerActivityDeps) {
  const now = deps.now ?? Date.now;
  const bambooHrTargets = pollTargets(bambooHrSource, deps.bamboohr, deps.bambooHrClientFor);
  const raasClientFor = deps.raasClientFor;
  const workdayTargets = pollTargets(workdaySource, deps.workday, raasClientFor && ((tenant, config) => (config.raas ? raasClientFor(tenant, config.raas) : undefined)));
  const log = deps.log.child({ component: 'pollers' });

  return {
    /** One BambooHR poll (see services/pollers/bamboohr.ts). */
    async pollBambooHr(req: PollRequest<BambooHrCursor>): Promise<PollSummary<BambooHrCursor>> {
      const { config, client: c } = target(bambooHrTargets, req.tenant);
      return withHeartbeats(deps.heartbeatEveryMs, (heartbeat) =>
        pollBambooHrOnce(
          {
            tenant: req.tenant,
            client: c,
            ...(config.timeZone ? { timeZone: config.timeZone } : {}),
            ...(deps.ledger ? { ledger: deps.ledger } : {}),
            publisher: deps.publisher,
            log,
            now,
            heartbeat,
          },
          req.cursor,
        ),
      );
    },

    /** One Workday RaaS poll (see services/pollers/workday.ts). */
    async pollWorkday(req: PollRequest<WorkdayCursor>): Promise<PollSummary<WorkdayCursor>> {
      const { config, client: c } = target(workdayTargets, req.tenant);
      const raas = config.raas as NonNullable<WorkdayTenantConfig['raas']>; // polled only with a report (workdaySource.poll)
      return withHeartbeats(deps.heartbeatEveryMs, () =>
        pollWorkdayOnce(
          {
            tenant: req.tenant,
            client: c,
            ...(raas.prompts ? { prompts: raas.prompts } : {}),
            defaultTimeZone: config.defaultTimeZone,
            snapshots: deps.snapshots,
            ...(deps.snapshotKeyPrefix ? { keyPrefix: deps.snapshotKeyPrefix } : {}),
            publisher: deps.publisher,
            log,
            now,
          },
          req.cursor,
        ),
      );
    },
  };
}

export type PollerActivities = ReturnType<typeof createPollerActivities>;

/** The poll target of a tenant; a tenant this worker does not poll fails the activity for good. */
function target<T>(targets: (tenant: string) => T, tenant: string): T {
  try {
    return targets(tenant);
  } catch (err) {
    throw toFailure(err);
  }
}

/**
 * Runs `fn` in the current activity, heartbeating every `everyMs` (so a slow report download
 * is not mistaken for a lost worker) and whenever `fn` reports progress; maps errors to failures.
 */
async function withHeartbeats<T>(everyMs: number | undefined, fn: (heartbeat: (details: unknown) => void) => Promise<T>): Promise<T> {
  const activity = Context.current();
  const beat = (details?: unknown) => activity.heartbeat(details);
  const timer = setInterval(() => beat(), everyMs ?? 10_000);
  try {
    return await fn(beat);
  } catch (err) {
    throw toFailure(err);
  } finally {
    clearInterval(timer);
  }
}

/** Coded errors become Temporal failures with that code as `type`; anything else is rethrown (retryable). */
export function toFailure(err: unknown): unknown {
  if (isPollerError(err) || isSourceApiError(err, 'BambooHrApiError') || isSourceApiError(err, 'WorkdayApiError')) {
    const retryAfterMs = 'retryAfterMs' in err ? err.retryAfterMs : undefined;
    return ApplicationFailure.create({
      type: err.code,
      message: err.message,
      nonRetryable: !err.retryable,
      ...(retryAfterMs !== undefined ? { nextRetryDelay: retryAfterMs } : {}),
      details: [err.context],
      cause: err,
    });
  }
  return err;
}
