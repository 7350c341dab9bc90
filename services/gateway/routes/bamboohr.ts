import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BambooHrTenantConfig } from '../../config';
import { sendError } from '../errors';
import { ingest } from '../ingest';
import { recordRejection, rejectToDlq } from '../reject';
import { deliveryKey } from '../replay-guard';
import { BAMBOOHR_SIGNATURE_HEADER, BAMBOOHR_TIMESTAMP_HEADER, DEFAULT_BAMBOOHR_TOLERANCE_SEC, verifyBambooHrSignature } from '../../../sources/bamboohr/signature';
import { parseBambooHrBody } from '../../../sources/bamboohr/payload';
import { buildBambooHrEvents } from '../../../sources/bamboohr/events';
import { createBambooHrClient, type BambooHrClient } from '../../../sources/bamboohr/api-client';
import { admitSigned, type RouteDeps } from './admit';
import { header } from './headers';
import { assertTenantKeys, decoyKeys, tenantKeysOrDecoy } from './tenant-keys';

export interface BambooHrRouteOptions {
  tenants: Readonly<Record<string, BambooHrTenantConfig>>;
  toleranceSec?: number;
  /** Per tenant API client; tests point it at the fake BambooHR API through `apiBaseUrl`. */
  clientFor?: (tenant: string, config: BambooHrTenantConfig) => BambooHrClient;
}

/**
 * `POST /webhooks/bamboohr/:tenant`: verify on the raw bytes, parse either payload style (JSON or
 * form), hydrate what the webhook did not carry, normalize, and accept. BambooHR retries 5xx and
 * never 4xx, so a failure of its own API while hydrating answers 503; a delivery that cannot become
 * an event goes to the DLQ with its reason while the others of the same post are accepted.
 * A tenant that is not configured is answered exactly as a wrong signature is, so that the answers
 * do not tell which tenants exist; a replay of a handled delivery is answered from memory without
 * hydrating again.
 */
export function bambooHrRoute(opts: BambooHrRouteOptions) {
  const clients = new Map<string, BambooHrClient>();
  const clientOf = (tenant: string, config: BambooHrTenantConfig) => {
    let client = clients.get(tenant);
    if (!client) {
      client = opts.clientFor?.(tenant, config) ?? createBambooHrClient({ baseUrl: config.apiBaseUrl, apiKey: config.apiKey });
      clients.set(tenant, client);
    }
    return client;
  };

  const toleranceSec = opts.toleranceSec ?? DEFAULT_BAMBOOHR_TOLERANCE_SEC;
  assertTenantKeys('BambooHR', opts.tenants, (c) => c.webhookKeys);
  const decoy = decoyKeys();

  return (app: FastifyInstance, deps: RouteDeps) => {
    app.post('/webhooks/bamboohr/:tenant', async (req: FastifyRequest<{ Body: Buffer; Params: { tenant: string } }>, reply) => {
      const { tenant } = req.params;
      const { config, keys } = tenantKeysOrDecoy(opts.tenants, tenant, (c) => c.webhookKeys, decoy);
      const body = req.body;
      const signature = header(req, BAMBOOHR_SIGNATURE_HEADER);
      const route = `/webhooks/bamboohr/${tenant}`;
      const failure = verifyBambooHrSignature({
        privateKey: keys,
        signature,
        timestamp: header(req, BAMBOOHR_TIMESTAMP_HEADER),
        body,
        nowMs: deps.now(),
        toleranceSec,
      });
      // BambooHR sends no delivery id: the signature (over body and timestamp) identifies a delivery.
      if (await admitSigned(req, reply, deps, { route, failure, replayKey: () => deliveryKey([route, (signature ?? '').trim().toLowerCase()]), toleranceSec })) return reply;
      if (!config) return sendError(reply, 'signature-invalid'); // not reached: no delivery is signed with a decoy key
      const contentType = req.headers['content-type'] ?? '';
      const parsed = parseBambooHrBody(body, contentType);
      if (!parsed.ok) return rejectToDlq(deps, reply, { route, body, code: 'invalid-payload', reason: parsed.reason });

      let built;
      try {
        built = await buildBambooHrEvents({
          tenant,
          deliveries: parsed.deliveries,
          receivedAt: new Date(deps.now()).toISOString(),
          ...(config.timeZone ? { timeZone: config.timeZone } : {}),
          fetchEmployee: (r) => clientOf(tenant, config).getEmployee(r),
        });
      } catch (err) {
        deps.log.warn({ tenant, err: (err as Error).message }, 'BambooHR API unavailable while hydrating');
        return sendError(reply, 'hr-api-unavailable');
      }
      const events = built.flatMap((b) => (b.ok ? [b.event] : []));
      const rejected = built.flatMap((b) => (b.ok ? [] : [{ employeeId: b.employeeId, reason: b.reason }]));
      const reason = rejected.map((r) => `${r.employeeId}: ${r.reason}`).join('; ');
      if (rejected.length > 0 && events.length === 0) {
        return rejectToDlq(deps, reply, { route, body, code: 'invalid-payload', reason, details: rejected });
      }
      // Some deliveries of this post are unusable: record them, accept the rest.
      if (rejected.length > 0 && !(await recordRejection(deps, { route, body, code: 'invalid-payload', reason }))) {
        return sendError(reply, 'kafka-unavailable');
      }
      const result = await ingest(deps, { route, body, contentType }, events);
      if (result.status === 'kafka-unavailable') return sendError(reply, 'kafka-unavailable');
      return reply.code(202).send({ accepted: result.accepted, duplicates: result.duplicates, rejected });
    });
  };
}
