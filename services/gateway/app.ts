import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { canonicalSource } from '../../sources/canonical';
import type { CanonicalKeyConfig } from '../../sources/canonical/settings';
import { SINGLE_TENANT } from '../../sources/sdk/define';
import type { Counters } from '../metrics';
import { hmacKeyProblem } from '../secrets';
import { coalescingDedupe } from './coalescing-dedupe';
import type { Dedupe } from './dedupe';
import { GATEWAY_ERRORS, sendError, type GatewayErrorCode } from './errors';
import type { RecordSink } from './ingest';
import { lazyChildLoggerFactory } from './lazy-child-logger';
import { ReplayGuard, type DeliveryMemory } from './replay-guard';
import { sourceRoute, type GatewayRoute, type RouteDeps } from './source-route';
import { UnknownTenantLetters, type LetterCap } from './unknown-tenant';

export type { RecordSink } from './ingest';

export interface GatewayDeps {
  producer: RecordSink;
  /** Edge dedupe of event ids (Redis); optional, downstream dedupes by id regardless. */
  dedupe?: Dedupe;
  metrics: Counters;
  /** Whether Kafka answers now (services/kafka/readiness.ts); drives /readyz. */
  isReady: () => boolean | Promise<boolean>;
  log: Logger;
  /** Keys of the canonical API (config.gateway.canonicalKeys); at least one, each of at least 24 bytes. */
  canonicalKeys: readonly CanonicalKeyConfig[];
  /** Replay memory of verified deliveries (Redis); without it, replays are handled like new deliveries. */
  deliveries?: DeliveryMemory;
  bodyLimitBytes: number;
  /** Largest serialized event accepted; larger is refused 413 `event-too-large` and recorded in the DLQ. No cap when absent. */
  maxEventBytes?: number;
  /** Server timeouts in ms (GATEWAY_*_TIMEOUT_MS); Fastify's and Node's defaults when absent. */
  timeouts?: GatewayTimeouts;
  signatureToleranceSec?: number;
  now?: () => number;
  /** Routes of the HR sources ({@link sourceRoute} of BambooHR, Workday, …); the canonical API's is always there. */
  routes?: GatewayRoute[];
  /** Bounds dead letters of deliveries for unknown tenants (./unknown-tenant.ts); without it they are answered but not recorded. */
  unknownTenantCap?: LetterCap;
}

/** How long a client may take: to send a whole request, to stay idle on a socket or a kept-alive connection, to send its headers. */
export interface GatewayTimeouts {
  requestMs: number;
  connectionMs: number;
  keepAliveMs: number;
  headersMs: number;
}

/**
 * Builds the HTTP gateway. It owns no connections; the caller starts and stops them. Throws when no
 * canonical key is given or one is too weak: the gateway never takes events signed with a guessable key.
 */
export function buildGateway(deps: GatewayDeps): FastifyInstance {
  if (deps.canonicalKeys.length === 0) throw new Error('the gateway needs a canonical API key: set JML_CANONICAL_SECRET');
  for (const key of deps.canonicalKeys) {
    const weak = hmacKeyProblem(key.secret, 'standard-webhooks');
    if (weak) throw new Error(`${key.name}: the key ${weak}`);
  }
  const now = deps.now ?? Date.now;
  const t = deps.timeouts;
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes,
    disableRequestLogging: true,
    // A slow or stalled client cannot hold a socket and its buffers for long.
    ...(t ? { requestTimeout: t.requestMs, connectionTimeout: t.connectionMs, keepAliveTimeout: t.keepAliveMs } : {}),
  });
  // Node's own option; Fastify does not forward it. Never above requestTimeout (Node requires it).
  if (t) app.server.headersTimeout = Math.min(t.headersMs, t.requestMs);
  // (The `childLoggerFactory` server option is typed but not read by fastify 5.6; the setter is.)
  app.setChildLoggerFactory(lazyChildLoggerFactory);

  // Keep the raw bytes: signatures are computed over them, before any parsing.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'application/cloudevents+json', 'application/x-www-form-urlencoded'],
    { parseAs: 'buffer' },
    (_req, body, done) => done(null, body),
  );

  app.setNotFoundHandler((_req, reply) => sendError(reply, 'not-found'));
  app.setErrorHandler((err: Error & { code?: string; details?: unknown }, req, reply) => {
    if (err.name === 'GatewayRefusal' && err.code !== undefined && err.code in GATEWAY_ERRORS) return sendError(reply, err.code as GatewayErrorCode, err.details);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 'body-too-large', { limitBytes: deps.bodyLimitBytes });
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.code === 'FST_ERR_CTP_EMPTY_TYPE') return sendError(reply, 'unsupported-media-type');
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return sendError(reply, 'invalid-json');
    req.log.error({ err }, 'unhandled gateway error');
    return sendError(reply, 'internal');
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (await deps.isReady()) return { status: 'ready' };
    return reply.code(503).header('retry-after', '5').send({ status: 'not-ready' });
  });
  app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.registry.contentType).send(await deps.metrics.render()));
  // Requests by route pattern (ours, never the path a client sent), method and status.
  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.inc('jml_gateway_requests_total', { route: req.routeOptions.url ?? 'unmatched', method: req.method, status: String(reply.statusCode) });
  });

  // Concurrent requests share their dedupe round trips, as they share their produce.
  const dedupe = deps.dedupe && coalescingDedupe(deps.dedupe);
  const replays = new ReplayGuard({ ...(deps.deliveries ? { memory: deps.deliveries } : {}), metrics: deps.metrics, log: deps.log });
  replays.install(app);
  const unknownTenants = deps.unknownTenantCap && new UnknownTenantLetters({ cap: deps.unknownTenantCap, producer: deps.producer, metrics: deps.metrics, log: deps.log });
  // Such letters are written after their answer: closing waits for them, so none is cut off.
  if (unknownTenants) app.addHook('onClose', async () => unknownTenants.drain());
  const routeDeps: RouteDeps = {
    producer: deps.producer,
    ...(unknownTenants ? { unknownTenants } : {}),
    dedupe,
    metrics: deps.metrics,
    log: deps.log,
    now,
    replays,
    ...(deps.maxEventBytes !== undefined ? { maxEventBytes: deps.maxEventBytes } : {}),
  };
  const canonical = sourceRoute(canonicalSource, {
    tenants: { [SINGLE_TENANT]: { keys: deps.canonicalKeys } },
    ...(deps.signatureToleranceSec !== undefined ? { toleranceSec: deps.signatureToleranceSec } : {}),
  });
  canonical(app, routeDeps);
  for (const register of deps.routes ?? []) register(app, routeDeps);
  return app;
}
