import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignatureFailure } from '__SDK__/define';

/**
 * Signatures of __ID__ webhooks, as generated (TODO(__ID__): the vendor's documented scheme):
 *
 *   X-__PASCAL__-Timestamp: <epoch seconds>
 *   X-__PASCAL__-Signature: sha256=<lowercase hex HMAC-SHA256(key, "<timestamp>.<raw body>")>
 *
 * The key is used as its UTF-8 bytes; the timestamp is inside the MAC, so a captured post cannot be
 * replayed outside the window. Always verified on the raw body, before parsing.
 */
export const TIMESTAMP_HEADER = 'x-__ID__-timestamp';
export const SIGNATURE_HEADER = 'x-__ID__-signature';

/** A post is accepted up to this far from our clock, either way. */
export const DEFAULT_TOLERANCE_SEC = 300;

const SCHEME = 'sha256=';

const mac = (key: string, timestamp: string, body: Buffer | string) => createHmac('sha256', Buffer.from(key, 'utf8')).update(`${timestamp}.`).update(body).digest();

/** The headers a sender sends with this body at this time (tests, tools). */
export function sign__PASCAL__(req: { key: string; body: Buffer | string; timestampSec: number }): Record<string, string> {
  const timestamp = String(req.timestampSec);
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `${SCHEME}${mac(req.key, timestamp, req.body).toString('hex')}` };
}

/**
 * Undefined when the post is authentic and fresh, else why not; checks run in a fixed order
 * (presence, timestamp syntax, window, MAC) and every key is compared in constant time.
 */
export function verify__PASCAL__Signature(req: {
  keys: readonly string[];
  timestamp?: string;
  signature?: string;
  body: Buffer;
  nowMs: number;
  toleranceSec: number;
}): SignatureFailure | undefined {
  const timestamp = req.timestamp?.trim();
  const signature = req.signature?.trim().toLowerCase();
  if (!timestamp || !signature) return 'signature-missing';
  if (!/^\d{1,12}$/.test(timestamp)) return 'timestamp-invalid';
  if (Math.abs(req.nowMs - Number(timestamp) * 1000) > req.toleranceSec * 1000) return 'timestamp-out-of-window';
  if (!/^sha256=[0-9a-f]{64}$/.test(signature)) return 'signature-invalid';
  const given = Buffer.from(signature.slice(SCHEME.length), 'hex');
  let matched = false;
  for (const key of req.keys) if (timingSafeEqual(given, mac(key, timestamp, req.body))) matched = true;
  return matched ? undefined : 'signature-invalid';
}
