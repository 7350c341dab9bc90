import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { makeEvent } from '../../test/support/events';
import type { Outgoing } from '../kafka/coalescing-producer';
import { TOPICS } from '../kafka/topics';
import { gatewayCounters } from '../metrics';
import { buildGateway } from './app';
import type { DeliveryMemory, RememberedAnswer } from './replay-guard';
import type { BambooHrRecord } from '../../sources/bamboohr/fields';
import { signBambooHr } from '../../sources/bamboohr/signature';
import { signWorkday } from '../../sources/workday/signature';
import { signStandardWebhook } from '../../sources/canonical/standard-webhooks';
import { sourceRoute } from './source-route';
import { bambooHrSource } from '../../sources/bamboohr';
import { workdaySource } from '../../sources/workday';

const SECRET = `whsec_${Buffer.from('replay-guard-unit-test-key').toString('base64')}`;
const BAMBOO_KEY = 'bamboohr-replay-test-key-0001';
const WORKDAY_SECRET = 'workday-replay-test-secret-01';
const NOW = Date.parse('2026-02-02T09:15:03Z');
const fixture = (path: string) => readFileSync(new URL(`../../sources/${path.replace('/', '/golden/')}`, import.meta.url));
const BAMBOO_BODY = fixture('bamboohr/event-created.body.json');
const BAMBOO_RECORD = (JSON.parse(fixture('bamboohr/event-created.context.json').toString()) as { records: Record<string, BambooHrRecord> }).records['4101'];
const WORKDAY_BODY = fixture('workday/change-job.promotion.body.json');

/** Delivery memory of our own interface; `down` makes it throw like an unreachable Redis. */
class MemoryDeliveries implements DeliveryMemory {
  readonly answers = new Map<string, { answer: RememberedAnswer; ttlSeconds: number }>();
  down = false;
  async recall(key: string) {
    if (this.down) throw new Error('ECONNREFUSED');
    return this.answers.get(key)?.answer;
  }
  async remember(key: string, answer: RememberedAnswer, ttlSeconds: number) {
    if (this.down) throw new Error('ECONNREFUSED');
    if (!this.answers.has(key)) this.answers.set(key, { answer, ttlSeconds });
  }
}

function setup() {
  const sent: Outgoing[] = [];
  const sink = { fail: false, send: async (items: Outgoing[]) => (sink.fail ? Promise.reject(new Error('KafkaJSConnectionError')) : void sent.push(...items)) };
  const deliveries = new MemoryDeliveries();
  const hydrations: string[] = [];
  const metrics = gatewayCounters();
  const app = buildGateway({
    producer: sink,
    deliveries,
    metrics,
    isReady: () => true,
    log: pino({ level: 'silent' }),
    canonicalKeys: [{ name: 'JML_CANONICAL_SECRET', secret: SECRET }],
    bodyLimitBytes: 1024 * 1024,
    now: () => NOW,
    routes: [
      sourceRoute(bambooHrSource, {
        tenants: { acme: { webhookKeys: [BAMBOO_KEY], apiKey: 'k', apiBaseUrl: 'http://127.0.0.1:1/v1', timeZone: 'Europe/London' } },
        clientFor: () => ({
          getEmployee: async (r) => {
            hydrations.push(r.employeeId);
            return { id: r.employeeId, ...BAMBOO_RECORD };
          },
          listChangedSince: async () => ({ changes: [] }),
        }),
      }),
      sourceRoute(workdaySource, { tenants: { acme: { secrets: [WORKDAY_SECRET], defaultTimeZone: 'America/Los_Angeles' } } }),
    ],
  });
  return { app, sent, sink, deliveries, hydrations, metrics };
}

let current: ReturnType<typeof setup> | undefined;
afterEach(async () => current?.app.close());

function canonicalRequest(body: string, id = 'wh-replay-1') {
  const ts = NOW / 1000;
  return {
    method: 'POST' as const,
    url: '/v1/events',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(SECRET, id, ts, body) },
    payload: body,
  };
}

function bambooRequest() {
  const timestamp = String(NOW / 1000);
  return {
    method: 'POST' as const,
    url: '/webhooks/bamboohr/acme',
    headers: { 'content-type': 'application/json', 'x-bamboohr-timestamp': timestamp, 'x-bamboohr-signature': signBambooHr({ privateKey: BAMBOO_KEY, body: BAMBOO_BODY, timestamp }) },
    payload: BAMBOO_BODY,
  };
}

