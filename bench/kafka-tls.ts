/**
 * `npx tsx bench/kafka-tls.ts`: what TLS + SCRAM costs the pipeline's Kafka producer, against
 * plaintext on the same broker in the same run. Starts a throwaway broker from the cached jars
 * (test/harness/secure-kafka.ts: a SASL_SSL listener and a plaintext one) and, for BENCH_ROUNDS
 * rounds (default 5, the first warms the JVM and is left out of the ratios), alternates:
 *
 *   connect   a new idempotent producer's connect() (TLS handshake and SCRAM-SHA-512 included)
 *   single    500 one-record sends one after the other (acks -1), as an idle gateway does
 *   batched   20 sends of 1,000 records (acks -1), as a loaded gateway's coalesced requests do
 *
 * Records are 1 KB. Our machines are noisy; compare the ratios of one run.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { toolPaths } from '../infra/stack/paths';
import { loadConfig } from '../services/config';
import { createKafka } from '../services/kafka/client';
import type { KafkaSecurity } from '../services/settings/connections';
import { startSecureKafka } from '../test/harness/secure-kafka';
import { createTestCa } from '../test/harness/test-ca';

const say = (line: string) => console.log(`[bench] ${line}`);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const log = pino({ level: 'silent' });
const value = 'x'.repeat(1000);
const user = { name: 'bench', password: `bench-${Date.now().toString(36)}-password` };

const dir = await mkdtemp(join(tmpdir(), 'jml-bench-kafka-tls-'));
const ca = await createTestCa(dir);
const broker = await startSecureKafka({ dir, tools: toolPaths(loadConfig().cacheDir), ca, users: [user], say });
try {
  await writeFile(join(dir, 'password'), user.password, { mode: 0o600 });
  const secure = loadConfig({ KAFKA_TLS_CA: ca.caFile, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: user.name, KAFKA_SASL_PASSWORD: JSON.stringify({ file: join(dir, 'password') }) });
  const plaintext = /INTERNAL:\/\/(127\.0\.0\.1:\d+)/.exec(readFileSync(join(dir, 'kafka-config', 'server.properties'), 'utf8'))?.[1];
  if (!plaintext) throw new Error('no plaintext listener in the broker configuration');
  const admin = createKafka({ brokers: plaintext, clientId: 'bench-admin', log }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'bench', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();

  const modes: Array<[string, string, KafkaSecurity | undefined]> = [
    ['plaintext', plaintext, undefined],
    ['SASL_SSL', broker.brokers, secure.connections.kafka],
  ];
  const warm: Record<string, Array<{ connectMs: number; single: number; batched: number }>> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, brokers, security] of modes) {
      const kafka = createKafka({ brokers, clientId: 'bench', log, ...(security ? { security } : {}) });
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      const t0 = performance.now();
      await producer.connect();
      const connectMs = performance.now() - t0;
      const t1 = performance.now();
      for (let i = 0; i < 500; i++) await producer.send({ topic: 'bench', acks: -1, messages: [{ value }] });
      const single = 500 / ((performance.now() - t1) / 1000);
      const t2 = performance.now();
      for (let i = 0; i < 20; i++) await producer.send({ topic: 'bench', acks: -1, messages: Array.from({ length: 1000 }, () => ({ value })) });
      const batched = 20_000 / ((performance.now() - t2) / 1000);
      await producer.disconnect();
      say(`round ${round + 1} ${name.padEnd(9)} connect ${connectMs.toFixed(0).padStart(4)} ms   single ${single.toFixed(0).padStart(5)}/s   batched ${batched.toFixed(0).padStart(6)} msg/s`);
      if (round > 0) (warm[name] ??= []).push({ connectMs, single, batched });
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const of = (name: string, key: 'connectMs' | 'single' | 'batched') => median((warm[name] ?? []).map((r) => r[key]));
  if (rounds > 1) {
    say(`medians after warm-up: connect ${of('plaintext', 'connectMs').toFixed(0)} → ${of('SASL_SSL', 'connectMs').toFixed(0)} ms; SASL_SSL/plaintext single ${(of('SASL_SSL', 'single') / of('plaintext', 'single')).toFixed(2)}, batched ${(of('SASL_SSL', 'batched') / of('plaintext', 'batched')).toFixed(2)}`);
  }
} finally {
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
}
