import { fileURLToPath } from 'node:url';
import { defineSource, type RejectedItem } from '../sdk/define';
import { createBambooHrClient, type BambooHrClient } from './api-client';
import { BambooHrApiError } from './errors';
import { hydrateBambooHrChanges, normalizeHydratedChanges, type HydratedChange } from './events';
import type { BambooHrRecord } from './fields';
import { parseBambooHrBody, type NormalizedChange } from './payload';
import { pollBambooHr } from './poll';
import { bambooHrSettings, type BambooHrTenantConfig } from './settings';
import { BAMBOOHR_SIGNATURE_HEADER, BAMBOOHR_TIMESTAMP_HEADER, DEFAULT_BAMBOOHR_TOLERANCE_SEC, signBambooHr, verifyBambooHrSignature } from './signature';

/**
 * BambooHR webhooks (`POST /webhooks/bamboohr/<tenant>`): either payload style (JSON or form),
 * signed with the webhook's private key over body and timestamp, hydrated from the REST API where
 * the webhook carries no values, and reconciled by a poller (poll.ts). BambooHR
 * retries 5xx and never 4xx, so an API outage while hydrating answers 503; an employee of a post
 * that cannot become an event is dead-lettered while the others are accepted. See README.md.
 */
export const bambooHrSource = defineSource<BambooHrTenantConfig, NormalizedChange[], HydratedChange[], BambooHrClient>({
  id: 'bamboohr',
  title: 'BambooHR',
  settings: bambooHrSettings,
  webhook: {
    path: '/webhooks/bamboohr/:tenant',
    toleranceSec: DEFAULT_BAMBOOHR_TOLERANCE_SEC,
    keyEncoding: 'utf8',
    keysOf: (config) => config.webhookKeys,
    signatureHeaders: [BAMBOOHR_SIGNATURE_HEADER, BAMBOOHR_TIMESTAMP_HEADER],
    verify(req) {
      const signature = req.header(BAMBOOHR_SIGNATURE_HEADER);
      const failure = verifyBambooHrSignature({
        privateKey: req.keys,
        signature,
        timestamp: req.header(BAMBOOHR_TIMESTAMP_HEADER),
        body: req.body,
        nowMs: req.nowMs,
        toleranceSec: req.toleranceSec,
      });
      // BambooHR sends no delivery id: the signature (over body and timestamp) identifies a delivery.
      return failure ? { ok: false, failure } : { ok: true, replayParts: [(signature ?? '').trim().toLowerCase()], signers: [] };
    },
    sign(req) {
      const timestamp = String(Math.floor(req.nowMs / 1000));
      return { [BAMBOOHR_TIMESTAMP_HEADER]: timestamp, [BAMBOOHR_SIGNATURE_HEADER]: signBambooHr({ privateKey: req.key, body: req.body, timestamp }) };
    },
    parse(req) {
      const parsed = parseBambooHrBody(req.body, req.contentType);
      return parsed.ok ? { ok: true, payload: parsed.deliveries } : { ok: false, code: 'invalid-payload', reason: parsed.reason };
    },
    hydrate: (req) => hydrateBambooHrChanges({ deliveries: req.payload, fetchEmployee: (r) => req.client.getEmployee(r) }),
    normalize(req) {
      const built = normalizeHydratedChanges({
        tenant: req.tenant,
        hydrated: req.payload,
        receivedAt: req.receivedAt,
        ...(req.config.timeZone ? { timeZone: req.config.timeZone } : {}),
      });
      return {
        ok: true,
        events: built.flatMap((b) => (b.ok ? [b.event] : [])),
        rejected: built.flatMap((b) => (b.ok ? [] : [{ id: b.employeeId, reason: b.reason }])),
        warnings: built.flatMap((b) => (b.ok ? b.warnings : [])),
      };
    },
    answer: (d) => ({ accepted: d.accepted, duplicates: d.duplicates, rejected: describeRejected(d.rejected) }),
    describeRejected,
  },
  client: (config) => createBambooHrClient({ baseUrl: config.apiBaseUrl, apiKey: config.apiKey }),
  // The changed list says who changed, not what: the ledger tells what is news (poll.ts).
  poll: { enabled: () => true, poll: pollBambooHr, usesLedger: true },
  golden: {
    dir: fileURLToPath(new URL('golden/', import.meta.url)),
    tenant: ({ key, context }) => ({
      webhookKeys: [key],
      apiKey: 'golden-api-key',
      apiBaseUrl: 'http://127.0.0.1:1/v1',
      ...(typeof context.timeZone === 'string' ? { timeZone: context.timeZone } : {}),
    }),
    client(context) {
      const records = (context.records ?? {}) as Record<string, BambooHrRecord>;
      return {
        async getEmployee({ employeeId }) {
          const record = records[employeeId];
          if (!record) throw new BambooHrApiError({ code: 'not-found', message: `no record for ${employeeId}`, status: 404 });
          return record;
        },
        async listChangedSince() {
          return { changes: [] };
        },
      };
    },
    skip: (context) => (context.previous !== undefined ? 'needs the previous state of a person, which the gateway does not keep (golden.test.ts covers it)' : undefined),
  },
});

/** Rejected employees as BambooHR answers and dead-letter records show them. */
function describeRejected(items: readonly RejectedItem[]): Array<{ employeeId: string; reason: string }> {
  return items.map((r) => ({ employeeId: r.id, reason: r.reason }));
}

