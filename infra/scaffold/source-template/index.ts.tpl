import { fileURLToPath } from 'node:url';
import { singleEventAnswer } from '__SDK__/answers';
import { defineSource } from '__SDK__/define';
import { normalize__PASCAL__ } from './normalize';
import { parse__PASCAL__Body, type __PASCAL__Payload } from './payload';
import { __CAMEL__Settings, type __PASCAL__TenantConfig } from './settings';
import { DEFAULT_TOLERANCE_SEC, SIGNATURE_HEADER, sign__PASCAL__, TIMESTAMP_HEADER, verify__PASCAL__Signature } from './signature';

/**
 * __ID__ webhooks (`POST /webhooks/__ID__/<tenant>`): one JSON event per post, HMAC-signed with the
 * tenant's webhook key, carrying every field we publish (nothing is hydrated).
 *
 * TODO(__ID__): replace the example payload, signature scheme and classification with the vendor's
 * (see docs/writing-a-source.md), then replace the golden fixtures with real payload shapes.
 */
export const __CAMEL__Source = defineSource<__PASCAL__TenantConfig, __PASCAL__Payload>({
  id: '__ID__',
  // TODO(__ID__): the vendor's name as people write it.
  title: '__TITLE__',
  settings: __CAMEL__Settings,
  webhook: {
    path: '/webhooks/__ID__/:tenant',
    toleranceSec: DEFAULT_TOLERANCE_SEC,
    keyEncoding: 'utf8',
    keysOf: (config) => config.webhookKeys,
    // Every header verify reads, and no other: a dead letter keeps them so it can be verified again.
    signatureHeaders: [SIGNATURE_HEADER, TIMESTAMP_HEADER],
    verify(req) {
      const signature = req.header(SIGNATURE_HEADER);
      const failure = verify__PASCAL__Signature({ keys: req.keys, timestamp: req.header(TIMESTAMP_HEADER), signature, body: req.body, nowMs: req.nowMs, toleranceSec: req.toleranceSec });
      // TODO(__ID__): the vendor's delivery id, when it sends one, identifies a delivery better than the signature.
      return failure ? { ok: false, failure } : { ok: true, replayParts: [(signature ?? '').trim().toLowerCase()], signers: [] };
    },
    sign: (req) => sign__PASCAL__({ key: req.key, body: req.body, timestampSec: Math.floor(req.nowMs / 1000) }),
    parse(req) {
      const parsed = parse__PASCAL__Body(req.body);
      return parsed.ok ? { ok: true, payload: parsed.payload } : { ok: false, code: 'invalid-payload', reason: parsed.reason, details: parsed.issues };
    },
    normalize(req) {
      const normalized = normalize__PASCAL__({ tenant: req.tenant, payload: req.payload });
      if (!normalized.ok) return { ok: false, code: 'invalid-payload', reason: normalized.reason };
      return { ok: true, events: [normalized.event], rejected: [], warnings: [] };
    },
    answer: singleEventAnswer,
  },
  golden: {
    dir: fileURLToPath(new URL('golden/', import.meta.url)),
    tenant: ({ key }) => ({ webhookKeys: [key] }),
  },
});
