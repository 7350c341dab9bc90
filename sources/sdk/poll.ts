import type { Logger } from 'pino';
import type { z } from 'zod';
import type { PollCursor } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { PollerError } from './poll-error';
import type { PublishedStateReader } from './published-state';

/**
 * The poll side of the source contract ({@link PollContract} in define.ts): what one poll of one
 * tenant is given. A source's poll is adapter code like its webhook: it asks the vendor what
 * changed and decides the events; everything that touches Kafka, Redis or Temporal reaches it
 * through {@link PollPorts}, which the poll activity (services/pollers/activities.ts) implements.
 */

export interface PollRequest<Tenant, Client> {
  tenant: string;
  /** The tenant's resolved configuration (the source's settings). */
  config: Tenant;
  /** The tenant's API client (the definition's `client(config)`), made once per tenant and worker. */
  client: Client;
  /**
   * What this source's previous poll returned, as the workflow kept it; absent on the first poll.
   * Not checked by anyone else: read it with {@link readCursor}.
   */
  cursor?: PollCursor;
  ports: PollPorts;
}

/** What a poll may use of the runtime; each is implemented in services/pollers/. */
export interface PollPorts {
  publisher: PollPublisher;
  /** The published-state ledger; absent when the runtime has none, and then every observed change is published. */
  ledger?: PublishedStateReader;
  /** Large poll state (a baseline snapshot) that does not belong in workflow history. */
  snapshots: SnapshotStore;
  /** Prefix of the keys a poll names in `snapshots` (`jml:poll:v1`; tests use their own). */
  keyPrefix: string;
  /** Tells Temporal the poll is alive, with progress details; the activity also beats on a timer. */
  heartbeat(details?: unknown): void;
  /** Bound to the pollers' component; add the source and tenant with `child`. */
  log: Logger;
  /** The activity's clock, epoch ms. */
  now(): number;
}

/**
 * How a poll hands its events to Kafka: exactly the gateway's path (services/gateway/ingest.ts),
 * so poll events get the same topic, key (`subject`), headers, edge dedupe by id, size cap and a
 * record in `hr.webhooks.raw.v1` (here: what the poll observed, under its route).
 */
export interface PollPublisher {
  /** Resolves once Kafka acknowledged; throws {@link PollerError} `kafka-unavailable` otherwise. */
  publish(req: PublishRequest): Promise<PublishResult>;
  /** Records an observation that could not become an event in `jml.events.dlq.v1`. */
  reject(req: RejectRequest): Promise<void>;
}

export interface PublishRequest {
  /** `/pollers/<source>/<tenant>` ({@link pollRoute}). */
  route: string;
  /** What the poll saw (ids, actions, times; no field values), archived as the "delivery". */
  observation: unknown;
  events: readonly JmlEvent[];
}

export interface PublishResult {
  accepted: string[];
  duplicates: string[];
}

export interface RejectRequest {
  route: string;
  observation: unknown;
  reason: string;
}

/**
 * Where a poll keeps snapshots between polls: a large workforce's snapshot is megabytes, far beyond
 * what belongs in workflow history, so the cursor holds only the key. Keys are written once per
 * content and never overwritten with other content, so a retried poll may write the same key again
 * harmlessly. Snapshots belong to a `series` (one per source tenant); the store remembers every key
 * it wrote in a series, so that a poll can delete what no cursor can name any more (`prune`).
 * Every failure is {@link PollerError} `snapshot-store-unavailable`.
 */
export interface SnapshotStore {
  /** Stores `snapshot` (JSON-serialisable) under `key` as a member of `series`. */
  put(req: { key: string; snapshot: unknown; series: string }): Promise<void>;
  /** What `put` stored, or `undefined` when it expired or was lost. Renews its expiry. */
  get(key: string): Promise<unknown>;
  /** Renews the expiry without reading; false when the key is gone. */
  touch(key: string): Promise<boolean>;
  /** Deletes every snapshot of `series` except those in `keep`; resolves to how many it deleted. */
  prune(req: { series: string; keep: readonly string[] }): Promise<number>;
}

/** The route a poll's events, archive records and dead letters are labelled with. */
export function pollRoute(source: string, tenant: string): string {
  return `/pollers/${source}/${tenant}`;
}

/**
 * The cursor a poll was given, checked against the shape its source writes (`schema`); undefined
 * on the first poll. Throws {@link PollerError} `cursor-invalid` (not retryable) for anything else,
 * naming the offending paths, never the values: retrying the same cursor cannot help, and reading a
 * foreign cursor as if it were ours could skip or republish changes.
 */
export function readCursor<C>(source: string, schema: z.ZodType<C>, cursor: PollCursor | undefined): C | undefined {
  if (cursor === undefined) return undefined;
  const parsed = schema.safeParse(cursor);
  if (parsed.success) return parsed.data;
  const paths = [...new Set(parsed.error.issues.map((i) => i.path.map(String).join('.') || '(cursor)'))].join(', ');
  throw new PollerError({ code: 'cursor-invalid', message: `the cursor is not one the ${source} poll writes (${paths})`, context: { source } });
}
