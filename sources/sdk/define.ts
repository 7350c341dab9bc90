import type { PollSummary } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import type { SecurityAction } from '../../schemas/security-action.v1';
import type { PollRequest } from './poll';
import type { SourceSettings } from './settings';

/**
 * The source contract: what an HR system (or any sender) must tell the pipeline so that the one
 * generic webhook route (services/gateway/source-route.ts) and the one generic poll activity
 * (services/pollers/activities.ts) can take its deliveries. A source is pure adapter code: it never
 * talks to Kafka, Redis or Temporal; the gateway and the pollers do, over this contract.
 *
 * A delivery goes through the steps in this order, each answered by the gateway as documented in
 * docs/writing-a-source.md: tenant lookup, media type, {@link WebhookContract.verify} (401), replay
 * memory, {@link WebhookContract.parse} (400 + DLQ), {@link WebhookContract.hydrate} (503 when the
 * vendor API is down), {@link WebhookContract.normalize} (400/403 + DLQ), edge dedupe and produce
 * (202, or 503 when Kafka does not acknowledge).
 */

/** Why a delivery is not authentic or not fresh; each is a gateway error code answered 401. */
export type SignatureFailure = 'signature-missing' | 'timestamp-invalid' | 'timestamp-out-of-window' | 'signature-invalid';

/** Why a verified delivery cannot become events; each is a gateway error code (4xx) and the DLQ record's code. */
export type DeliveryRejectCode = 'invalid-payload' | 'invalid-json' | 'invalid-event' | 'out-of-scope';

/** A delivery refused as a whole: recorded in the DLQ with `reason`; `details` also go in the 4xx answer. */
export interface DeliveryRejection {
  ok: false;
  code: DeliveryRejectCode;
  /** One line for the DLQ record; names fields and rules, never the values that were posted. */
  reason: string;
  details?: unknown;
}

export interface VerifyRequest {
  /** The tenant's signing keys (several during a rotation), or keys nobody knows for an unknown tenant. */
  keys: readonly string[];
  /**
   * A request header by its lowercase name; the first value when repeated. Only the headers the
   * source declares ({@link WebhookContract.signatureHeaders}) are answered, so what a dead letter
   * keeps is all a later verification of it can read.
   */
  header(name: string): string | undefined;
  /** The raw body: signatures are over these bytes, never over parsed JSON. */
  body: Buffer;
  nowMs: number;
  /** Accepted clock difference either way, in seconds. */
  toleranceSec: number;
}

/**
 * The verdict of {@link WebhookContract.verify}. An authentic delivery names what identifies it for
 * the replay memory (`replayParts`, the route is prepended by the gateway), its sender's delivery id
 * when the protocol has one, and which of `keys` signed it (indexes), for scope checks.
 */
export type VerifyResult =
  | { ok: false; failure: SignatureFailure }
  | { ok: true; replayParts: ReadonlyArray<string | Buffer>; deliveryId?: string; signers: readonly number[] };

export interface ParseRequest<Tenant> {
  tenant: string;
  config: Tenant;
  body: Buffer;
  /** The Content-Type header as sent; empty when absent. */
  contentType: string;
}

export type ParseResult<Payload> = { ok: true; payload: Payload } | DeliveryRejection;

export interface HydrateRequest<Tenant, Payload, Client> {
  tenant: string;
  config: Tenant;
  payload: Payload;
  /** The tenant's API client ({@link SourceDefinition.client}). */
  client: Client;
}

export interface NormalizeRequest<Tenant, Payload> {
  tenant: string;
  config: Tenant;
  /** The parsed payload, hydrated when the source hydrates. */
  payload: Payload;
  /** When the gateway received the delivery (ISO-8601 UTC); only for facts the payload lacks, never in event ids. */
  receivedAt: string;
  /** Indexes into the tenant's keys of the keys that signed ({@link VerifyResult}). */
  signers: readonly number[];
}

/** One item of a batch delivery that cannot become an event; the others are accepted. */
export interface RejectedItem {
  /** The item's id in the source (an employee id), for the DLQ reason `<id>: <reason>`. */
  id: string;
  reason: string;
}

/**
 * Events with ids that depend only on the delivery's business facts (a redelivery gives the same
 * ids), the items that could not become one, and warnings worth a log line.
 */
export type NormalizeResult =
  | {
      ok: true;
      events: JmlEvent[];
      /** Security actions (the canonical API's suspend and restore), for `jml.security.v1`. */
      actions?: SecurityAction[];
      rejected: RejectedItem[];
      warnings: string[];
    }
  | DeliveryRejection;

