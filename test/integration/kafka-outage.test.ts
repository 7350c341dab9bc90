import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../services/config';
import { signStandardWebhook } from '../../sources/canonical/standard-webhooks';
import { createLogger } from '../../services/log';
import { startPipeline, type Pipeline } from '../../services/runtime';
import { TOPICS } from '../../services/kafka/topics';
import { toolPaths } from '../../infra/stack/paths';
import { freePort, readPid } from '../../infra/stack/process';
import { stackDown, stackUp, type StackOptions } from '../../infra/stack/stack';
import { makeEvent } from '../support/events';
import { consumeUntil } from '../support/kafka';

const SECRET = 'whsec_b3V0YWdlLXRlc3Qtc2VjcmV0LTI0Ynl0ZXM=';
const run = Date.now().toString(36);
const DEADLINE_MS = 3_000;
const MAX_QUEUED = 5;
const say = (line: string) => process.stderr.write(`[kafka-outage] ${line}\n`);

/**
 * A Kafka broker of this test's own (the shared one must stay up for the other tests), stopped,
 * frozen (SIGSTOP) and resumed underneath a live gateway started the way the services start it.
 */
describe('Kafka outage', () => {
  const stack = inject('stack');
  let opts: StackOptions;
  let brokers: string;
  let pipeline: Pipeline;
  let url: string;

  beforeAll(async () => {
    const base = loadConfig();
    const dir = await mkdtemp(join(tmpdir(), 'jml-outage-'));
    const ports = { kafka: await freePort(), kafkaController: await freePort(), temporal: 1, temporalUi: 1, temporalHttp: 1, temporalMetrics: 1, redis: 1 };
    opts = { dir, ports, persistent: false, ui: false, reuse: { temporalAddress: stack.temporalAddress, redisUrl: stack.redisUrl }, tools: toolPaths(base.cacheDir) };
    brokers = (await stackUp(opts)).endpoints.kafkaBrokers;
    const config = loadConfig({
      ...process.env,
      KAFKA_BROKERS: brokers,
      JML_CANONICAL_SECRET: SECRET,
      JML_PRODUCE_DEADLINE_MS: String(DEADLINE_MS),
      JML_PRODUCE_MAX_QUEUED_CALLS: String(MAX_QUEUED),
      TEMPORAL_TASK_QUEUE: `outage-${run}`,
      LOG_LEVEL: 'silent',
    });
    pipeline = await startPipeline({
      config,
      endpoints: { kafkaBrokers: brokers, temporalAddress: stack.temporalAddress, redisUrl: stack.redisUrl },
      log: createLogger({ name: 'it-outage', level: 'silent' }),
      parts: { gateway: true, dispatcher: false, worker: false, pollers: false },
      gatewayPort: 0,
    });
    url = pipeline.gatewayUrl as string;
  }, 180_000);

  afterAll(async () => {
    const pid = opts && (await readPid(join(opts.dir, 'pids', 'kafka.pid')));
    if (pid) process.kill(pid, 'SIGCONT');
    await pipeline?.stop();
    if (opts) await stackDown({ dir: opts.dir, removeData: true });
  });

  // Delivery n is one event: a retry of n re-sends the same event, as an HR system would.
  const events = new Map<number, ReturnType<typeof makeEvent>>();
  const post = async (n: number) => {
    const event = events.get(n) ?? makeEvent({ personKey: `outage:${run}-${n}`, type: 'jml.joiner' });
    events.set(n, event);
    const body = JSON.stringify(event);
    const ts = Math.floor(Date.now() / 1000);
    const started = Date.now();
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': `o-${run}-${n}`, 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(SECRET, `o-${run}-${n}`, ts, body) },
      body,
      signal: AbortSignal.timeout(60_000),
    });
    const json = (await res.json()) as { error?: { code: string } };
    return { status: res.status, id: event.id, code: json.error?.code, retryAfter: res.headers.get('retry-after'), ms: Date.now() - started };
  };
  const readyz = async () => {
    const started = Date.now();
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(30_000) });
    return { status: res.status, ms: Date.now() - started };
  };
  /** Polls until `check` holds, every 500 ms, for at most `ms`; returns the last value. */
  const until = async <T>(ms: number, get: () => Promise<T>, check: (v: T) => boolean): Promise<T> => {
    const end = Date.now() + ms;
    let value = await get();
    while (!check(value) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 500));
      value = await get();
    }
    return value;
  };
  const kafkaPid = async () => {
    const pid = await readPid(join(opts.dir, 'pids', 'kafka.pid'));
    if (!pid) throw new Error('the throwaway Kafka has no pid file');
    return pid;
  };

  it('stopped broker > 503 + Retry-After and /readyz 503 while Kafka is down; acknowledges only what Kafka has; the retry passes once it is back', { timeout: 180_000 }, async () => {
    expect((await readyz()).status).toBe(200);
    const before = await post(1);
    expect(before.status).toBe(202);

    await stackDown({ dir: opts.dir, only: ['kafka'] });
    const stopped = Date.now();
    const notReady = await until(10_000, readyz, (r) => r.status === 503);
    const notReadyAfter = Date.now() - stopped;
    expect(notReady.status).toBe(503);
    const during = await post(2);
    say(`broker stopped: /readyz 503 ${notReadyAfter} ms after the stop; webhook ${during.status} in ${during.ms} ms`);
    expect([during.status, during.code, during.retryAfter]).toEqual([503, 'kafka-unavailable', '5']);

    await stackUp(opts);
    const up = Date.now();
    expect((await until(60_000, readyz, (r) => r.status === 200)).status).toBe(200);
    say(`broker restarted: /readyz 200 ${Date.now() - up} ms after it was up`);
    // The HR system retries the same delivery; the producer reconnects by itself.
    const retried = await until(30_000, () => post(2), (r) => r.status === 202);
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

  it('frozen broker > a webhook is answered 503 + Retry-After within the deadline (at once when the queue is full), /readyz turns 503, and both recover when it resumes', { timeout: 180_000 }, async () => {
    expect((await until(30_000, readyz, (r) => r.status === 200)).status).toBe(200);
    expect((await post(10)).status).toBe(202);

    const pid = await kafkaPid();
    process.kill(pid, 'SIGSTOP');
    let frozenReady: { status: number; ms: number };
    let frozen: Awaited<ReturnType<typeof post>>[];
    try {
      frozen = await Promise.all([post(11), post(12), post(13)]);
      frozenReady = await until(10_000, readyz, (r) => r.status === 503);
      say(`broker frozen: webhooks answered ${frozen.map((f) => `${f.status} in ${f.ms} ms`).join(', ')}; /readyz ${frozenReady.status} in ${frozenReady.ms} ms`);
      // Still frozen well past the deadline: every new request is answered, none hangs.
      await new Promise((r) => setTimeout(r, 5_000));
      const later = await post(14);
      say(`still frozen: webhook ${later.status} in ${later.ms} ms`);
      expect([later.status, later.code]).toEqual([503, 'kafka-unavailable']);
      expect(later.ms).toBeLessThan(DEADLINE_MS + 2_000);
      // A burst while frozen: the producer holds MAX_QUEUED calls, the rest are answered at once.
      const burst = await Promise.all([20, 21, 22, 23, 24, 25, 26, 27].map((n) => post(n)));
      const overloaded = burst.filter((b) => b.code === 'overloaded');
      say(`burst while frozen: ${burst.map((b) => `${b.code} in ${b.ms} ms`).join(', ')}`);
      expect(overloaded).toHaveLength(8 - MAX_QUEUED);
      for (const o of overloaded) expect([o.status, o.retryAfter, o.ms < 1_000]).toEqual([503, '5', true]);
      expect(burst.filter((b) => b.code === 'kafka-unavailable')).toHaveLength(MAX_QUEUED);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    for (const f of frozen) {
      expect([f.status, f.code, f.retryAfter]).toEqual([503, 'kafka-unavailable', '5']);
      expect(f.ms).toBeLessThan(DEADLINE_MS + 2_000);
    }
    expect(frozenReady.status).toBe(503);
    expect(frozenReady.ms).toBeLessThan(3_000);

    const resumed = Date.now();
    const ready = await until(60_000, readyz, (r) => r.status === 200);
    expect(ready.status).toBe(200);
    // HR retries what was refused: each is accepted and in the log.
    const retried = await Promise.all([11, 12, 13].map((n) => until(60_000, () => post(n), (r) => r.status === 202)));
    say(`resumed: /readyz 200 after ${Date.now() - resumed} ms; retries ${retried.map((r) => r.status).join(', ')}`);
    expect(retried.map((r) => r.status)).toEqual([202, 202, 202]);
    const wanted = new Set(retried.map((r) => r.id));
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
