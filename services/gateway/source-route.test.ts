import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { gatewayCounters } from '../metrics';
import { buildGateway } from './app';
import { signBambooHr } from '../../sources/bamboohr/signature';
import { signWorkday } from '../../sources/workday/signature';
import { loadConfig } from '../config';
import { registeredSourceRoutes, sourceRoute } from './source-route';
import { bambooHrSource } from '../../sources/bamboohr';
import { workdaySource } from '../../sources/workday';

const NOW = 1_795_400_000_000;
const KEY = 'bamboohr-tenant-test-key-0001';
const BODY = '{"type":"employee.created","timestamp":"2026-02-02T09:15:00+0000","data":{"companyId":"1","employeeId":"4101"}}';

function gateway() {
  const metrics = gatewayCounters();
  const app = buildGateway({
    producer: { send: async () => undefined },
    metrics,
    isReady: () => true,
    log: pino({ level: 'silent' }),
    canonicalKeys: [{ name: 'JML_CANONICAL_SECRET', secret: `whsec_${Buffer.alloc(32, 3).toString('base64')}` }],
    bodyLimitBytes: 64 * 1024,
    now: () => NOW,
    routes: [
      sourceRoute(bambooHrSource, { tenants: { acme: { webhookKeys: [KEY], apiKey: 'k', apiBaseUrl: 'http://127.0.0.1:1/v1' } } }),
      sourceRoute(workdaySource, { tenants: { acme: { secrets: [KEY], defaultTimeZone: 'UTC' } } }),
    ],
  });
  return { app, metrics };
}

/** Everything a caller sees of an answer, but the date. */
function seen(res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  const { date: _date, ...headers } = res.headers;
  return { status: res.statusCode, headers, body: res.body };
}

describe('tenants are not enumerable', () => {
  const ts = String(NOW / 1000);
  const variants = {
    bamboohr: {
      wrongKey: { 'x-bamboohr-timestamp': ts, 'x-bamboohr-signature': signBambooHr({ privateKey: 'not-the-key-of-this-tenant', body: BODY, timestamp: ts }) },
      rightKey: { 'x-bamboohr-timestamp': ts, 'x-bamboohr-signature': signBambooHr({ privateKey: KEY, body: BODY, timestamp: ts }) },
      stale: { 'x-bamboohr-timestamp': String(NOW / 1000 - 3600), 'x-bamboohr-signature': '0'.repeat(64) },
    },
    workday: {
      wrongKey: signWorkday({ secret: 'not-the-key-of-this-tenant', body: BODY, timestampSec: NOW / 1000 }),
      rightKey: signWorkday({ secret: KEY, body: BODY, timestampSec: NOW / 1000 }),
      stale: signWorkday({ secret: KEY, body: BODY, timestampSec: NOW / 1000 - 3600 }),
    },
  };

  for (const [source, headers] of Object.entries(variants)) {
    it(`${source} > an unknown tenant is answered exactly as a known one with a bad signature, whatever is sent`, async () => {
      const { app, metrics } = gateway();
      const post = (tenant: string, h: object) =>
        app.inject({ method: 'POST', url: `/webhooks/${source}/${tenant}`, headers: { 'content-type': 'application/json', ...(h as Record<string, string>) }, payload: BODY });
      for (const h of [headers.wrongKey, headers.stale, {}]) {
        expect(seen(await post('nobody', h))).toEqual(seen(await post('acme', h)));
      }
      // Even signed with a key some configured tenant has.
      const unknown = await post('nobody', headers.rightKey);
      expect([unknown.statusCode, unknown.json().error.code]).toEqual([401, 'signature-invalid']);
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).not.toMatch(/unknown|nobody/);
      expect(metrics.get('jml_gateway_rejected_total', { code: 'signature-invalid' })).toBe(3);
      await app.close();
    });
  }
});

describe('tenant keys', () => {
  it('routes > refuse a tenant without a key or with one under 24 bytes', () => {
    expect(() => sourceRoute(bambooHrSource, { tenants: { acme: { webhookKeys: [], apiKey: 'k', apiBaseUrl: 'http://127.0.0.1:1/v1' } } })).toThrow(/acme: no signing key/);
    expect(() => sourceRoute(bambooHrSource, { tenants: { acme: { webhookKeys: [KEY, 'short'], apiKey: 'k', apiBaseUrl: 'http://127.0.0.1:1/v1' } } })).toThrow(/acme: key 1 is 5 bytes/);
    expect(() => sourceRoute(workdaySource, { tenants: { acme: { secrets: ['short'], defaultTimeZone: 'UTC' } } })).toThrow(/Workday tenant acme: key 0/);
  });
});

describe('registered sources', () => {
  it('routes > every registered source with tenants is served from its configured tenants; the canonical API once, by the gateway', async () => {
    const config = loadConfig({
      K: KEY,
      JML_CANONICAL_SECRET: `whsec_${Buffer.alloc(32, 3).toString('base64')}`,
      JML_BAMBOOHR_TENANTS: JSON.stringify({ acme: { webhookKey: { env: 'K' }, apiKey: { env: 'K' }, companyDomain: 'acme' } }),
      JML_WORKDAY_TENANTS: JSON.stringify({ acme: { secret: { env: 'K' }, defaultTimeZone: 'UTC' } }),
    });
    const app = buildGateway({
      producer: { send: async () => undefined },
      metrics: gatewayCounters(),
      isReady: () => true,
      log: pino({ level: 'silent' }),
      canonicalKeys: config.gateway.canonicalKeys,
      bodyLimitBytes: 64 * 1024,
      now: () => NOW,
      routes: registeredSourceRoutes(config.sources),
    });
    const ts = NOW / 1000;
    const body = '{"neither":"source takes this"}';
    const post = (url: string, headers: Record<string, string>) => app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: body });
    const bamboo = await post('/webhooks/bamboohr/acme', { 'x-bamboohr-timestamp': String(ts), 'x-bamboohr-signature': signBambooHr({ privateKey: KEY, body, timestamp: String(ts) }) });
    const workday = await post('/webhooks/workday/acme', { ...signWorkday({ secret: KEY, body, timestampSec: ts }) });
    // Authentic deliveries (the configured keys verify them) of a body neither source takes.
    expect([bamboo.statusCode, bamboo.json().error.code, workday.statusCode, workday.json().error.code]).toEqual([400, 'invalid-payload', 400, 'invalid-payload']);
    expect((await post('/v1/events', {})).statusCode).toBe(401);
    await app.close();
  });
});
