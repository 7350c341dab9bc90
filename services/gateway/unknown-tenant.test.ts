import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { memorySink } from '../../test/fakes/pollers';
import { bambooHrSource } from '../../sources/bamboohr';
import { signBambooHr } from '../../sources/bamboohr/signature';
import { signStandardWebhook } from '../../sources/canonical/standard-webhooks';
import { workdaySource } from '../../sources/workday';
import { signWorkday } from '../../sources/workday/signature';
import { readDeadLetterHeaders, readDeliveryHeaders } from '../kafka/dead-letter';
import { TOPICS } from '../kafka/topics';
import { gatewayCounters } from '../metrics';
import { buildGateway } from './app';
import { sourceRoute } from './source-route';
import { UnknownTenantLetters, type CapVerdict, type LetterCap, type UnknownTenantLetter } from './unknown-tenant';

const NOW = 1_795_400_000_000;
const KEY = 'workday-tenant-test-key-000001';
const CANONICAL = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const BODY = '{"Contract_Version":"1"}';
const log = pino({ level: 'silent' });
/** Workday's signature headers as a plain record. */
const wd = (secret: string, timestampSec: number, body = BODY): Record<string, string> => ({ ...signWorkday({ secret, body, timestampSec }) });

/** The Redis cap's rules in memory: per route and minute first, then bytes over all routes. */
function memoryCap(opts: { perRoute: number; bytes: number }): LetterCap & { fail: boolean } {
  const perRoute = new Map<string, number>();
  let bytes = 0;
  return {
    fail: false,
    async admit(req): Promise<CapVerdict> {
      if (this.fail) throw new Error('scripted store failure');
      const n = (perRoute.get(req.route) ?? 0) + 1;
      perRoute.set(req.route, n);
      if (n > opts.perRoute) return 'route-capped';
      bytes += req.bytes;
      return bytes > opts.bytes ? 'total-capped' : 'admitted';
    },
  };
}

function gateway(cap: LetterCap = memoryCap({ perRoute: 100, bytes: 1_000_000 })) {
  const sink = memorySink();
  const metrics = gatewayCounters();
  const app = buildGateway({
    producer: sink,
    metrics,
    isReady: () => true,
    log,
    canonicalKeys: [{ name: 'JML_CANONICAL_SECRET', secret: CANONICAL }],
    bodyLimitBytes: 64 * 1024,
    now: () => NOW,
    unknownTenantCap: cap,
    routes: [
      sourceRoute(workdaySource, { tenants: { acme: { secrets: [KEY], defaultTimeZone: 'UTC' } } }),
      sourceRoute(bambooHrSource, { tenants: { acme: { webhookKeys: [KEY], apiKey: 'k', apiBaseUrl: 'http://127.0.0.1:1/v1' } } }),
    ],
  });
  const letters = () => sink.sent.filter((o) => o.topic === TOPICS.dlq).map((o) => ({ headers: readDeadLetterHeaders(o.message.headers), body: String(o.message.value) }));
  return { app, sink, metrics, letters };
}

/** Everything a caller sees of an answer, but the date. */
function seen(res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  const { date: _date, ...headers } = res.headers;
  return { status: res.statusCode, headers, body: res.body };
}

