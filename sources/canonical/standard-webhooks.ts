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

/** Returns undefined when the delivery is authentic and fresh (signed by any of `secrets`), else why not. */
export function verifyStandardWebhook(
  secrets: string | readonly string[],
  headers: SignatureHeaders,
  body: Buffer,
  opts: { nowMs: number; toleranceSec: number },
): SignatureFailure | undefined {
  const check = checkStandardWebhook(typeof secrets === 'string' ? [secrets] : secrets, headers, body, opts);
  return 'failure' in check ? check.failure : undefined;
}

/**
 * Like {@link verifyStandardWebhook}, and tells which keys signed: the indexes into `secrets` of
 * every key one of the `v1` signatures matches (a sender rotating its key may sign with both).
 * Every signature is compared with every key in constant time, so timing does not tell which key
 * matched. An empty `secrets` fails exactly as a wrong key does.
 */
export function checkStandardWebhook(
  secrets: readonly string[],
  headers: SignatureHeaders,
  body: Buffer,
  opts: { nowMs: number; toleranceSec: number },
): { failure: SignatureFailure } | { matched: number[] } {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return { failure: 'signature-missing' };
  if (!/^\d{1,12}$/.test(timestamp)) return { failure: 'timestamp-invalid' };
  const ts = Number(timestamp);
  if (Math.abs(opts.nowMs / 1000 - ts) > opts.toleranceSec) return { failure: 'timestamp-out-of-window' };
  const given = signature
    .split(' ')
    .map((candidate) => candidate.split(',', 2))
    .flatMap(([version, value]) => (version === 'v1' && value ? [Buffer.from(value, 'base64')] : []));
  const matched: number[] = [];
  secrets.forEach((secret, i) => {
    const expected = Buffer.from(signStandardWebhook(secret, id, ts, body).slice(3), 'base64');
    let match = false;
    for (const g of given) if (g.length === expected.length && timingSafeEqual(g, expected)) match = true;
    if (match) matched.push(i);
  });
  return matched.length > 0 ? { matched } : { failure: 'signature-invalid' };
}
