import type { FastifyInstance, FastifyRequest } from 'fastify';
import { JmlEvent } from '../../../schemas/jml-event.v1';
import type { CanonicalKeyConfig } from '../../config';
import { sendError } from '../errors';
import { ingest } from '../ingest';
import { rejectToDlq } from '../reject';
import { deliveryKey } from '../replay-guard';
import { checkStandardWebhook } from '../../../sources/canonical/standard-webhooks';
import { admitSigned, type RouteDeps } from './admit';
import { header } from './headers';

export interface CanonicalRouteOptions {
  deps: RouteDeps;
  /** At least one; any may sign. */
  keys: readonly CanonicalKeyConfig[];
  toleranceSec: number;
}

const ROUTE = '/v1/events';

/**
 * `POST /v1/events`: one JmlEvent signed Standard-Webhooks style, from any source. 202 once Kafka
 * has it. An authentic event outside what its key may speak for ({@link keyMaySend}) is answered
 * 403 `out-of-scope` and recorded in the DLQ with the reason, never produced to the events topic.
 */
export function registerCanonicalRoute(app: FastifyInstance, opts: CanonicalRouteOptions): void {
  const { deps } = opts;
  const secrets = opts.keys.map((k) => k.secret);
  app.post(ROUTE, async (req: FastifyRequest<{ Body: Buffer }>, reply) => {
    if (!/^application\/(json|cloudevents\+json)\b/.test(req.headers['content-type'] ?? '')) return sendError(reply, 'unsupported-media-type');
    const body = req.body;
    const deliveryId = header(req, 'webhook-id');
    const check = checkStandardWebhook(
      secrets,
      { id: deliveryId, timestamp: header(req, 'webhook-timestamp'), signature: header(req, 'webhook-signature') },
      body,
      { nowMs: deps.now(), toleranceSec: opts.toleranceSec },
    );
    // A sender's retry of one message keeps its webhook-id; the body is part of the key so that two
    // senders who happen to pick the same id are never taken for a replay of each other.
    const replayKey = () => deliveryKey([ROUTE, deliveryId ?? '', body]);
    const failure = 'failure' in check ? check.failure : undefined;
    if (await admitSigned(req, reply, deps, { route: ROUTE, failure, replayKey, toleranceSec: opts.toleranceSec })) return reply;
    if ('failure' in check) return sendError(reply, check.failure); // not reached: admitSigned answered it
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return rejectToDlq(deps, reply, { route: ROUTE, body, deliveryId, code: 'invalid-json', reason: 'body is not valid JSON' });
    }
    const parsed = JmlEvent.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      const reason = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      return rejectToDlq(deps, reply, { route: ROUTE, body, deliveryId, code: 'invalid-event', reason, details: issues });
    }
    const event = parsed.data;
    const signers = check.matched.map((i) => opts.keys[i] as CanonicalKeyConfig);
    if (!signers.some((key) => keyMaySend(key, event))) {
      const reason = `signed by ${signers.map((k) => k.name).join(', ')}, which may not send source '${event.source}' subject '${event.subject}'`;
      return rejectToDlq(deps, reply, { route: ROUTE, body, deliveryId, code: 'out-of-scope', reason });
    }
    const result = await ingest(deps, { route: ROUTE, body, contentType: req.headers['content-type'] ?? '', deliveryId }, [event]);
    if (result.status === 'kafka-unavailable') return sendError(reply, 'kafka-unavailable');
    return reply.code(202).send({ accepted: true, id: event.id, ...(result.duplicates.length > 0 ? { duplicate: true } : {}) });
  });
}

/**
 * Whether a key may send an event: its `source` starts with one of the key's source prefixes and its
 * `subject` with one of its subject prefixes; a key without a list is not limited on that field.
 */
export function keyMaySend(key: Pick<CanonicalKeyConfig, 'sources' | 'subjects'>, event: Pick<JmlEvent, 'source' | 'subject'>): boolean {
  const within = (value: string, prefixes: readonly string[] | undefined) => prefixes === undefined || prefixes.some((p) => value.startsWith(p));
  return within(event.source, key.sources) && within(event.subject, key.subjects);
}
