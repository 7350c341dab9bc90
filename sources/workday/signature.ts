import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signatures of Workday contract posts. Workday has no webhook signing of its own, so the
 * integration signs each post with a secret shared with the gateway:
 *
 *   X-Jml-Timestamp: <epoch seconds>
 *   X-Jml-Signature: sha256=<lowercase hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *
 * The secret is used as its UTF-8 bytes. The timestamp is inside the MAC, so a captured request
 * cannot be replayed outside the window with a fresh timestamp. Verify on the raw body bytes,
 * before parsing: re-serialised JSON would not match.
 */
export type WorkdaySignatureFailure = 'signature-missing' | 'timestamp-invalid' | 'timestamp-out-of-window' | 'signature-invalid';

/** Header names, lowercase as Node exposes them. */
export const WORKDAY_TIMESTAMP_HEADER = 'x-jml-timestamp';
export const WORKDAY_SIGNATURE_HEADER = 'x-jml-signature';

/** Default replay window: a post is accepted up to this far from our clock, either way. */
export const DEFAULT_WORKDAY_TOLERANCE_SEC = 300;

const SCHEME = 'sha256=';

export interface SignWorkdayRequest {
  secret: string;
  /** The exact bytes (or UTF-8 text) that will be sent as the body. */
  body: Buffer | string;
  /** Epoch seconds, the value of `X-Jml-Timestamp`. */
  timestampSec: number;
}

export interface SignedWorkdayHeaders {
  'x-jml-timestamp': string;
  'x-jml-signature': string;
}

/** The headers an integration sends with this body at this time (for tests, tools and the docs' example). */
export function signWorkday(req: SignWorkdayRequest): SignedWorkdayHeaders {
  if (!Number.isInteger(req.timestampSec) || req.timestampSec < 0) throw new RangeError(`timestampSec must be a non-negative integer: ${req.timestampSec}`);
  const timestamp = String(req.timestampSec);
  return { [WORKDAY_TIMESTAMP_HEADER]: timestamp, [WORKDAY_SIGNATURE_HEADER]: `${SCHEME}${mac(req.secret, timestamp, req.body).toString('hex')}` };
}

export interface VerifyWorkdayRequest {
  /** The shared secret; during a rotation, the new and the old one (any match is accepted). */
  secret: string | readonly string[];
  /** `X-Jml-Timestamp`, if present. */
  timestamp?: string;
  /** `X-Jml-Signature`, if present. */
  signature?: string;
  /** The raw request body. */
  body: Buffer;
  nowMs: number;
  /** Replay window in seconds; {@link DEFAULT_WORKDAY_TOLERANCE_SEC} when absent. */
  toleranceSec?: number;
}

/**
 * Undefined when the post is authentic and fresh, else why not. Checks run in a fixed order
 * (presence, timestamp syntax, window, MAC) so the reason is stable; every MAC comparison is
 * constant-time and every configured secret is tried, so timing does not reveal which one matched.
 */
export function verifyWorkdaySignature(req: VerifyWorkdayRequest): WorkdaySignatureFailure | undefined {
  const timestamp = req.timestamp?.trim();
  const signature = req.signature?.trim();
  if (!timestamp || !signature) return 'signature-missing';
  if (!/^\d{1,12}$/.test(timestamp)) return 'timestamp-invalid';
  const toleranceMs = (req.toleranceSec ?? DEFAULT_WORKDAY_TOLERANCE_SEC) * 1000;
  if (Math.abs(req.nowMs - Number(timestamp) * 1000) > toleranceMs) return 'timestamp-out-of-window';
  if (!signature.toLowerCase().startsWith(SCHEME)) return 'signature-invalid';
  const hex = signature.slice(SCHEME.length);
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return 'signature-invalid';
  const given = Buffer.from(hex, 'hex');
  let matched = false;
  for (const secret of typeof req.secret === 'string' ? [req.secret] : req.secret) {
    if (timingSafeEqual(given, mac(secret, timestamp, req.body))) matched = true;
  }
  return matched ? undefined : 'signature-invalid';
}

function mac(secret: string, timestamp: string, body: Buffer | string): Buffer {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.`, 'utf8').update(body).digest();
}
