import { fileURLToPath } from 'node:url';
import { JmlEvent, reservedKeyPath } from '../../schemas/jml-event.v1';
import { actionOf, isSecurityActionType, SecurityAction } from '../../schemas/security-action.v1';
import { singleEventAnswer } from '../sdk/answers';
import { defineSource } from '../sdk/define';
import { canonicalSettings, type CanonicalKeyConfig, type CanonicalTenantConfig } from './settings';
import { checkStandardWebhook, signStandardWebhook } from './standard-webhooks';

/** Default signature window of the canonical API, in seconds either way. */
export const DEFAULT_CANONICAL_TOLERANCE_SEC = 300;

/**
 * The canonical API (`POST /v1/events`): one JmlEvent, or one SecurityAction (an emergency suspend
 * or restore, schemas/security-action.v1.ts), signed Standard-Webhooks style, from any sender. It has
 * no tenants: its one tenant is its list of keys, each limited to the event sources and subjects it
 * may speak for, and to the security actions it may send, none unless listed ({@link keyMaySend}).
 * An authentic event outside what every key that signed it may send is answered 403 `out-of-scope`
 * and dead-lettered, never produced.
 */
export const canonicalSource = defineSource<CanonicalTenantConfig, JmlEvent | SecurityAction>({
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
      // A security action is told apart by its type alone; the rest of it is checked by its own schema.
      const schema = isSecurityActionType((json as { type?: unknown } | null)?.type) ? SecurityAction : JmlEvent;
      const parsed = schema.safeParse(json);
      if (parsed.success) return { ok: true, payload: parsed.data };
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return { ok: false, code: 'invalid-event', reason: issues.map((i) => `${i.path}: ${i.message}`).join('; '), details: issues };
    },
    normalize(req) {
      const event = req.payload;
      const signers = req.signers.map((i) => req.config.keys[i] as CanonicalKeyConfig);
      if (!signers.some((key) => keyMaySend(key, event))) {
        const what = isAction(event) ? `a ${actionOf(event.type)} of subject '${event.subject}' from source '${event.source}'` : `source '${event.source}' subject '${event.subject}'`;
        const reason = `signed by ${signers.map((k) => k.name).join(', ')}, which may not send ${what}`;
        return { ok: false, code: 'out-of-scope', reason };
      }
      if (isAction(event)) return { ok: true, events: [], actions: [event], rejected: [], warnings: [] };
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
 * `subject` with one of its subject prefixes; a key without a list is not limited on that field. A
 * security action also needs its action in the key's `actions`: a key without that list sends none.
 */
export function keyMaySend(key: Pick<CanonicalKeyConfig, 'sources' | 'subjects' | 'actions'>, event: Pick<JmlEvent | SecurityAction, 'source' | 'subject' | 'type'>): boolean {
  const within = (value: string, prefixes: readonly string[] | undefined) => prefixes === undefined || prefixes.some((p) => value.startsWith(p));
  const allowed = !isSecurityActionType(event.type) || (key.actions ?? []).includes(actionOf(event.type));
  return allowed && within(event.source, key.sources) && within(event.subject, key.subjects);
}

const isAction = (event: JmlEvent | SecurityAction): event is SecurityAction => isSecurityActionType(event.type);
