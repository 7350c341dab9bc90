import type { Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { canonicalSource } from '../../sources/canonical';
import { SOURCES, type SourceId } from '../../sources/registry';
import { routeOf, SINGLE_TENANT, type AnySource, type DeliveryRejectCode, type RejectedItem, type SignatureFailure, type SourceDefinition } from '../../sources/sdk/define';
import { TenantName } from '../../sources/sdk/settings';
import { decoyKeys, tenantKeysOrDecoy, tenantOf } from '../../sources/sdk/tenants';
import { hmacKeyProblem } from '../secrets';
import { sendError } from './errors';
import { ingest, type IngestDeps } from './ingest';
import { recordRejection } from './reject';
import { deliveryKey, replayTtlSeconds, type ReplayGuard } from './replay-guard';
import type { UnknownTenantLetter, UnknownTenantLetters } from './unknown-tenant';
import { inSpan, webhookSpan } from '../tracing/spans';

/** What every source route gets from the gateway: the ingest path, the replay memory, and where deliveries for unknown tenants are recorded. */
export interface RouteDeps extends IngestDeps {
  replays: ReplayGuard;
  /** Without it, deliveries for an unknown tenant are only answered (tests of other concerns). */
  unknownTenants?: UnknownTenantLetters;
}

/** A route the gateway registers: {@link sourceRoute} of a source, or a test's own. */
export type GatewayRoute = (app: FastifyInstance, deps: RouteDeps) => void;

export interface SourceRouteOptions<Tenant, Client> {
  /** Configured tenants by name; for a source without `:tenant` in its path, the one tenant {@link SINGLE_TENANT}. */
  tenants: Readonly<Record<string, Tenant>>;
  /** Signature window in seconds either way; the source's default when absent. */
  toleranceSec?: number;
  /** The tenant's API client (tests point it at a fake); the source's `client()` when absent. Made once per tenant. */
  clientFor?: (tenant: string, config: Tenant) => Client;
}

/** A delivery to verify and handle: from an HTTP request, or a dead letter being re-driven (services/dlq/). */
export interface DeliveryRequest {
  tenant: string;
  /** The raw body: signatures are over these bytes. */
  body: Buffer;
  /** The Content-Type as sent; empty when absent. */
  contentType: string;
  /** A request header by its lowercase name, the first value when repeated. */
  header(name: string): string | undefined;
  /** When it arrived: the clock its signed timestamp is checked against, and normalize's `receivedAt`. */
  receivedAtMs: number;
}

/** A delivery that passed verification, with what the next steps need. */
export interface VerifiedDelivery {
  tenant: string;
  route: string;
  body: Buffer;
  contentType: string;
  receivedAtMs: number;
  deliveryId?: string;
  signers: readonly number[];
  /** The declared signature headers as received, kept with any dead letter of it. */
  deliveryHeaders: Readonly<Record<string, string>>;
  /** The replay memory's key and how long it holds the answer. */
  replay: { key: string; ttlSeconds: number };
}

export type Verification = { ok: true; delivery: VerifiedDelivery } | { ok: false; failure: SignatureFailure; tenantConfigured: boolean };

/** What became of a verified delivery; every 4xx is in the DLQ before it is returned. */
export type DeliveryOutcome =
  | { status: 'accepted'; answer: unknown; events: readonly JmlEvent[]; accepted: readonly string[]; duplicates: readonly string[]; rejected: readonly RejectedItem[] }
  | { status: 'rejected'; code: DeliveryRejectCode; reason: string; details?: unknown }
  | { status: 'unavailable'; code: 'kafka-unavailable' | 'hr-api-unavailable' };

/**
 * One source's delivery path with its configured tenants, shared by the webhook route and the
 * re-drive of dead letters, so that a re-driven delivery is verified and normalized exactly as a live one.
 */
export interface SourceDelivery {
  readonly source: AnySource;
  /** The route label of a tenant's deliveries. */
  routeOf(tenant: string): string;
  /** The tenant a route label names when it is one of this source's routes, else undefined. */
  tenantOfRoute(route: string): string | undefined;
  /** Whether the source takes this media type (else 415, before the signature). */
  takes(contentType: string): boolean;
  /**
   * Checks authenticity and freshness with the tenant's keys at `receivedAtMs`; a tenant that is not
   * configured is checked against keys nobody knows, so it fails exactly as a wrong signature does.
   * The source's verify reads only its declared signature headers.
   */
  verify(req: DeliveryRequest): Verification;
  /** The dead letter of a delivery for a tenant that is not configured; undefined when the name could never be one (./unknown-tenant.ts). */
  unknownTenantLetter(req: DeliveryRequest): UnknownTenantLetter | undefined;
  /**
   * Parses, hydrates, normalizes and ingests a verified delivery. A refusal is recorded in the DLQ
   * first (`unavailable` when Kafka did not take it); throws what ingest throws (`GatewayRefusal`).
   */
  process(deps: IngestDeps, delivery: VerifiedDelivery): Promise<DeliveryOutcome>;
}

/**
 * The delivery path of `source` (see {@link sourceRoute} for the order of the steps). Throws when a
 * tenant has no key or a key under 24 bytes: deliveries signed with a guessable key are never taken
 * (config.ts refuses the same at load; this guards routes built by tests and tools).
 */
export function sourceDelivery<Tenant, Parsed, Hydrated, Client>(
  source: SourceDefinition<Tenant, Parsed, Hydrated, Client>,
  opts: SourceRouteOptions<Tenant, Client>,
): SourceDelivery {
  const { webhook } = source;
  const toleranceSec = opts.toleranceSec ?? webhook.toleranceSec;
  assertTenantKeys(source, opts.tenants);
  const decoy = decoyKeys();
  const declared = new Set(webhook.signatureHeaders);
  const describe = webhook.describeRejected ?? ((items: readonly RejectedItem[]) => items);
  const clients = new Map<string, Client>();
  const clientOf = (tenant: string, config: Tenant): Client => {
    let client = clients.get(tenant);
    if (client === undefined) {
      client = opts.clientFor?.(tenant, config) ?? source.client?.(config);
      if (client === undefined) throw new Error(`${source.title} tenant ${tenant} has no API client`);
      clients.set(tenant, client);
    }
    return client;
  };
  const [pathHead, pathTail] = webhook.path.includes(':tenant') ? webhook.path.split(':tenant') : [undefined, undefined];
  const signatureHeaders = (req: DeliveryRequest): Record<string, string> => {
    const kept: Record<string, string> = {};
    for (const name of webhook.signatureHeaders) {
      const value = req.header(name);
      if (value !== undefined) kept[name] = value;
    }
    return kept;
  };

  return {
    source: source as AnySource,
    routeOf: (tenant) => routeOf(source, tenant),
    tenantOfRoute(route) {
      if (pathHead === undefined || pathTail === undefined) return route === webhook.path ? SINGLE_TENANT : undefined;
      if (!route.startsWith(pathHead) || !route.endsWith(pathTail) || route.length <= pathHead.length + pathTail.length) return undefined;
      const tenant = route.slice(pathHead.length, route.length - pathTail.length);
      return tenant.includes('/') ? undefined : tenant;
    },
    takes: (contentType) => !webhook.mediaType || webhook.mediaType.test(contentType),
    verify(req) {
      const { config, keys } = tenantKeysOrDecoy(opts.tenants, req.tenant, (c) => webhook.keysOf(c), decoy);
      const header = (name: string) => (declared.has(name) ? req.header(name) : undefined);
      const verdict = webhook.verify({ keys, header, body: req.body, nowMs: req.receivedAtMs, toleranceSec });
      if (!verdict.ok) return { ok: false, failure: verdict.failure, tenantConfigured: config !== undefined };
      // Not reached: no delivery is signed with a decoy key.
      if (config === undefined) return { ok: false, failure: 'signature-invalid', tenantConfigured: false };
      const route = routeOf(source, req.tenant);
      return {
        ok: true,
        delivery: {
          tenant: req.tenant,
          route,
          body: req.body,
          contentType: req.contentType,
          receivedAtMs: req.receivedAtMs,
          ...(verdict.deliveryId ? { deliveryId: verdict.deliveryId } : {}),
          signers: verdict.signers,
          deliveryHeaders: signatureHeaders(req),
          replay: { key: deliveryKey([route, ...verdict.replayParts]), ttlSeconds: replayTtlSeconds(toleranceSec) },
        },
      };
    },
    unknownTenantLetter(req) {
      if (!TenantName.safeParse(req.tenant).success || tenantOf(opts.tenants, req.tenant) !== undefined) return undefined;
      return {
        route: routeOf(source, req.tenant),
        reason: `${source.title} has no tenant '${req.tenant}' configured; the delivery could not be verified (re-drive it once the tenant is configured)`,
        body: req.body,
        deliveryHeaders: signatureHeaders(req),
        contentType: req.contentType,
        receivedAtMs: req.receivedAtMs,
      };
    },
    async process(deps, delivery) {
      const { tenant, body, contentType } = delivery;
      const config = tenantOf(opts.tenants, tenant) as Tenant;
      const letter = {
        route: delivery.route,
        body,
        contentType,
        deliveryHeaders: delivery.deliveryHeaders,
        receivedAtMs: delivery.receivedAtMs,
        ...(delivery.deliveryId ? { deliveryId: delivery.deliveryId } : {}),
      };
      const refuse = async (code: DeliveryRejectCode, reason: string, details: unknown): Promise<DeliveryOutcome> =>
        (await recordRejection(deps, { ...letter, code, reason }))
          ? { status: 'rejected', code, reason, ...(details === undefined ? {} : { details }) }
          : { status: 'unavailable', code: 'kafka-unavailable' };

      const parsed = webhook.parse({ tenant, config, body, contentType });
      if (!parsed.ok) return refuse(parsed.code, parsed.reason, parsed.details);
      let payload: Hydrated;
      if (webhook.hydrate) {
        try {
          payload = await webhook.hydrate({ tenant, config, payload: parsed.payload, client: clientOf(tenant, config) });
        } catch (err) {
          deps.log.warn({ tenant, err: (err as Error).message }, `${source.title} API unavailable while hydrating`);
          return { status: 'unavailable', code: 'hr-api-unavailable' };
        }
      } else {
        // Without hydration the contract hands the parsed payload to normalize as is.
        payload = parsed.payload as unknown as Hydrated;
      }
      const receivedAt = new Date(delivery.receivedAtMs).toISOString();
      const normalized = webhook.normalize({ tenant, config, payload, receivedAt, signers: delivery.signers });
      if (!normalized.ok) return refuse(normalized.code, normalized.reason, normalized.details);
      const { events, rejected, warnings } = normalized;
      const actions = normalized.actions ?? [];
      if (warnings.length > 0) deps.log.warn({ tenant, eventIds: events.map((e) => e.id), warnings }, `${source.id} event accepted with warnings`);
      if (rejected.length > 0) {
        const reason = rejected.map((r) => `${r.id}: ${r.reason}`).join('; ');
        if (events.length === 0 && actions.length === 0) return refuse('invalid-payload', reason, describe(rejected));
        // Some items of this delivery are unusable: record them, accept the rest.
        if (!(await recordRejection(deps, { ...letter, code: 'invalid-payload', reason }))) return { status: 'unavailable', code: 'kafka-unavailable' };
      }
      const result = await ingest(deps, letter, events, actions);
      if (result.status === 'kafka-unavailable') return { status: 'unavailable', code: 'kafka-unavailable' };
      const answer = webhook.answer({ events, ...(actions.length > 0 ? { actions } : {}), accepted: result.accepted, duplicates: result.duplicates, rejected });
      return { status: 'accepted', answer, events, accepted: result.accepted, duplicates: result.duplicates, rejected };
    },
  };
}

/**
 * The one webhook route, for any source (sources/sdk/define.ts), at the source's path. In order:
 * 415 for a media type the source does not take; the tenant looked up once (an unknown tenant is
 * checked against keys nobody knows, so it is answered exactly as a wrong signature is and the
 * answers do not tell which tenants exist; one whose signature could be right is recorded in the
 * DLQ in the background, within caps: ./unknown-tenant.ts); 401 for a delivery that is not
 * authentic or not fresh (counted by code only); a replay of a handled delivery answered from
 * memory; the body parsed (4xx once the reason is in the DLQ); hydrated from the vendor's API (503
 * when it is down, so the sender redelivers); normalized (a delivery none of whose items becomes an
 * event is rejected whole, otherwise unusable items are dead-lettered and the rest accepted); then
 * edge dedupe and one produce (202 with the source's answer, 503 when Kafka does not acknowledge).
 * Every dead letter keeps the source's signature headers, so it can be verified again (services/dlq/).
 *
 * Throws as {@link sourceDelivery} does for a tenant without a key or with a weak one.
 */
export function sourceRoute<Tenant, Parsed, Hydrated, Client>(
  source: SourceDefinition<Tenant, Parsed, Hydrated, Client>,
  opts: SourceRouteOptions<Tenant, Client>,
): GatewayRoute {
  const path = sourceDelivery(source, opts);
  return (app, deps) => {
    // One span per delivery (services/tracing/spans.ts): the route and source, the tenant once verified.
    const span = webhookSpan({ source: source.id, path: source.webhook.path });
    app.post(source.webhook.path, (req: FastifyRequest<{ Body: Buffer; Params: { tenant?: string } }>, reply) =>
      inSpan(span, async (s) => {
        const answered = await handle(req, reply, s);
        s.setAttribute('http.response.status_code', reply.statusCode);
        return answered;
      }),
    );
    const handle = async (req: FastifyRequest<{ Body: Buffer; Params: { tenant?: string } }>, reply: FastifyReply, span: Span) => {
      const contentType = req.headers['content-type'] ?? '';
      if (!path.takes(contentType)) return sendError(reply, 'unsupported-media-type');
      const request: DeliveryRequest = { tenant: req.params.tenant ?? SINGLE_TENANT, body: req.body, contentType, header: (name) => header(req, name), receivedAtMs: deps.now() };
      const verification = path.verify(request);
      if (!verification.ok) {
        deps.metrics.inc('jml_gateway_rejected_total', { code: verification.failure });
        // Only a delivery that could be authentic for the tenant once configured: all headers there, timestamp fresh.
        if (deps.unknownTenants && !verification.tenantConfigured && verification.failure === 'signature-invalid') {
          const letter = path.unknownTenantLetter(request);
          if (letter) void deps.unknownTenants.record(letter);
        }
        return sendError(reply, verification.failure);
      }
      const { delivery } = verification;
      span.setAttributes({ 'jml.route': delivery.route, 'jml.tenant': request.tenant });
      if (await deps.replays.admit(req, reply, { route: delivery.route, ...delivery.replay })) return reply;
      const outcome = await path.process(deps, delivery);
      if (outcome.status === 'unavailable') return sendError(reply, outcome.code);
      if (outcome.status === 'rejected') return sendError(reply, outcome.code, outcome.details);
      return reply.code(202).send(outcome.answer);
    };
  };
}

/** The delivery paths of every registered source (the canonical API's too) with the configured tenants: what the re-drive of dead letters verifies with. */
export function registeredSourceDeliveries(tenants: { readonly [K in SourceId]: { readonly tenants: Readonly<Record<string, unknown>> } }): SourceDelivery[] {
  return (Object.entries(SOURCES) as Array<[SourceId, AnySource]>).map(([id, source]) => sourceDelivery(source, { tenants: tenants[id].tenants }));
}

/**
 * The routes of every registered source (sources/registry.ts) with its configured tenants, but the
 * canonical API's, which the gateway always serves itself (buildGateway's `canonicalKeys`).
 */
export function registeredSourceRoutes(tenants: { readonly [K in SourceId]: { readonly tenants: Readonly<Record<string, unknown>> } }): GatewayRoute[] {
  return (Object.entries(SOURCES) as Array<[SourceId, AnySource]>)
    .filter(([id]) => id !== canonicalSource.id)
    .map(([id, source]) => sourceRoute(source, { tenants: tenants[id].tenants }));
}

/** Throws unless every tenant has at least one key and each key is strong enough for the source's encoding. */
function assertTenantKeys<Tenant>(source: SourceDefinition<Tenant, unknown, unknown, unknown>, tenants: Readonly<Record<string, Tenant>>): void {
  for (const [tenant, config] of Object.entries(tenants)) {
    const keys = source.webhook.keysOf(config);
    if (keys.length === 0) throw new Error(`${source.title} tenant ${tenant}: no signing key`);
    keys.forEach((key, i) => {
      const weak = hmacKeyProblem(key, source.webhook.keyEncoding);
      if (weak) throw new Error(`${source.title} tenant ${tenant}: key ${i} ${weak}`);
    });
  }
}

/** A request header as one string (the first one when repeated). */
function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

