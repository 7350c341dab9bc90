import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { JmlEvent, JML_EVENT_SCHEMA_VERSION } from '../../schemas/jml-event.v1';
import type { Outgoing } from '../kafka/coalescing-producer';
import { TOPICS } from '../kafka/topics';
import { sendError } from './errors';
import { verifyStandardWebhook } from './standard-webhooks';

/** Where accepted and rejected records go; resolves only once Kafka acknowledged them. */
export interface RecordSink {
  send(items: Outgoing[]): Promise<void>;
}

export interface GatewayDeps {
  producer: RecordSink;
  /** True while the Kafka producer is connected; drives /readyz. */
  isReady: () => boolean;
  log: Logger;
  canonicalSecret: string;
  bodyLimitBytes: number;
  signatureToleranceSec?: number;
  now?: () => number;
}

/** Builds the HTTP gateway. It owns no connections; the caller starts and stops them. */
export function buildGateway(deps: GatewayDeps): FastifyInstance {
  const now = deps.now ?? Date.now;
  const app = Fastify({ loggerInstance: deps.log as FastifyBaseLogger, bodyLimit: deps.bodyLimitBytes, disableRequestLogging: true });

  // Keep the raw bytes: signatures are computed over them, before any parsing.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/cloudevents+json'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setNotFoundHandler((_req, reply) => sendError(reply, 'not-found'));
  app.setErrorHandler((err: Error & { code?: string }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 'body-too-large', { limitBytes: deps.bodyLimitBytes });
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.code === 'FST_ERR_CTP_EMPTY_TYPE') return sendError(reply, 'unsupported-media-type');
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return sendError(reply, 'invalid-json');
    req.log.error({ err }, 'unhandled gateway error');
    return sendError(reply, 'internal');
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => (deps.isReady() ? { status: 'ready' } : reply.code(503).send({ status: 'not-ready' })));

  /** Canonical API: a signed JmlEvent from any source. 202 only once Kafka acknowledged it. */
  app.post('/v1/events', async (req: FastifyRequest<{ Body: Buffer }>, reply) => {
    const raw = req.body;
    const failure = verifyStandardWebhook(
      deps.canonicalSecret,
      { id: header(req, 'webhook-id'), timestamp: header(req, 'webhook-timestamp'), signature: header(req, 'webhook-signature') },
      raw,
      { nowMs: now(), toleranceSec: deps.signatureToleranceSec ?? 300 },
    );
    if (failure) return sendError(reply, failure);

    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      return reject(req, reply, raw, 'invalid-json', 'body is not valid JSON');
    }
    const parsed = JmlEvent.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return reject(req, reply, raw, 'invalid-event', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
    }
    const event = parsed.data;
    try {
      await deps.producer.send([
        {
          topic: TOPICS.events,
          message: {
            key: event.subject,
            value: raw,
            headers: { 'jml-event-id': event.id, 'jml-event-type': event.type, 'jml-schema-version': JML_EVENT_SCHEMA_VERSION },
          },
        },
      ]);
    } catch (err) {
      req.log.warn({ err, eventId: event.id }, 'kafka produce failed');
      return sendError(reply, 'kafka-unavailable');
    }
    return reply.code(202).send({ accepted: true, id: event.id });
  });

  /** 400, but only once the rejected body and its reason are durable in the DLQ (else 503: retry). */
  async function reject(
    req: FastifyRequest,
    reply: Parameters<typeof sendError>[0],
    raw: Buffer,
    code: 'invalid-json' | 'invalid-event',
    reason: string,
    details?: unknown,
  ) {
    const record: Outgoing = {
      topic: TOPICS.dlq,
      message: {
        key: header(req, 'webhook-id') ?? null,
        value: raw,
        headers: { 'jml-reject-code': code, 'jml-reject-reason': reason.slice(0, 4_000), 'jml-route': req.url, 'jml-received-at': new Date(now()).toISOString() },
      },
    };
    try {
      await deps.producer.send([record]);
    } catch (err) {
      req.log.warn({ err }, 'dead-letter produce failed');
      return sendError(reply, 'kafka-unavailable');
    }
    req.log.info({ code, webhookId: header(req, 'webhook-id') }, 'rejected input recorded in DLQ');
    return sendError(reply, code, details);
  }

  return app;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
