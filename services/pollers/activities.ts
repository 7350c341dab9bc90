import type { Logger } from 'pino';
import type { BambooHrCursor, PollerActivities, PollRequest, PollSummary, WorkdayCursor } from '../../schemas/contracts';
import { activityBoundary, toActivityFailure } from '../activity-boundary';
import type { BambooHrTenantConfig, WorkdayTenantConfig } from '../config';
import { bambooHrSource } from '../../sources/bamboohr';
import type { BambooHrClient } from '../../sources/bamboohr/api-client';
import { workdaySource } from '../../sources/workday';
import type { RaasClient } from '../../sources/workday/raas';
import { pollBambooHrOnce } from './bamboohr';
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
export function createPollerActivities(deps: PollerActivityDeps): PollerActivities {
  const now = deps.now ?? Date.now;
  const bambooHrTargets = pollTargets(bambooHrSource, deps.bamboohr, deps.bambooHrClientFor);
  const raasClientFor = deps.raasClientFor;
  const workdayTargets = pollTargets(workdaySource, deps.workday, raasClientFor && ((tenant, config) => (config.raas ? raasClientFor(tenant, config.raas) : undefined)));
  const log = deps.log.child({ component: 'pollers' });
  // A slow report download must not be mistaken for a lost worker.
  const heartbeatEveryMs = deps.heartbeatEveryMs ?? 10_000;

  return {
    /** One BambooHR poll (see services/pollers/bamboohr.ts). */
    async pollBambooHr(req: PollRequest<BambooHrCursor>): Promise<PollSummary<BambooHrCursor>> {
      const { config, client: c } = target(bambooHrTargets, req.tenant);
      return activityBoundary({ heartbeatEveryMs }, (heartbeat) =>
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
      return activityBoundary({ heartbeatEveryMs }, () =>
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

/** The poll target of a tenant; a tenant this worker does not poll fails the activity for good. */
function target<T>(targets: (tenant: string) => T, tenant: string): T {
  try {
    return targets(tenant);
  } catch (err) {
    throw toActivityFailure(err);
  }
}