describe('replayed deliveries', () => {
  it('canonical > the same signed request again gets the first answer, flagged, and produces nothing', async () => {
    current = setup();
    const body = JSON.stringify(makeEvent({ personKey: 'bamboohr:4101', type: 'jml.joiner' }));
    const first = await current.app.inject(canonicalRequest(body));
    const again = await current.app.inject(canonicalRequest(body));
    expect(first.statusCode).toBe(202);
    expect([again.statusCode, again.json(), again.headers['jml-replay']]).toEqual([202, first.json(), 'true']);
    expect(first.headers['jml-replay']).toBeUndefined();
    expect(current.sent.map((r) => r.topic)).toEqual([TOPICS.events, TOPICS.raw]);
    expect(current.metrics.get('jml_gateway_replays_total', { route: '/v1/events' })).toBe(1);
    // Remembered for the whole window a copy can arrive in: twice the tolerance, and a margin.
    expect([...current.deliveries.answers.values()].map((a) => a.ttlSeconds)).toEqual([660]);
  });

  it('canonical > another delivery id, or another body under the same id, is a new delivery', async () => {
    current = setup();
    const a = JSON.stringify(makeEvent({ personKey: 'bamboohr:4101', type: 'jml.joiner' }));
    const b = JSON.stringify(makeEvent({ personKey: 'bamboohr:4102', type: 'jml.joiner' }));
    for (const req of [canonicalRequest(a, 'wh-1'), canonicalRequest(a, 'wh-2'), canonicalRequest(b, 'wh-1')]) {
      const res = await current.app.inject(req);
      expect([res.statusCode, res.headers['jml-replay']]).toEqual([202, undefined]);
    }
    expect(current.sent.filter((r) => r.topic === TOPICS.raw)).toHaveLength(3);
  });

  it('bamboohr > a replay is not hydrated again nor archived again', async () => {
    current = setup();
    const first = await current.app.inject(bambooRequest());
    const again = await current.app.inject(bambooRequest());
    expect(first.statusCode).toBe(202);
    expect([again.statusCode, again.json(), again.headers['jml-replay']]).toEqual([202, first.json(), 'true']);
    expect(current.hydrations).toEqual(['4101']);
    expect(current.sent.filter((r) => r.topic === TOPICS.raw)).toHaveLength(1);
  });

  it('workday > a replay is answered from memory', async () => {
    current = setup();
    const post = () =>
      current!.app.inject({
        method: 'POST',
        url: '/webhooks/workday/acme',
        headers: { 'content-type': 'application/json', ...signWorkday({ secret: WORKDAY_SECRET, body: WORKDAY_BODY, timestampSec: NOW / 1000 }) },
        payload: WORKDAY_BODY,
      });
    const first = await post();
    const again = await post();
    expect(first.statusCode).toBe(202);
    expect([again.statusCode, again.json(), again.headers['jml-replay']]).toEqual([202, first.json(), 'true']);
    expect(current.sent.filter((r) => r.topic === TOPICS.raw)).toHaveLength(1);
  });

  it('rejected > a delivery recorded in the DLQ is remembered too: its replay is not recorded again', async () => {
    current = setup();
    const first = await current.app.inject(canonicalRequest('{"not":"an event"}'));
    const again = await current.app.inject(canonicalRequest('{"not":"an event"}'));
    expect([first.statusCode, again.statusCode, again.headers['jml-replay']]).toEqual([400, 400, 'true']);
    expect(current.sent.map((r) => r.topic)).toEqual([TOPICS.dlq]);
  });

  it('retries > a delivery answered 5xx is not remembered: the retry does the work', async () => {
    current = setup();
    current.sink.fail = true;
    expect((await current.app.inject(bambooRequest())).statusCode).toBe(503);
    current.sink.fail = false;
    const retry = await current.app.inject(bambooRequest());
    expect([retry.statusCode, retry.headers['jml-replay']]).toEqual([202, undefined]);
    expect(current.hydrations).toEqual(['4101', '4101']);
  });

  it('unauthentic > a request that fails verification is never remembered', async () => {
    current = setup();
    const req = bambooRequest();
    const forged = { ...req, headers: { ...req.headers, 'x-bamboohr-signature': '0'.repeat(64) } };
    expect((await current.app.inject(forged)).statusCode).toBe(401);
    expect(current.deliveries.answers.size).toBe(0);
  });

  it('degrades > without Redis every copy is handled, and the metric says the memory was skipped', async () => {
    current = setup();
    current.deliveries.down = true;
    expect((await current.app.inject(bambooRequest())).statusCode).toBe(202);
    expect((await current.app.inject(bambooRequest())).statusCode).toBe(202);
    expect(current.hydrations).toEqual(['4101', '4101']);
    expect(current.metrics.get('jml_gateway_replay_guard_unavailable_total')).toBe(2);
  });
});
