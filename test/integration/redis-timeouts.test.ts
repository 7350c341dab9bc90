import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildGateway } from '../../services/gateway/app';
import { redisDedupe } from '../../services/gateway/dedupe';
import { signStandardWebhook } from '../../sources/canonical/standard-webhooks';
import { createKafka } from '../../services/kafka/client';
import { CoalescingProducer } from '../../services/kafka/coalescing-producer';
import { gatewayCounters } from '../../services/metrics';
import { serviceRedisOptions } from '../../services/redis';
import { GuardUnavailableError, redisMassChangeGuard } from '../../services/worker/guard';
import { createRateLimiter } from '../../services/worker/rate-limit';
import { redisSnapshotStore } from '../../services/pollers/snapshot-store';
import { startRedisServer, type RedisServerInstance } from '../harness/redis-server';
import { makeEvent } from '../support/events';

/**
 * Redis that stops answering must fail commands within their deadline, never hang a poll, a guard
 * decision or a webhook. A private redis-server (not the shared stack's) is frozen with SIGSTOP: the
 * kernel still accepts connections and takes the bytes, exactly what a hung server looks like.
 */
const timeouts = { commandTimeoutMs: 500, connectTimeoutMs: 500 };
const quiet = pino({ level: 'silent' });

async function settleTime(p: Promise<unknown>): Promise<{ ms: number; error?: string }> {
  const start = Date.now();
  try {
    await p;
    return { ms: Date.now() - start };
  } catch (err) {
    return { ms: Date.now() - start, error: (err as Error).message };
  }
}

/** Races `p` against `limitMs`, so that a regression fails the test instead of hanging it. */
function within(p: Promise<unknown>, limitMs: number): Promise<{ ms: number; error?: string }> {
  return Promise.race([settleTime(p), new Promise<{ ms: number; error: string }>((r) => setTimeout(() => r({ ms: limitMs, error: 'still pending' }), limitMs))]);
}

describe('redis clients > deadlines', () => {
  let server: RedisServerInstance;
  const clients: Redis[] = [];
  const client = async () => {
    const redis = new Redis(server.url, serviceRedisOptions(timeouts));
    redis.on('error', () => undefined);
    clients.push(redis);
    return redis;
  };

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server?.stop();
  });

  it('a command to a Redis that froze after connecting fails within the command timeout', async () => {
    const redis = await client();
    await redis.connect();
    expect(await redis.set('k', 'v')).toBe('OK');
    server.freeze();
    try {
      const get = await within(redis.get('k'), 5_000);
      expect(get.error).toMatch(/timed out/i);
      expect(get.ms).toBeLessThan(2_000);

      const guard = redisMassChangeGuard(redis, { key: 'jml:guard:frozen' });
      const admit = await within(guard.admit({ id: 'e1:leaver', max: 20, windowMs: 60_000 }), 5_000);
      expect(admit.error).toMatch(/mass-change guard unavailable/);
      expect(admit.ms).toBeLessThan(2_000);

      // Rate limits fail open: the step goes ahead once the deadline passed, without a token.
      const limiter = createRateLimiter({ redis, log: quiet });
      const acquire = await within(limiter.acquire('app', { perSecond: 10, burst: 10 }), 5_000);
      expect(acquire.error).toBeUndefined();
      expect(acquire.ms).toBeLessThan(2_000);

      const snapshots = redisSnapshotStore(redis);
      const read = await within(snapshots.get('jml:poll:v1:workday:acme:snapshot:1-x'), 5_000);
      expect(read.error).toMatch(/snapshot store failed/);
      expect(read.ms).toBeLessThan(2_000);
    } finally {
      server.thaw();
    }
  });

  it('a Redis that is gone fails the guard at once, as GuardUnavailableError (the activity\'s failure type)', async () => {
    const gone = await startRedisServer();
    const other = new Redis(gone.url, serviceRedisOptions(timeouts));
    other.on('error', () => undefined);
    clients.push(other);
    await other.connect();
    await gone.stop();
    const guard = redisMassChangeGuard(other, { key: 'jml:guard:gone' });
    const started = Date.now();
    const err = await guard.admit({ id: 'e2:delete', max: 20, windowMs: 60_000 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(GuardUnavailableError);
    expect(err?.name).toBe('GuardUnavailableError');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a webhook is accepted while Redis is frozen: edge dedupe gives up at its deadline instead of holding the request', async () => {
    const redis = await client();
    await redis.connect();
    const producer = createKafka({ brokers: inject('stack').kafkaBrokers, clientId: 'it-redis-frozen', log: quiet }).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const secret = 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY';
    const app = buildGateway({
      producer: new CoalescingProducer(producer),
      dedupe: redisDedupe(redis, { ttlSeconds: 600, keyPrefix: `it-frozen-${Date.now().toString(36)}` }),
      metrics: gatewayCounters(),
      isReady: () => true,
      log: quiet,
      canonicalKeys: [{ name: 'JML_CANONICAL_SECRET', secret }],
      bodyLimitBytes: 1 << 20,
      routes: [],
    });
    server.freeze();
    try {
      const event = makeEvent({ personKey: `test:frozen-redis-${Date.now().toString(36)}`, type: 'jml.joiner' });
      const raw = JSON.stringify(event);
      const ts = Math.floor(Date.now() / 1000);
      const started = Date.now();
      const res = await app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json', 'webhook-id': event.id, 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(secret, event.id, ts, raw) },
        payload: raw,
      });
      expect(res.statusCode).toBe(202);
      // Two Redis round trips at most (seen before the produce, remember after), each bounded.
      expect(Date.now() - started).toBeLessThan(4 * timeouts.commandTimeoutMs + 2_000);
    } finally {
      server.thaw();
      await app.close();
      await producer.disconnect();
    }
  });

  it('connecting to a Redis that accepts but never answers fails within the deadlines', async () => {
    server.freeze();
    try {
      const redis = await client();
      const connect = await within(redis.connect(), 5_000);
      expect(connect.error).toBeDefined();
      // The TCP connect succeeds; the handshake commands time out, then the close waits at most the connect timeout.
      expect(connect.ms).toBeLessThan(3_000);
    } finally {
      server.thaw();
    }
  });
});
