import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Outgoing } from '../kafka/coalescing-producer';
import { gatewayCounters } from '../metrics';
import { buildGateway } from './app';
import { signBambooHr } from '../../sources/bamboohr/signature';
import { signStandardWebhook } from '../../sources/canonical/standard-webhooks';
import { makeEvent } from '../../test/support/events';
import { sourceRoute } from './source-route';
import { bambooHrSource } from '../../sources/bamboohr';

const SECRET = 'whsec_cHJvcGVydHktdGVzdC1rZXktMDAwMDAwMQ==';
const KEY = 'bamboohr-property-test-key';
const NOW = 1_795_400_000_000;

function gateway() {
  const sent: Outgoing[] = [];
  const app = buildGateway({
    producer: { send: async (items) => void sent.push(...items) },
    metrics: gatewayCounters(),
    isReady: () => true,
    log: pino({ level: 'silent' }),
    canonicalKeys: [{ name: 'JML_CANONICAL_SECRET', secret: SECRET }],
    bodyLimitBytes: 64 * 1024,
    now: () => NOW,
    routes: [
      sourceRoute(bambooHrSource, {
        tenants: { acme: { webhookKeys: [KEY], apiKey: 'k', apiBaseUrl: 'http://127.0.0.1:1/v1' } },
        // Hydration fails permanently here: the property is about the answer, not the API.
        clientFor: () => ({
          getEmployee: async () => Promise.reject(Object.assign(new Error('gone'), { name: 'BambooHrApiError', code: 'not-found', retryable: false })),
          listChangedSince: async () => ({ changes: [] }),
        }),
      }),
    ],
  });
  return { app, sent };
}

const jsonish = fc.oneof(
  fc.string(),
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  // Mutations of a valid event: every field replaced by arbitrary JSON, one at a time.
  fc.tuple(fc.constantFrom('id', 'type', 'subject', 'time', 'data', 'specversion', 'source'), fc.jsonValue()).map(([key, value]) =>
    JSON.stringify({ ...makeEvent({ personKey: 'bamboohr:1', type: 'jml.joiner' }), [key]: value }),
  ),
);

describe('gateway properties', () => {
  it('canonical > any signed body gets 202 or a 400 recorded in the DLQ; never a crash or a 5xx', async () => {
    const { app, sent } = gateway();
    await fc.assert(
      fc.asyncProperty(jsonish, async (body) => {
        const before = sent.length;
        const ts = NOW / 1000;
        const res = await app.inject({
          method: 'POST',
          url: '/v1/events',
          headers: { 'content-type': 'application/json', 'webhook-id': 'p', 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(SECRET, 'p', ts, body) },
          payload: body,
        });
        expect([202, 400, 413]).toContain(res.statusCode);
        if (res.statusCode === 400) expect(sent.slice(before).map((r) => r.topic)).toEqual(['jml.events.dlq.v1']);
        if (res.statusCode === 202) expect(sent.slice(before).map((r) => r.topic)).toEqual(['jml.events.v1', 'hr.webhooks.raw.v1']);
      }),
      { numRuns: 300 },
    );
    await app.close();
  });

  it('bamboohr > any signed body, JSON or form, gets a 2xx or 4xx answer; never a crash or a 5xx', async () => {
    const { app } = gateway();
    const form = fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 8 }).map((pairs) => new URLSearchParams(pairs).toString());
    await fc.assert(
      fc.asyncProperty(fc.oneof(jsonish.map((b) => ['application/json', b] as const), form.map((b) => ['application/x-www-form-urlencoded', b] as const)), async ([type, body]) => {
        const timestamp = String(NOW / 1000);
        const res = await app.inject({
          method: 'POST',
          url: '/webhooks/bamboohr/acme',
          headers: { 'content-type': type, 'x-bamboohr-timestamp': timestamp, 'x-bamboohr-signature': signBambooHr({ privateKey: KEY, body, timestamp }) },
          payload: body,
        });
        expect(res.statusCode).toBeGreaterThanOrEqual(200);
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    await app.close();
  });

  it('any route > an unsigned or wrongly signed body is 401 whatever it contains', async () => {
    const { app, sent } = gateway();
    await fc.assert(
      fc.asyncProperty(jsonish, fc.string(), async (body, signature) => {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/events',
          headers: { 'content-type': 'application/json', 'webhook-id': 'p', 'webhook-timestamp': String(NOW / 1000), 'webhook-signature': `v1,${signature}` },
          payload: body,
        });
        expect(res.statusCode).toBe(401);
      }),
      { numRuns: 200 },
    );
    expect(sent).toEqual([]);
    await app.close();
  });
});
