/**
 * `npm run bench:ingest`: how fast the gateway turns signed HTTP requests into Kafka-acknowledged
 * events, against the naive and the batched limits of the same broker, measured in one run.
 *
 *   gateway   64 keep-alive HTTP clients, one signed canonical event per request, 202 after the ack
 *   naive     kafkajs idempotent producer, one send() per message, same concurrency
 *   batched   the same producer sending 1,000-message batches back to back
 *
 * Starts a throwaway native stack unless KAFKA_BROKERS / TEMPORAL_ADDRESS / REDIS_URL name running
 * services (do not point it at a stack whose dispatcher runs: the events are real events).
 * BENCH_SECONDS (default 10) bounds each phase.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { loadConfig } from '../services/config';
import { signStandardWebhook } from '../services/gateway/standard-webhooks';
import { TOPICS, ensureTopics } from '../services/kafka/topics';
import { acquireStack } from '../test/harness/acquire-stack';
import { makeEvent } from '../test/support/events';
import { createPoster } from './support/http-post';
import { closedLoop, formatRow, type PhaseResult } from './support/stats';

const SECRET = 'whsec_YmVuY2gtaW5nZXN0LXNlY3JldA==';
const CONCURRENCY = 64;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const say = (line: string) => console.log(`[bench] ${line}`);
const run = Date.now().toString(36);

const config = loadConfig();
const stack = await acquireStack({ config, say, label: 'bench' });
const kafka = new Kafka({ clientId: 'bench', brokers: stack.endpoints.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
const results: PhaseResult[] = [];

try {
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { partitions: 6 });
  await admin.disconnect();

  // --- gateway over HTTP ---
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/gateway-process.ts', import.meta.url))], {
    env: {
      ...process.env,
      KAFKA_BROKERS: stack.endpoints.kafkaBrokers,
      TEMPORAL_ADDRESS: stack.endpoints.temporalAddress,
      REDIS_URL: stack.endpoints.redisUrl,
      JML_CANONICAL_SECRET: SECRET,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway exited (${code})`)));
    // The gateway's logs share stdout; the line we want is the one with the URL.
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{"url":')) resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  const poster = createPoster(url, CONCURRENCY);
  try {
    const post = async (i: number) => {
      const event = makeEvent({ personKey: `bench:${run}-${i % 5000}`, type: 'jml.update', enteredAt: new Date(1_790_000_000_000 + i * 1000).toISOString().replace('.000', '') });
      const body = JSON.stringify(event);
      const ts = Math.floor(Date.now() / 1000);
      const id = `bench-${run}-${i}`;
      const res = await poster.post(
        '/v1/events',
        { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(SECRET, id, ts, body) },
        body,
      );
      if (res.status !== 202) throw new Error(`status ${res.status}: ${res.body.slice(0, 200)}`);
      return 1;
    };
    await closedLoop('warm-up', { concurrency: CONCURRENCY, durationMs: 2_000 }, post);
    results.push(await closedLoop(`gateway (HTTP, ${CONCURRENCY} clients)`, { concurrency: CONCURRENCY, durationMs: seconds * 1000 }, post));
  } finally {
    poster.close();
    child.kill('SIGTERM');
  }

  // --- naive: one send() per message ---
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const message = (i: number): Message => {
    const event = makeEvent({ personKey: `bench:${run}-${i % 5000}`, type: 'jml.update' });
    return { key: event.subject, value: JSON.stringify(event) };
  };
  await closedLoop('warm-up', { concurrency: CONCURRENCY, durationMs: 1_000 }, async (i) => (await producer.send({ topic: TOPICS.events, acks: -1, messages: [message(i)] }), 1));
  results.push(
    await closedLoop(`naive (send per message, ${CONCURRENCY} callers)`, { concurrency: CONCURRENCY, durationMs: seconds * 1000 }, async (i) => {
      await producer.send({ topic: TOPICS.events, acks: -1, messages: [message(i)] });
      return 1;
    }),
  );

  // --- batched: 1,000 messages per send ---
  const batch = Array.from({ length: 1000 }, (_, i) => message(i));
  results.push(
    await closedLoop('batched (1,000-message sends)', { concurrency: 1, durationMs: seconds * 1000 }, async () => {
      await producer.send({ topic: TOPICS.events, acks: -1, messages: batch });
      return batch.length;
    }),
  );
  await producer.disconnect();
} finally {
  await stack.release();
}

const [gateway, naive, batched] = results as [PhaseResult, PhaseResult, PhaseResult];
console.log('');
console.log(`ingest benchmark (${stack.mode} stack, ${seconds} s per phase, acks=-1, idempotent producer)`);
for (const r of results) console.log(`  ${formatRow(r)}`);
console.log(`  ratio gateway / naive    ${(gateway.perSecond / naive.perSecond).toFixed(2)}x   (goal >= 3.5x)`);
console.log(`  ratio gateway / batched  ${(gateway.perSecond / batched.perSecond).toFixed(2)}x`);
console.log(`  gateway p99 ack          ${gateway.p99Ms.toFixed(1)} ms   (goal <= 50 ms)`);