/** What the gateway knows once Kafka acknowledged a delivery's events. */
export interface AcceptedDelivery {
  events: readonly JmlEvent[];
  actions?: readonly SecurityAction[];
  /** Ids produced now. */
  accepted: readonly string[];
  /** Ids the edge had already accepted (not produced again). */
  duplicates: readonly string[];
  rejected: readonly RejectedItem[];
}

/** How a source takes deliveries over HTTP. */
export interface WebhookContract<Tenant, Parsed, Hydrated, Client> {
  /**
   * The route: `/webhooks/<id>/:tenant` for a source with tenants; a path without `:tenant` serves
   * the single tenant {@link SINGLE_TENANT}. Its metric and archive label is the path with the
   * tenant filled in, from configured values only.
   */
  path: string;
  /** Content types taken; anything else is answered 415 before the signature is checked. Any type the gateway parses when absent. */
  mediaType?: RegExp;
  /** Default signature window, in seconds either way. */
  toleranceSec: number;
  /** How keys are read, for the strength check: `utf8` bytes, or `standard-webhooks` (`whsec_<base64>`). */
  keyEncoding: 'utf8' | 'standard-webhooks';
  /** The tenant's signing keys; at least one, each of at least 24 bytes (checked when the route is built). */
  keysOf(config: Tenant): readonly string[];
  /**
   * The request headers `verify` reads (lowercase): signature, timestamp, delivery id. The gateway
   * keeps them with a dead letter so that it can be verified again when it is re-driven
   * (services/dlq/). Never a credential of ours (an `authorization`-like header is refused).
   */
  signatureHeaders: readonly string[];
  /** Checks authenticity and freshness on the raw bytes; never throws. Every key is tried in constant time. */
  verify(req: VerifyRequest): VerifyResult;
  /** The headers a sender sends with `body` at `nowMs` signed with `key` (tests, tools, docs). */
  sign(req: { key: string; body: Buffer | string; nowMs: number; deliveryId: string }): Record<string, string>;
  /** From the verified bytes to the payload; never throws. */
  parse(req: ParseRequest<Tenant>): ParseResult<Parsed>;
  /**
   * Completes the payload from the vendor's API. Items the API refuses for good become rejected
   * items in the result; a transient failure throws, and the gateway answers 503 so that the sender
   * redelivers (event ids are stable). Without it, `normalize` gets the parsed payload.
   */
  hydrate?(req: HydrateRequest<Tenant, Parsed, Client>): Promise<Hydrated>;
  /** Classifies and normalizes: payload to JmlEvents with deterministic ids. Pure; never throws. */
  normalize(req: NormalizeRequest<Tenant, Hydrated>): NormalizeResult;
  /** The 202 body of an accepted delivery. */
  answer(delivery: AcceptedDelivery): unknown;
  /** How rejected items are shown in answers and in the DLQ record's details; `{ id, reason }` when absent. */
  describeRejected?(items: readonly RejectedItem[]): unknown;
}

/**
 * How a source is reconciled by polling: the one poll activity (services/pollers/activities.ts)
 * runs `poll` for the tenant a poller workflow names (`poll/<id>/<tenant>`), with the tenant's
 * configuration and API client, the cursor the previous poll returned, and the runtime's ports
 * (poll.ts). The workflow keeps the cursor without reading it (schemas/contracts/poller.ts,
 * `PollCursor`, for the rules a cursor keeps).
 */
export interface PollContract<Tenant, Client> {
  /** Whether this tenant is polled (Workday: only with a RaaS report configured). */
  enabled(config: Tenant): boolean;
  /**
   * One poll: what changed since the cursor becomes events published through `ports.publisher`,
   * and the summary carries the next cursor. Reads its cursor with `readCursor` (a foreign one
   * fails as `cursor-invalid`); the first poll (no cursor) takes a baseline and publishes nothing.
   * Throws the source's API errors as they are (a retryable one retries the activity from the same
   * cursor) and `PollerError` (poll-error.ts) for the rest; a record that cannot become an event is
   * dead-lettered with `ports.publisher.reject` and the poll goes on.
   */
  poll(req: PollRequest<Tenant, Client>): Promise<PollSummary>;
  /**
   * The poll reads the published-state ledger (`ports.ledger`) to tell what is news; the runtime
   * then records every published event of this source in it, whichever path published it.
   */
  usesLedger?: boolean;
}

