import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WorkdayTenantConfig } from '../../config';
import { sendError } from '../errors';
import { ingest } from '../ingest';
import { rejectToDlq } from '../reject';
import { deliveryKey } from '../replay-guard';
import { normalizeWorkday } from '../../../sources/workday/normalize';
import { parseWorkdayBody } from '../../../sources/workday/payload';
import { DEFAULT_WORKDAY_TOLERANCE_SEC, verifyWorkdaySignature, WORKDAY_SIGNATURE_HEADER, WORKDAY_TIMESTAMP_HEADER } from '../../../sources/workday/signature';
import { admitSigned, type RouteDeps } from './admit';
import { header } from './headers';
import { assertTenantKeys, decoyKeys, tenantKeysOrDecoy } from './tenant-keys';

/**
 * `POST /webhooks/workday/:tenant`: the JSON contract a Workday Studio / EIB integration posts
 * (docs/workday-contract.md), HMAC-signed with the tenant's shared secret (several during rotation).
 * One business process per post; it carries all the worker data, so nothing is hydrated. A tenant
 * that is not configured is answered exactly as a wrong signature is; a replay of a handled post is
 * answered from memory.
 */
export function workdayRoute(opts: { tenants: Readonly<Record<string, WorkdayTenantConfig>>; toleranceSec?: number }) {
  const toleranceSec = opts.toleranceSec ?? DEFAULT_WORKDAY_TOLERANCE_SEC;
  assertTenantKeys('Workday', opts.tenants, (c) => c.secrets);
  const decoy = decoyKeys();
  return (app: FastifyInstance, deps: RouteDeps) => {
    app.post('/webhooks/workday/:tenant', async (req: FastifyRequest<{ Body: Buffer; Params: { tenant: string } }>, reply) => {
      const { tenant } = req.params;
      const { config, keys } = tenantKeysOrDecoy(opts.tenants, tenant, (c) => c.secrets, decoy);
      const body = req.body;
      const signature = header(req, WORKDAY_SIGNATURE_HEADER);
      const route = `/webhooks/workday/${tenant}`;
      const failure = verifyWorkdaySignature({
        secret: keys,
        timestamp: header(req, WORKDAY_TIMESTAMP_HEADER),
        signature,
        body,
        nowMs: deps.now(),
        toleranceSec,
      });
      // The contract has no delivery id: the signature (over timestamp and body) identifies a post.
      if (await admitSigned(req, reply, deps, { route, failure, replayKey: () => deliveryKey([route, (signature ?? '').trim().toLowerCase()]), toleranceSec })) return reply;
      if (!config) return sendError(reply, 'signature-invalid'); // not reached: no delivery is signed with a decoy key
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