describe('deliveries for an unknown tenant', () => {
  const signed = {
    workday: (key: string) => wd(key, NOW / 1000),
    bamboohr: (key: string) => ({ 'x-bamboohr-timestamp': String(NOW / 1000), 'x-bamboohr-signature': signBambooHr({ privateKey: key, body: BODY, timestamp: String(NOW / 1000) }) }),
  };

  for (const [source, sign] of Object.entries(signed)) {
    it(`${source} > are answered byte for byte as a wrong key is, and recorded in the DLQ with the signature headers`, async () => {
      const { app, letters, metrics } = gateway();
      const post = (tenant: string, headers: Record<string, string>) =>
        app.inject({ method: 'POST', url: `/webhooks/${source}/${tenant}`, headers: { 'content-type': 'application/json', authorization: 'Bearer not-kept', ...headers }, payload: BODY });
      const laterKey = 'the-key-of-a-tenant-configured-later';
      const unknown = await post('late', sign(laterKey));
      const wrongKey = await post('acme', sign(laterKey));
      expect(seen(unknown)).toEqual(seen(wrongKey));
      expect(unknown.statusCode).toBe(401);
      await app.close();

      const [letter, ...others] = letters();
      expect(others).toEqual([]);
      expect(letter?.body).toBe(BODY);
      expect(letter?.headers).toMatchObject({ 'jml-reject-code': 'unknown-tenant', 'jml-route': `/webhooks/${source}/late`, 'jml-content-type': 'application/json', 'jml-received-at': new Date(NOW).toISOString() });
      expect(letter?.headers['jml-reject-reason']).toMatch(/no tenant 'late' configured/);
      // Exactly what the source's verification reads: never our own credentials.
      expect(readDeliveryHeaders(letter?.headers ?? ({} as never))).toEqual(sign(laterKey));
      expect(metrics.get('jml_gateway_unconfigured_tenant_letters_total', { outcome: 'recorded' })).toBe(1);
      // Counted like any wrong signature; the metrics name no tenant.
      expect(metrics.get('jml_gateway_rejected_total', { code: 'signature-invalid' })).toBe(2);
    });
  }

  it('are recorded only when they could verify once the tenant is configured, and only for names a tenant can have', async () => {
    const { app, letters, metrics } = gateway();
    const post = (tenant: string, headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: `/webhooks/workday/${tenant}`, headers: { 'content-type': 'application/json', ...headers }, payload: BODY });
    const stale = wd(KEY, NOW / 1000 - 3600);
    const answers = [
      await post('late', {}),
      await post('late', stale),
      await post('Not_A_Tenant', wd(KEY, NOW / 1000)),
      await post('x'.repeat(64), wd(KEY, NOW / 1000)),
    ];
    expect(answers.map((a) => [a.statusCode, a.json().error.code])).toEqual([
      [401, 'signature-missing'],
      [401, 'timestamp-out-of-window'],
      [401, 'signature-invalid'],
      [401, 'signature-invalid'],
    ]);
    await app.close();
    expect(letters()).toEqual([]);
    expect(metrics.get('jml_gateway_unconfigured_tenant_letters_total', { outcome: 'recorded' })).toBe(0);
  });

  it('are capped per route and minute and in bytes over all routes; what is dropped is counted, never written', async () => {
    const { app, letters, metrics } = gateway(memoryCap({ perRoute: 2, bytes: 4 * BODY.length }));
    const post = (tenant: string) =>
      app.inject({ method: 'POST', url: `/webhooks/workday/${tenant}`, headers: { 'content-type': 'application/json', ...wd(KEY, NOW / 1000) }, payload: BODY });
    for (const tenant of ['a', 'a', 'a', 'b', 'b', 'c']) expect((await post(tenant)).statusCode).toBe(401);
    await app.close();
    expect(letters().map((l) => l.headers['jml-route'])).toEqual(['/webhooks/workday/a', '/webhooks/workday/a', '/webhooks/workday/b', '/webhooks/workday/b']);
    expect(metrics.get('jml_gateway_unconfigured_tenant_letters_total', { outcome: 'route-capped' })).toBe(1);
    expect(metrics.get('jml_gateway_unconfigured_tenant_letters_total', { outcome: 'total-capped' })).toBe(1);
  });

  it('are dropped, not written without a bound, when the cap store does not answer; a failed produce is counted', async () => {
    const sink = memorySink();
    const metrics = gatewayCounters();
    const cap = memoryCap({ perRoute: 10, bytes: 1_000 });
    const recorder = new UnknownTenantLetters({ cap, producer: sink, metrics, log });
    const letter: UnknownTenantLetter = { route: '/webhooks/workday/late', reason: 'r', body: Buffer.from(BODY), deliveryHeaders: {}, contentType: 'application/json', receivedAtMs: NOW };
    cap.fail = true;
    expect(await recorder.record(letter)).toBe('store-unavailable');
    cap.fail = false;
    sink.failNext();
    expect(await recorder.record(letter)).toBe('kafka-unavailable');
    expect(sink.sent).toEqual([]);
    expect(await recorder.record(letter)).toBe('recorded');
    expect(['store-unavailable', 'kafka-unavailable', 'recorded'].map((outcome) => metrics.get('jml_gateway_unconfigured_tenant_letters_total', { outcome }))).toEqual([1, 1, 1]);
  });

  it('are answered but not recorded by a gateway without a cap', async () => {
    const sink = memorySink();
    const app = buildGateway({ producer: sink, metrics: gatewayCounters(), isReady: () => true, log, canonicalKeys: [{ name: 'K', secret: CANONICAL }], bodyLimitBytes: 64 * 1024, now: () => NOW, routes: [sourceRoute(workdaySource, { tenants: {} })] });
    const res = await app.inject({ method: 'POST', url: '/webhooks/workday/late', headers: { 'content-type': 'application/json', ...wd(KEY, NOW / 1000) }, payload: BODY });
    await app.close();
    expect([res.statusCode, sink.sent]).toEqual([401, []]);
  });
});

describe('dead letters of verified deliveries', () => {
  it('keep the headers the signature was checked with and the content type, so they can be verified again', async () => {
    const { app, letters } = gateway();
    const body = '{"not":"a workday contract"}';
    const sent = wd(KEY, NOW / 1000, body);
    const res = await app.inject({ method: 'POST', url: '/webhooks/workday/acme', headers: { 'content-type': 'application/json; charset=utf-8', 'x-other': 'ignored', ...sent }, payload: body });
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'invalid-payload']);
    await app.close();
    const [letter] = letters();
    expect(letter?.headers).toMatchObject({ 'jml-reject-code': 'invalid-payload', 'jml-route': '/webhooks/workday/acme', 'jml-content-type': 'application/json; charset=utf-8' });
    expect(readDeliveryHeaders(letter?.headers ?? ({} as never))).toEqual(sent);
  });

  it('canonical > keep webhook-id, -timestamp and -signature and nothing else the sender sent', async () => {
    const { app, letters } = gateway();
    const body = '{"not":"an event"}';
    const ts = NOW / 1000;
    const sent = { 'webhook-id': 'wh-dlq-1', 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(CANONICAL, 'wh-dlq-1', ts, body) };
    const res = await app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', authorization: 'Bearer secret-of-ours', cookie: 'c=1', ...sent }, payload: body });
    expect(res.statusCode).toBe(400);
    await app.close();
    const [letter] = letters();
    expect(readDeliveryHeaders(letter?.headers ?? ({} as never))).toEqual(sent);
  });
});
