import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WorkdayTenantConfig } from '../../config';
import { sendError } from '../errors';
import { ingest, type IngestDeps } from '../ingest';
import { rejectToDlq } from '../reject';
import { normalizeWorkday } from '../sources/workday/normalize';
import { parseWorkdayBody } from '../sources/workday/payload';
import { verifyWorkdaySignature, WORKDAY_SIGNATURE_HEADER, WORKDAY_TIMESTAMP_HEADER } from '../sources/workday/signature';
import { header } from './headers';

/**
 * `POST /webhooks/workday/:tenant`: the JSON contract a Workday Studio / EIB integration posts
 * (docs/workday-contract.md), HMAC-signed with the tenant's shared secret (several during rotation).
 * One business process per post; it carries all the worker data, so nothing is hydrated.
 */
export function workdayRoute(opts: { tenants: Readonly<Record<string, WorkdayTenantConfig>>; toleranceSec?: number }) {
  return (app: FastifyInstance, deps: IngestDeps) => {
    app.post('/webhooks/workday/:tenant', async (req: FastifyRequest<{ Body: Buffer; Params: { tenant: string } }>, reply) => {
      const { tenant } = req.params;
      const config = Object.hasOwn(opts.tenants, tenant) ? opts.tenants[tenant] : undefined;
      if (!config) return sendError(reply, 'unknown-tenant');
      const body = req.body;
      const failure = verifyWorkdaySignature({
        secret: config.secrets,
        timestamp: header(req, WORKDAY_TIMESTAMP_HEADER),
        signature: header(req, WORKDAY_SIGNATURE_HEADER),
        body,
        nowMs: deps.now(),
        toleranceSec: opts.toleranceSec,
      });
      if (failure) {
        deps.metrics.inc('jml_gateway_rejected_total', { code: failure });
        return sendError(reply, failure);
      }
      const route = `/webhooks/workday/${tenant}`;
      const contentType = req.headers['content-type'] ?? '';
      const parsed = parseWorkdayBody({ body, contentType });
      if (!parsed.ok) return rejectToDlq(deps, reply, { route, body, code: 'invalid-payload', reason: parsed.reason, ...(parsed.issues ? { details: parsed.issues } : {}) });
      const normalized = normalizeWorkday({ tenant, event: parsed.event, defaultTimeZone: config.defaultTimeZone });
      if (!normalized.ok) return rejectToDlq(deps, reply, { route, body, code: 'invalid-payload', reason: normalized.reason });
      if (normalized.warnings.length > 0) deps.log.warn({ tenant, eventId: normalized.event.id, warnings: normalized.warnings }, 'workday event accepted with warnings');
      const result = await ingest(deps, { route, body, contentType }, [normalized.event]);
      if (result.status === 'kafka-unavailable') return sendError(reply, 'kafka-unavailable');
      return reply.code(202).send({ accepted: true, id: normalized.event.id, ...(result.duplicates.length > 0 ? { duplicate: true } : {}) });
    });
  };
}
