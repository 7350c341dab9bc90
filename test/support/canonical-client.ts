import { signStandardWebhook } from '../../sources/canonical/standard-webhooks';

/** Posts a body to the canonical API signed Standard-Webhooks style, as an HR integration would. */
export async function postSigned(opts: {
  url: string;
  secret: string;
  body: unknown;
  webhookId: string;
  timestampSec?: number;
  contentType?: string;
}): Promise<{ status: number; json: unknown }> {
  const raw = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const ts = opts.timestampSec ?? Math.floor(Date.now() / 1000);
  const res = await fetch(`${opts.url}/v1/events`, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? 'application/json',
      'webhook-id': opts.webhookId,
      'webhook-timestamp': String(ts),
      'webhook-signature': signStandardWebhook(opts.secret, opts.webhookId, ts, raw),
    },
    body: raw,
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}
