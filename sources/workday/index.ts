import { fileURLToPath } from 'node:url';
import { singleEventAnswer } from '../sdk/answers';
import { defineSource } from '../sdk/define';
import type { WorkdayEvent } from './contract';
import { normalizeWorkday } from './normalize';
import { parseWorkdayBody } from './payload';
import { pollWorkday } from './poll';
import { createRaasClient, type RaasClient } from './raas';
import { workdaySettings, type WorkdayTenantConfig } from './settings';
import { DEFAULT_WORKDAY_TOLERANCE_SEC, signWorkday, verifyWorkdaySignature, WORKDAY_SIGNATURE_HEADER, WORKDAY_TIMESTAMP_HEADER } from './signature';

/**
 * Workday (`POST /webhooks/workday/<tenant>`): the JSON contract a Workday Studio / EIB integration
 * posts (docs/workday-contract.md), HMAC-signed with the tenant's shared secret (several during
 * rotation). One business process per post; it carries all the worker data, so nothing is
 * hydrated. A tenant with a RaaS report is also reconciled by a poller (poll.ts: report, snapshot diff).
 */
export const workdaySource = defineSource<WorkdayTenantConfig, WorkdayEvent, WorkdayEvent, RaasClient>({
  id: 'workday',
  title: 'Workday',
  settings: workdaySettings,
  webhook: {
    path: '/webhooks/workday/:tenant',
    toleranceSec: DEFAULT_WORKDAY_TOLERANCE_SEC,
    keyEncoding: 'utf8',
    keysOf: (config) => config.secrets,
    signatureHeaders: [WORKDAY_SIGNATURE_HEADER, WORKDAY_TIMESTAMP_HEADER],
    verify(req) {
      const signature = req.header(WORKDAY_SIGNATURE_HEADER);
      const failure = verifyWorkdaySignature({
        secret: req.keys,
        timestamp: req.header(WORKDAY_TIMESTAMP_HEADER),
        signature,
        body: req.body,
        nowMs: req.nowMs,
        toleranceSec: req.toleranceSec,
      });
      // The contract has no delivery id: the signature (over timestamp and body) identifies a post.
      return failure ? { ok: false, failure } : { ok: true, replayParts: [(signature ?? '').trim().toLowerCase()], signers: [] };
    },
    sign: (req) => ({ ...signWorkday({ secret: req.key, body: req.body, timestampSec: Math.floor(req.nowMs / 1000) }) }),
    parse(req) {
      const parsed = parseWorkdayBody({ body: req.body, contentType: req.contentType });
      if (parsed.ok) return { ok: true, payload: parsed.event };
      return { ok: false, code: 'invalid-payload', reason: parsed.reason, ...(parsed.issues ? { details: parsed.issues } : {}) };
    },
    normalize(req) {
      const normalized = normalizeWorkday({ tenant: req.tenant, event: req.payload, defaultTimeZone: req.config.defaultTimeZone });
      if (!normalized.ok) return { ok: false, code: 'invalid-payload', reason: normalized.reason };
      return { ok: true, events: [normalized.event], rejected: [], warnings: normalized.warnings };
    },
    answer: singleEventAnswer,
  },
  client: (config) => (config.raas ? createRaasClient({ reportUrl: config.raas.reportUrl, user: config.raas.user, password: config.raas.password }) : undefined),
  poll: { enabled: (config) => config.raas !== undefined, poll: pollWorkday },
  golden: {
    dir: fileURLToPath(new URL('golden/', import.meta.url)),
    tenant: ({ key, context }) => ({ secrets: [key], defaultTimeZone: String(context.defaultTimeZone) }),
  },
});
