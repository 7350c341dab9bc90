import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../services/config';
import { buildGateway } from '../../services/gateway/app';
import { redisDedupe } from '../../services/gateway/dedupe';
import { signStandardWebhook } from '../../services/gateway/standard-webhooks';
import { createKafka } from '../../services/kafka/client';
import { CoalescingProducer } from '../../services/kafka/coalescing-producer';
import { ensureTopics, TOPICS } from '../../services/kafka/topics';
import { gatewayCounters } from '../../services/metrics';
import { toolPaths } from '../../infra/stack/paths';
import { freePort } from '../../infra/stack/process';
import { stackDown, stackUp, type StackOptions } from '../../infra/stack/stack';
import { makeEvent } from '../support/events';
import { consumeUntil } from '../support/kafka';

const SECRET = 'whsec_b3V0YWdlLXRlc3Qtc2VjcmV0LTAwMDAwMQ==';
const run = Date.now().toString(36);

/**
 * A Kafka broker of this test's own (the shared one must stay up for the other tests), stopped and
 * started again underneath a live gateway.
 */
describe('Kafka outage', () => {
  const stack = inject('stack');
  const log = pino({ level: 'silent' });
  let opts: StackOptions;
  let brokers: string;
  let producer: Producer;
  let redis: Redis;
  let app: ReturnType<typeof buildGateway>;

  beforeAll(async () => {
    const config = loadConfig();
    const dir = await mkdtemp(join(tmpdir(), 'jml-outage-'));
    const ports = { kafka: await freePort(), kafkaController: await freePort(), temporal: 1, temporalUi: 1, temporalHttp: 1, temporalMetrics: 1, redis: 1 };
    opts = { dir, ports, persistent: false, ui: false, reuse: { temporalAddress: stack.temporalAddress, redisUrl: stack.redisUrl }, tools: toolPaths(config.cacheDir) };
    brokers = (await stackUp(opts)).endpoints.kafkaBrokers;
    const kafka = createKafka({ brokers, clientId: 'it-outage', log });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, { partitions: 3 });
    await admin.disconnect();
    // The runtime's producer settings: bounded retries so a dead broker becomes a 503 quickly.
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2_000 } });
    await producer.connect();
    redis = new Redis(stack.redisUrl);
    app = buildGateway({
      producer: new CoalescingProducer(producer, { timeoutMs: 5_000 }),
      dedupe: redisDedupe(redis, { ttlSeconds: 600, keyPrefix: `it-${run}-outage` }),
      metrics: gatewayCounters(),
      isReady: () => true,
      log,
      canonicalKeys: [{ name: 'JML_CANONICAL_SECRET', secret: SECRET }],
      bodyLimitBytes: 1 << 20,
    });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await producer?.disconnect().catch(() => undefined);
    redis?.disconnect();
    if (opts) await stackDown({ dir: opts.dir, removeData: true });
  });

  const post = (n: number) => {
    const event = makeEvent({ personKey: `outage:${run}-${n}`, type: 'jml.joiner' });
    const body = JSON.stringify(event);
    const ts = Math.floor(Date.now() / 1000);
    return app
      .inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json', 'webhook-id': `o-${n}`, 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(SECRET, `o-${n}`, ts, body) },
        payload: body,
      })
      .then((res) => ({ status: res.statusCode, id: event.id, code: res.statusCode === 202 ? undefined : (res.json().error.code as string) }));
  };

  it('answers 503 while Kafka is down, acknowledges only what Kafka has, and accepts the retry once it is back', { timeout: 120_000 }, async () => {
    const before = await post(1);
    expect(before.status).toBe(202);

    await stackDown({ dir: opts.dir, only: ['kafka'] });
    const during = await post(2);
    expect([during.status, during.code]).toEqual([503, 'kafka-unavailable']);

    await stackUp(opts);
    // The HR system retries the same delivery; the producer reconnects by itself.
    let retried = await post(2);
    for (let i = 0; i < 20 && retried.status !== 202; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      retried = await post(2);
    }
    expect(retried.status).toBe(202);

    const wanted = new Set([before.id, retried.id]);
    const seen = await consumeUntil({
      brokers,
      topic: TOPICS.events,
      take: (m) => {
        const id = m.headers?.['jml-event-id']?.toString();
        if (id) wanted.delete(id);
        return wanted.size === 0 ? true : undefined;
      },
    });
    expect(seen).toBe(true);
  });
});