/** Golden fixtures and how the source conformance kit configures a tenant for them. */
export interface GoldenContract<Tenant, Client> {
  /** Folder of `<name>.body.(json|txt)`, `<name>.context.json` and `<name>.expected.json` files. */
  dir: string;
  /** A tenant configuration signed with `key`, for a fixture's context. */
  tenant(req: { key: string; context: GoldenContext }): Tenant;
  /** The API client the fixture's context describes (what the vendor API answers), when the source hydrates. */
  client?(context: GoldenContext): Client;
  /** Why a fixture cannot go through the webhook route (it needs state the gateway does not keep); undefined when it can. */
  skip?(context: GoldenContext): string | undefined;
}

/** A fixture's `<name>.context.json`: these fields, and whatever else its source reads. */
export interface GoldenContext {
  contentType: string;
  /** The tenant the delivery is for ({@link SINGLE_TENANT} for a source without tenants). */
  tenant?: string;
  /** When the delivery arrives (ISO-8601); the kit sets the gateway's clock to it. */
  receivedAt?: string;
  readonly [field: string]: unknown;
}

/** The tenant name of a source whose path has no `:tenant` (the canonical API). */
export const SINGLE_TENANT = 'default';

/**
 * One source. `Tenant` is a tenant's resolved configuration, `Parsed`/`Hydrated` the payload before
 * and after hydration, `Client` the vendor API client (hydration and polling).
 */
export interface SourceDefinition<Tenant = unknown, Parsed = unknown, Hydrated = Parsed, Client = never> {
  /** Lowercase id: the route segment, the event `source` segment (`/hr/<id>/<tenant>`), the registry key. */
  id: string;
  /** The vendor's name in messages (`BambooHR tenant acme: …`). */
  title: string;
  /** Environment variables the source reads and how they become its tenants (services/config.ts composes them). */
  settings: SourceSettings<Tenant>;
  webhook: WebhookContract<Tenant, Parsed, Hydrated, Client>;
  /** The tenant's vendor API client; sources without an API leave it out. */
  client?(config: Tenant): Client | undefined;
  poll?: PollContract<Tenant, Client>;
  golden: GoldenContract<Tenant, Client>;
}

/** A source of any type, as the registry and the generic route hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySource = SourceDefinition<any, any, any, any>;

/**
 * Declares a source; throws, listing every problem at once, when the definition cannot work (a bad
 * id, a path that does not fit it). The type ties parse, hydrate and normalize together.
 */
export function defineSource<Tenant, Parsed, Hydrated = Parsed, Client = never>(
  def: SourceDefinition<Tenant, Parsed, Hydrated, Client>,
): SourceDefinition<Tenant, Parsed, Hydrated, Client> {
  const problems = sourceProblems(def as AnySource);
  if (problems.length > 0) throw new Error(`source '${def.id}' is not valid:\n  - ${problems.join('\n  - ')}`);
  return Object.freeze(def);
}

export function sourceProblems(def: AnySource): string[] {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(def.id)) problems.push(`id '${def.id}' must be lowercase letters, digits and dashes`);
  const { path } = def.webhook;
  if (path.includes(':tenant') && path !== `/webhooks/${def.id}/:tenant`) problems.push(`path '${path}' must be /webhooks/${def.id}/:tenant`);
  if (!path.startsWith('/')) problems.push(`path '${path}' must start with /`);
  if (!(def.webhook.toleranceSec > 0)) problems.push('webhook.toleranceSec must be positive');
  if (def.webhook.hydrate && !def.client) problems.push('webhook.hydrate needs client()');
  if (def.poll && !def.client) problems.push('poll needs client()');
  const headers = def.webhook.signatureHeaders;
  if (headers.length === 0) problems.push('webhook.signatureHeaders must name the headers verify reads');
  for (const name of headers) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) problems.push(`signature header '${name}' must be a lowercase header name`);
    if (CREDENTIAL_HEADERS.has(name)) problems.push(`signature header '${name}' carries credentials; a dead letter must never keep it`);
  }
  if (!/^JML_[A-Z0-9_]+$/.test(def.settings.tenantsVariable ?? 'JML_X')) problems.push(`settings.tenantsVariable must be JML_<NAME>`);
  return problems;
}

/** Headers that carry credentials rather than a signature: never kept with a dead letter. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

/** The route label of a delivery: the path with the tenant filled in. */
export function routeOf(source: Pick<AnySource, 'webhook'>, tenant: string): string {
  return source.webhook.path.replace(':tenant', tenant);
}
