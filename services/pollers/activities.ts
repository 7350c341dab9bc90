import type { Logger } from 'pino';
import type { PollerActivities, PollSourceRequest, PollSummary } from '../../schemas/contracts';
import { SOURCES, type ClientOf, type SourceId, type TenantOf } from '../../sources/registry';
import type { AnySource } from '../../sources/sdk/define';
import type { PollPorts, PollPublisher, SnapshotStore } from '../../sources/sdk/poll';
import { PollerError } from '../../sources/sdk/poll-error';
import { activityBoundary, toActivityFailure } from '../activity-boundary';
import { pollTargets, type PollTarget } from './poll-target';
import type { PublishedState } from './published-state';
import type { MetricSet } from '../metrics';

/** API client factories by source id, for tests that wrap the real clients; typed by each registered source. */
export type ClientFactories = { readonly [K in SourceId]?: (tenant: string, config: TenantOf<(typeof SOURCES)[K]>) => ClientOf<(typeof SOURCES)[K]> | undefined };

export interface PollerActivityDeps {
  /** Each source's tenants by source id (`config.sources.<id>.tenants`); a source absent here polls no tenant. */
  tenants: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  publisher: PollPublisher;
  /** The published-state ledger; without it every observed change is published. */
  ledger?: PublishedState;
  snapshots: SnapshotStore;
  log: Logger;
  now?: () => number;
  /** Prefix of the keys polls name in the snapshot store (default `jml:poll:v1`; tests use their own). */
  snapshotKeyPrefix?: string;
  /** How often a running poll heartbeats on its own (default 10 s). */
  heartbeatEveryMs?: number;
  /** Client factories (tests may wrap them); default: the source's `client(config)`. */
  clientFor?: ClientFactories;
  /** The sources that may be polled; default: the registry (sources/registry.ts). */
  sources?: Readonly<Record<string, AnySource>>;
  /** The poll families (services/metrics/definitions.ts POLLER_METRICS); none when absent. */
  metrics?: MetricSet;
}

/**
 * The one poll activity of the reconciliation pollers (workflows/poller.ts), built from injected
 * dependencies: `pollSource` looks the source up in the registry, resolves the tenant through its
 * poll contract (poll-target.ts) and runs the source's `poll` with the runtime's ports, returning
 * the next cursor. Failures become Temporal failures typed by their code (source API codes such as
 * `transient`, `rate-limited`, `auth`; poller codes in sources/sdk/poll-error.ts), with
 * `nextRetryDelay` from a vendor's Retry-After.
 */
export function createPollerActivities(deps: PollerActivityDeps): PollerActivities {
  const sources: Readonly<Record<string, AnySource>> = deps.sources ?? SOURCES;
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: 'pollers' });
  // A slow report download must not be mistaken for a lost worker.
  const heartbeatEveryMs = deps.heartbeatEveryMs ?? 10_000;
  const keyPrefix = deps.snapshotKeyPrefix ?? 'jml:poll:v1';
  const clientFor = (deps.clientFor ?? {}) as Readonly<Record<string, (tenant: string, config: unknown) => unknown>>;
  // One tenant lookup (and API client per tenant) per source, made at its first poll.
  const targets = new Map<string, (tenant: string) => PollTarget<unknown, unknown>>();

  /** The source and tenant a poll runs against; one this worker does not poll fails the activity for good. */
  function resolve(req: PollSourceRequest): { source: AnySource & { poll: NonNullable<AnySource['poll']> }; target: PollTarget<unknown, unknown> } {
    try {
      const source = Object.hasOwn(sources, req.source) ? sources[req.source] : undefined;
      if (!source?.poll) {
        throw new PollerError({ code: 'tenant-unknown', message: `no source '${req.source}' that polls is registered on this worker`, context: { source: req.source, tenant: req.tenant } });
      }
      let lookup = targets.get(source.id);
      if (!lookup) targets.set(source.id, (lookup = pollTargets(source, deps.tenants[source.id] ?? {}, clientFor[source.id])));
      return { source: source as AnySource & { poll: NonNullable<AnySource['poll']> }, target: lookup(req.tenant) };
    } catch (err) {
      throw toActivityFailure(err);
    }
  }

  return {
    /** One poll of one source tenant (the source's `poll`, e.g. sources/bamboohr/poll.ts). */
    async pollSource(req: PollSourceRequest): Promise<PollSummary> {
      const { source, target } = resolve(req);
      // Labelled only once resolve() found the source and tenant in the configuration.
      const labels = { source: source.id, tenant: req.tenant };
      try {
        const summary = await activityBoundary({ heartbeatEveryMs }, (heartbeat) => {
          const ports: PollPorts = { publisher: deps.publisher, ...(deps.ledger ? { ledger: deps.ledger } : {}), snapshots: deps.snapshots, keyPrefix, heartbeat, log, now };
          return source.poll.poll({ tenant: req.tenant, config: target.config, client: target.client, ...(req.cursor !== undefined ? { cursor: req.cursor } : {}), ports });
        });
        deps.metrics?.set('jml_poller_last_success_timestamp_seconds', labels, now() / 1000);
        deps.metrics?.inc('jml_poller_changes_total', labels, summary.observed);
        deps.metrics?.inc('jml_poller_events_produced_total', labels, summary.produced);
        return summary;
      } catch (err) {
        const type = (err as { type?: unknown }).type;
        deps.metrics?.inc('jml_poller_errors_total', { ...labels, code: typeof type === 'string' && /^[a-z][a-z-]{0,40}$/.test(type) ? type : 'other' });
        throw err;
      }
    },
  };
}
