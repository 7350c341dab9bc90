import { fileURLToPath } from 'node:url';
import { JmlEvent, reservedKeyPath } from '../../schemas/jml-event.v1';
import { singleEventAnswer } from '../sdk/answers';
import { defineSource } from '../sdk/define';
import { canonicalSettings, type CanonicalKeyConfig, type CanonicalTenantConfig } from './settings';
import { checkStandardWebhook, signStandardWebhook } from './standard-webhooks';

/** Default signature window of the canonical API, in seconds either way. */
export const DEFAULT_CANONICAL_TOLERANCE_SEC = 300;

/**
 * The canonical API (`POST /v1/events`): one JmlEvent signed Standard-Webhooks style, from any
 * sender. It has no tenants: its one tenant is its list of keys, each limited to the event sources
 * and subjects it may speak for ({@link keyMaySend}). An authentic event outside what every key
 * that signed it may send is answered 403 `out-of-scope` and dead-lettered, never produced.
 */
export const canonicalSource = defineSource<CanonicalTenantConfig, JmlEvent>({
  id: 'canonical',
  title: 'Canonical API',
  settings: canonicalSettings,
  webhook: {
    path: '/v1/events',
    mediaType: /^application\/(json|cloudevents\+json)\b/,
    toleranceSec: DEFAULT_CANONICAL_TOLERANCE_SEC,
    keyEncoding: 'standard-webhooks',
    keysOf: (config) => config.keys.map((k) => k.secret),
    signatureHeaders: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
    verify(req) {
      const deliveryId = req.header('webhook-id');
      const check = checkStandardWebhook(
        req.keys,
        { id: deliveryId, timestamp: req.header('webhook-timestamp'), signature: req.header('webhook-signature') },
        req.body,
        { nowMs: req.nowMs, toleranceSec: req.toleranceSec },
      );
      if ('failure' in check) return { ok: false, failure: check.failure };
      // A sender's retry of one message keeps its webhook-id; the body is part of the key so that two
      // senders who happen to pick the same id are never taken for a replay of each other.
      return { ok: true, replayParts: [deliveryId ?? '', req.body], ...(deliveryId ? { deliveryId } : {}), signers: check.matched };
    },
    sign(req) {
      const timestampSec = Math.floor(req.nowMs / 1000);
      return {
        'webhook-id': req.deliveryId,
        'webhook-timestamp': String(timestampSec),
        'webhook-signature': signStandardWebhook(req.key, req.deliveryId, timestampSec, req.body),
      };
    },
    parse(req) {
      let json: unknown;
      try {
        json = JSON.parse(req.body.toString('utf8'));
      } catch {
        return { ok: false, code: 'invalid-json', reason: 'body is not valid JSON' };
      }
      const reserved = reservedKeyPath(json);
      if (reserved !== undefined) {
        const issue = { path: reserved, message: 'is a reserved name (__proto__, constructor, prototype)' };
        return { ok: false, code: 'invalid-event', reason: `${issue.path}: ${issue.message}`, details: [issue] };
      }
      const parsed = JmlEvent.safeParse(json);
      if (parsed.success) return { ok: true, payload: parsed.data };
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return { ok: false, code: 'invalid-event', reason: issues.map((i) => `${i.path}: ${i.message}`).join('; '), details: issues };
    },
    normalize(req) {
      const event = req.payload;
      const signers = req.signers.map((i) => req.config.keys[i] as CanonicalKeyConfig);
      if (!signers.some((key) => keyMaySend(key, event))) {
        const reason = `signed by ${signers.map((k) => k.name).join(', ')}, which may not send source '${event.source}' subject '${event.subject}'`;
        return { ok: false, code: 'out-of-scope', reason };
      }
      return { ok: true, events: [event], rejected: [], warnings: [] };
    },
    answer: singleEventAnswer,
  },
  golden: {
    dir: fileURLToPath(new URL('golden/', import.meta.url)),
    tenant: ({ key }) => ({ keys: [{ name: 'JML_CANONICAL_SECRET', secret: key }] }),
  },
});

/**
 * Whether a key may send an event: its `source` starts with one of the key's source prefixes and its
 * `subject` with one of its subject prefixes; a key without a list is not limited on that field.
 */
export function keyMaySend(key: Pick<CanonicalKeyConfig, 'sources' | 'subjects'>, event: Pick<JmlEvent, 'source' | 'subject'>): boolean {
  const within = (value: string, prefixes: readonly string[] | undefined) => prefixes === undefined || prefixes.some((p) => value.startsWith(p));
  return within(event.source, key.sources) && within(event.subject, key.subjects);
}
