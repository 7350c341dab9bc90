import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Verification of Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature:
 * space-separated `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">`). Always on the raw bytes.
 */
export type SignatureFailure = 'signature-missing' | 'timestamp-invalid' | 'timestamp-out-of-window' | 'signature-invalid';

export interface SignatureHeaders {
  id?: string;
  timestamp?: string;
  signature?: string;
}

/** Secret bytes: `whsec_<base64>` as Standard Webhooks issues them, otherwise the UTF-8 text itself. */
export function secretBytes(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

export function signStandardWebhook(secret: string, id: string, timestampSec: number, body: Buffer | string): string {
  const mac = createHmac('sha256', secretBytes(secret)).update(`${id}.${timestampSec}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

/** Returns undefined when the delivery is authentic and fresh, else why not. */
export function verifyStandardWebhook(
  secret: string,
  headers: SignatureHeaders,
  body: Buffer,
  opts: { nowMs: number; toleranceSec: number },
): SignatureFailure | undefined {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return 'signature-missing';
  if (!/^\d{1,12}$/.test(timestamp)) return 'timestamp-invalid';
  const ts = Number(timestamp);
  if (Math.abs(opts.nowMs / 1000 - ts) > opts.toleranceSec) return 'timestamp-out-of-window';
  const expected = Buffer.from(signStandardWebhook(secret, id, ts, body).slice(3), 'base64');
  for (const candidate of signature.split(' ')) {
    const [version, value] = candidate.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return undefined;
  }
  return 'signature-invalid';
}
