import type { FastifyInstance, FastifyRequest } from 'fastify';
import { JmlEvent } from '../../../schemas/jml-event.v1';
import { sendError } from '../errors';
import { ingest, type IngestDeps } from '../ingest';
import { rejectToDlq } from '../reject';
import { verifyStandardWebhook } from '../standard-webhooks';
import { header } from './headers';

export interface CanonicalRouteOptions {
  deps: IngestDeps;
  secret: string;
  toleranceSec: number;
}

/** `POST /v1/events`: one JmlEvent signed Standard-Webhooks style, from any source. 202 once Kafka has it. */
export function registerCanonicalRoute(app: FastifyInstance, opts: CanonicalRouteOptions): void {
  const { deps } = opts;
  app.post('/v1/events', async (req: FastifyRequest<{ Body: Buffer }>, reply) => {
    if (!/^application\/(json|cloudevents\+json)\b/.test(req.headers['content-type'] ?? '')) return sendError(reply, 'unsupported-media-type');
    const body = req.body;
    const deliveryId = header(req, 'webhook-id');
    const failure = verifyStandardWebhook(
      opts.secret,
      { id: deliveryId, timestamp: header(req, 'webhook-timestamp'), signature: header(req, 'webhook-signature') },
      body,
      { nowMs: deps.now(), toleranceSec: opts.toleranceSec },
    );
    if (failure) {
      deps.metrics.inc('jml_gateway_rejected_total', { code: failure });
      return sendError(reply, failure);
    }
    const route = '/v1/events';
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return rejectToDlq(deps, reply, { route, body, deliveryId, code: 'invalid-json', reason: 'body is not valid JSON' });
    }
    const parsed = JmlEvent.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      const reason = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      return rejectToDlq(deps, reply, { route, body, deliveryId, code: 'invalid-event', reason, details: issues });
    }
    const result = await ingest(deps, { route, body, contentType: req.headers['content-type'] ?? '', deliveryId }, [parsed.data]);
    if (result.status === 'kafka-unavailable') return sendError(reply, 'kafka-unavailable');
    return reply.code(202).send({ accepted: true, id: parsed.data.id, ...(result.duplicates.length > 0 ? { duplicate: true } : {}) });
  });
}
