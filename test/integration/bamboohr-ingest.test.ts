import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildGateway } from '../../services/gateway/app';
import { redisDedupe } from '../../services/gateway/dedupe';
import { redisDeliveryMemory } from '../../services/gateway/replay-guard';
import { signBambooHr } from '../../sources/bamboohr/signature';
import { createKafka } from '../../services/kafka/client';
import { CoalescingProducer } from '../../services/kafka/coalescing-producer';
import { TOPICS } from '../../services/kafka/topics';
import { gatewayCounters } from '../../services/metrics';
import { startFakeBambooHr, type FakeBambooHr } from '../../sources/bamboohr/testing/fake-api';
import { consumeUntil } from '../support/kafka';
import { sourceRoute } from '../../services/gateway/source-route';
import { bambooHrSource } from '../../sources/bamboohr';

const DIR = new URL('../../sources/bamboohr/golden/', import.meta.url);
const KEY = 'bamboohr-webhook-private-key';
const API_KEY = 'bamboohr-api-key';
const run = Date.now().toString(36);

interface Context {
  contentType: string;
  tenant: string;
  timeZone?: string;
  receivedAt: string;
  records?: Record<string, Record<string, string | null>>;
  previous?: unknown;
}

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.context.json'))
  .map((f) => f.slice(0, -'.context.json'.length))
  .sort()
  .map((name) => {
    const context = JSON.parse(readFileSync(new URL(`${name}.context.json`, DIR), 'utf8')) as Context;
    const bodyFile = readdirSync(DIR).find((f) => f === `${name}.body.json` || f === `${name}.body.txt`) as string;
    return {
      name,
      context,
      body: readFileSync(join(DIR.pathname, bodyFile)),
      expected: JSON.parse(readFileSync(new URL(`${name}.expected.json`, DIR), 'utf8')) as Array<{ id: string; subject: string }>,
    };
  });

