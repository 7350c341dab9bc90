import type { FastifyInstance, FastifyRequest } from 'fastify';
import { canonicalSource } from '../../sources/canonical';
import { SOURCES, type SourceId } from '../../sources/registry';
import { routeOf, SINGLE_TENANT, type AnySource, type RejectedItem, type SourceDefinition } from '../../sources/sdk/define';
import { decoyKeys, tenantKeysOrDecoy } from '../../sources/sdk/tenants';
import { hmacKeyProblem } from '../secrets';
import { sendError } from './errors';
import { ingest, type IngestDeps } from './ingest';
import { recordRejection, rejectToDlq } from './reject';
import { deliveryKey, replayTtlSeconds, type ReplayGuard } from './replay-guard';

/** What every source route gets from the gateway: the ingest path and the replay memory. */
export interface RouteDeps extends IngestDeps {
  replays: ReplayGuard;
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

/**
 * The one webhook route, for any source (sources/sdk/define.ts), at the source's path. In order:
 * 415 for a media type the source does not take; the tenant looked up once (an unknown tenant is
 * checked against keys nobody knows, so it is answered exactly as a wrong signature is and the
 * answers do not tell which tenants exist); 401 for a delivery that is not authentic or not fresh
 * (counted by code only); a replay of a handled delivery answered from memory; the body parsed
 * (4xx once the reason is in the DLQ); hydrated from the vendor's API (503 when it is down, so the
 * sender redelivers); normalized (a delivery none of whose items becomes an event is rejected
 * whole, otherwise unusable items are dead-lettered and the rest accepted); then edge dedupe and
 * one produce (202 with the source's answer, 503 when Kafka does not acknowledge).
 *
 * Throws when a tenant has no key or a key under 24 bytes: a route never takes deliveries signed
 * with a guessable key (config.ts refuses the same at load; this guards routes built by tests and tools).
 */
export function sourceRoute<Tenant, Parsed, Hydrated, Client>(
  source: SourceDefinition<Tenant, Parsed, Hydrated, Client>,
  opts: SourceRouteOptions<Tenant, Client>,
): GatewayRoute {
  const { webhook } = source;
  const toleranceSec = opts.toleranceSec ?? webhook.toleranceSec;
  assertTenantKeys(source, opts.tenants);
  const decoy = decoyKeys();
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

  return (app, deps) => {
    app.post(webhook.path, async (req: FastifyRequest<{ Body: Buffer; Params: { tenant?: string } }>, reply) => {
      const contentType = req.headers['content-type'] ?? '';
      if (webhook.mediaType && !webhook.mediaType.test(contentType)) return sendError(reply, 'unsupported-media-type');
      const tenant = req.params.tenant ?? SINGLE_TENANT;
      const { config, keys } = tenantKeysOrDecoy(opts.tenants, tenant, (c) => webhook.keysOf(c), decoy);
      const body = req.body;
      const route = routeOf(source, tenant);
      const verdict = webhook.verify({ keys, header: (name) => header(req, name), body, nowMs: deps.now(), toleranceSec });
      if (!verdict.ok) {
        deps.metrics.inc('jml_gateway_rejected_total', { code: verdict.failure });
        return sendError(reply, verdict.failure);
      }
      if (await deps.replays.admit(req, reply, { route, key: deliveryKey([route, ...verdict.replayParts]), ttlSeconds: replayTtlSeconds(toleranceSec) })) return reply;
      if (!config) return sendError(reply, 'signature-invalid'); // not reached: no delivery is signed with a decoy key
      const delivery = { route, body, ...(verdict.deliveryId ? { deliveryId: verdict.deliveryId } : {}) };

      const parsed = webhook.parse({ tenant, config, body, contentType });
      if (!parsed.ok) return rejectToDlq(deps, reply, { ...delivery, code: parsed.code, reason: parsed.reason, details: parsed.details });
      let payload: Hydrated;
      if (webhook.hydrate) {
        try {
          payload = await webhook.hydrate({ tenant, config, payload: parsed.payload, client: clientOf(tenant, config) });
        } catch (err) {
          deps.log.warn({ tenant, err: (err as Error).message }, `${source.title} API unavailable while hydrating`);
          return sendError(reply, 'hr-api-unavailable');
        }
      } else {
        // Without hydration the contract hands the parsed payload to normalize as is.
        payload = parsed.payload as unknown as Hydrated;
      }
      const normalized = webhook.normalize({ tenant, config, payload, receivedAt: new Date(deps.now()).toISOString(), signers: verdict.signers });
      if (!normalized.ok) return rejectToDlq(deps, reply, { ...delivery, code: normalized.code, reason: normalized.reason, details: normalized.details });
      const { events, rejected, warnings } = normalized;
      if (warnings.length > 0) deps.log.warn({ tenant, eventIds: events.map((e) => e.id), warnings }, `${source.id} event accepted with warnings`);
      if (rejected.length > 0) {
        const reason = rejected.map((r) => `${r.id}: ${r.reason}`).join('; ');
        if (events.length === 0) return rejectToDlq(deps, reply, { ...delivery, code: 'invalid-payload', reason, details: describe(rejected) });
        // Some items of this delivery are unusable: record them, accept the rest.
        if (!(await recordRejection(deps, { ...delivery, code: 'invalid-payload', reason }))) return sendError(reply, 'kafka-unavailable');
      }
      const result = await ingest(deps, { ...delivery, contentType }, events);
      if (result.status === 'kafka-unavailable') return sendError(reply, 'kafka-unavailable');
      return reply.code(202).send(webhook.answer({ events, accepted: result.accepted, duplicates: result.duplicates, rejected }));
    });
  };
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