describe('BambooHR webhooks through the gateway into Kafka', () => {
  const stack = inject('stack');
  const log = pino({ level: 'silent' });
  let producer: Producer;
  let redis: Redis;
  let fake: FakeBambooHr;

  beforeAll(async () => {
    producer = createKafka({ brokers: stack.kafkaBrokers, clientId: 'it-bamboohr', log }).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    redis = new Redis(stack.redisUrl);
    fake = await startFakeBambooHr({ apiKey: API_KEY, companyDomain: 'acme' });
  });
  afterAll(async () => {
    await producer?.disconnect();
    redis?.disconnect();
    await fake?.close();
  });

  let gateways = 0;
  function gatewayAt(context: Context) {
    return buildGateway({
      producer: new CoalescingProducer(producer),
      dedupe: redisDedupe(redis, { ttlSeconds: 600, keyPrefix: `it-${run}-dedupe` }),
      // Each gateway its own replay memory: several tests post the same signed fixture.
      deliveries: redisDeliveryMemory(redis, { keyPrefix: `it-${run}-delivery-${++gateways}` }),
      metrics: gatewayCounters(),
      isReady: () => true,
      log,
      canonicalKeys: [{ name: 'JML_CANONICAL_SECRET', secret: 'whsec_dW51c2VkLWNhbm9uaWNhbC1rZXktMDAwMDE=' }],
      bodyLimitBytes: 1024 * 1024,
      now: () => Date.parse(context.receivedAt),
      routes: [
        sourceRoute(bambooHrSource, {
          tenants: { [context.tenant]: { webhookKeys: [KEY], apiKey: API_KEY, apiBaseUrl: fake.url, ...(context.timeZone ? { timeZone: context.timeZone } : {}) } },
        }),
      ],
    });
  }

  // Fixtures that need what the caller knew before (`previous`) are covered by the unit golden test:
  // the gateway keeps no per-person state, so it cannot supply it.
  const viaGateway = fixtures.filter((f) => f.context.previous === undefined);

  it('covers > most golden fixtures end to end (those needing prior person state are unit-tested)', () => {
    expect(viaGateway.length).toBeGreaterThanOrEqual(fixtures.length - 1);
  });

  for (const fixture of viaGateway) {
    it(`fixture ${fixture.name} > produces exactly the expected events on ${TOPICS.events}`, async () => {
      for (const [id, fields] of Object.entries(fixture.context.records ?? {})) fake.setEmployee(id, fields);
      const app = gatewayAt(fixture.context);
      const timestamp = String(Math.floor(Date.parse(fixture.context.receivedAt) / 1000));
      const res = await app.inject({
        method: 'POST',
        url: `/webhooks/bamboohr/${fixture.context.tenant}`,
        headers: {
          'content-type': fixture.context.contentType,
          'x-bamboohr-timestamp': timestamp,
          'x-bamboohr-signature': signBambooHr({ privateKey: KEY, body: fixture.body, timestamp }),
        },
        payload: fixture.body,
      });
      await app.close();
      expect(res.statusCode).toBe(202);
      const wanted = new Set(fixture.expected.map((e) => e.id));
      expect(res.json()).toEqual({ accepted: [...wanted], duplicates: [], rejected: [] });

      // The same id under the expected key: the shared topic may hold this id from runs before the
      // person key format changed (ids did not change, keys did).
      const keyOf = new Map(fixture.expected.map((e) => [e.id, e.subject]));
      const found = new Map<string, unknown>();
      await consumeUntil({
        brokers: stack.kafkaBrokers,
        topic: TOPICS.events,
        take: (m) => {
          const id = m.headers?.['jml-event-id']?.toString();
          if (id && wanted.has(id) && !found.has(id) && m.key?.toString() === keyOf.get(id)) found.set(id, JSON.parse(m.value?.toString() ?? ''));
          return found.size === wanted.size ? true : undefined;
        },
      });
      expect(fixture.expected.map((e) => found.get(e.id))).toEqual(fixture.expected);
    });
  }

  it('signature > 401 on a wrong key, and the same 401 for an unknown tenant', async () => {
    const fixture = fixtures[0] as (typeof fixtures)[number];
    const app = gatewayAt(fixture.context);
    const timestamp = String(Math.floor(Date.parse(fixture.context.receivedAt) / 1000));
    const headers = { 'content-type': fixture.context.contentType, 'x-bamboohr-timestamp': timestamp };
    const wrong = await app.inject({
      method: 'POST',
      url: `/webhooks/bamboohr/${fixture.context.tenant}`,
      headers: { ...headers, 'x-bamboohr-signature': signBambooHr({ privateKey: 'not-the-key', body: fixture.body, timestamp }) },
      payload: fixture.body,
    });
    const unknown = await app.inject({
      method: 'POST',
      url: '/webhooks/bamboohr/nobody',
      headers: { ...headers, 'x-bamboohr-signature': signBambooHr({ privateKey: KEY, body: fixture.body, timestamp }) },
      payload: fixture.body,
    });
    await app.close();
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([401, 'signature-invalid']);
    expect([unknown.statusCode, unknown.json()]).toEqual([wrong.statusCode, wrong.json()]);
  });

  it('hydration > 503 when the BambooHR API keeps failing, so BambooHR retries; the retry succeeds', async () => {
    const fixture = fixtures.find((f) => f.name === 'event-created') as (typeof fixtures)[number];
    for (const [id, fields] of Object.entries(fixture.context.records ?? {})) fake.setEmployee(id, fields);
    const app = gatewayAt(fixture.context);
    const timestamp = String(Math.floor(Date.parse(fixture.context.receivedAt) / 1000));
    const post = () =>
      app.inject({
        method: 'POST',
        url: `/webhooks/bamboohr/${fixture.context.tenant}`,
        headers: {
          'content-type': fixture.context.contentType,
          'x-bamboohr-timestamp': timestamp,
          'x-bamboohr-signature': signBambooHr({ privateKey: KEY, body: fixture.body, timestamp }),
        },
        payload: fixture.body,
      });
    for (let i = 0; i < 4; i++) fake.failNext(500);
    const failed = await post();
    expect([failed.statusCode, failed.json().error.code]).toEqual([503, 'hr-api-unavailable']);
    const retried = await post();
    await app.close();
    expect(retried.statusCode).toBe(202);
  });

  it('replay > the same signed request twice: one hydration, one record on the raw topic, the same answer', async () => {
    const fixture = fixtures.find((f) => f.name === 'event-created') as (typeof fixtures)[number];
    const employeeId = String(Date.now() % 1_000_000_000);
    fake.setEmployee(employeeId, fixture.context.records?.['4101'] ?? {});
    const app = gatewayAt({ ...fixture.context, receivedAt: new Date().toISOString() });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const bodyAt = (at: string) => `{"type":"employee.created","timestamp":"${at}","data":{"companyId":"12345","employeeId":"${employeeId}"}}`;
    const post = (body: string) =>
      app.inject({
        method: 'POST',
        url: `/webhooks/bamboohr/${fixture.context.tenant}`,
        headers: { 'content-type': 'application/json', 'x-bamboohr-timestamp': timestamp, 'x-bamboohr-signature': signBambooHr({ privateKey: KEY, body, timestamp }) },
        payload: body,
      });
    const body = bodyAt('2026-02-02T09:15:00+0000');
    const hydrations = () => fake.requests.filter((r) => r.path === `/employees/${employeeId}`).length;
    const first = await post(body);
    const again = await post(body);
    expect(first.statusCode).toBe(202);
    expect([again.statusCode, again.json(), again.headers['jml-replay']]).toEqual([202, first.json(), 'true']);
    expect(hydrations()).toBe(1);
    // A different delivery about the same person lands after them in the same partition: once it is
    // read, every copy of the first one that was archived has been read too.
    const marker = bodyAt('2026-02-02T09:15:01+0000');
    expect((await post(marker)).statusCode).toBe(202);
    await app.close();
    let archived = 0;
    const seenBeforeMarker = await consumeUntil({
      brokers: stack.kafkaBrokers,
      topic: TOPICS.raw,
      take: (m) => {
        const value = m.value?.toString();
        if (value === body) archived += 1;
        return value === marker ? archived : undefined;
      },
    });
    expect(seenBeforeMarker).toBe(1);
  });
});
