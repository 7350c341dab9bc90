/**
 * `npm run bench:ingest`: how fast the gateway turns signed HTTP requests into Kafka-acknowledged
 * events, against the naive and the batched limits of the same broker, measured in one run.
 *
 *   gateway   64 keep-alive HTTP clients, one event per request, 202 only after the broker's ack;
 *             requests alternate between a signed canonical event (`POST /v1/events`) and a signed
 *             BambooHR field-based post (`POST /webhooks/bamboohr/bench`) that needs no hydration
 *   naive     kafkajs idempotent producer, one send() per message, same concurrency
 *   batched   the same producer sending 1,000-message batches back to back
 *
 * The load generator is a minimal HTTP/1.1 client (./support/raw-http.ts): node:http would cost it
 * as much CPU per request as the gateway spends, on the same two cores. The CPU each process used
 * during the gateway phase is printed (Linux), so a reader can tell which one was the limit.
 *
 * Starts a throwaway native stack unless KAFKA_BROKERS / TEMPORAL_ADDRESS / REDIS_URL name running
 * services (do not point it at a stack whose dispatcher runs: the events are real events).
 * BENCH_SECONDS (default 10) bounds each phase; BENCH_CPU_PROF=<dir> profiles the gateway process;
 * BENCH_GATEWAY_PROCESSES=N runs N gateway processes on one port (node:cluster).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { kafkaSecurityOptions } from '../services/connections/kafka';
import { loadConfig, withSingleBrokerDefaults } from '../services/config';
import { signBambooHr } from '../sources/bamboohr/signature';
import { signStandardWebhook } from '../sources/canonical/standard-webhooks';
import { TOPICS, ensureTopics } from '../services/kafka/topics';
import { acquireStack } from '../test/harness/acquire-stack';
import { makeEvent } from '../test/support/events';
import { createRawHttpClient } from './support/raw-http';
import { closedLoop, formatRow, percentile, type PhaseResult } from './support/stats';

const SECRET = 'whsec_YmVuY2gtaW5nZXN0LXNlY3JldC0wMDAwMDE=';
const BAMBOOHR_KEY = 'bench-bamboohr-webhook-key';
const CONCURRENCY = 64;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const say = (line: string) => console.log(`[bench] ${line}`);
const run = Date.now().toString(36);
const ENTERED_BASE_MS = 1_790_000_000_000;

// The bench stack is one broker (its gateway child inherits this environment).
Object.assign(process.env, withSingleBrokerDefaults(process.env));
const config = loadConfig();
const stack = await acquireStack({ config, say, label: 'bench' });
const kafka = new Kafka({ clientId: 'bench', brokers: stack.endpoints.kafkaBrokers.split(','), logLevel: logLevel.NOTHING, ...kafkaSecurityOptions(config.connections.kafka) });
const results: PhaseResult[] = [];
const byRoute = { canonical: [] as number[], bamboohr: [] as number[] };
let cpu: { gateway?: number; loader: number; servers: Record<string, number> } | undefined;

/** A signed canonical JmlEvent; distinct ids, 5,000 people. */
function canonicalRequest(i: number) {
  const event = makeEvent({ personKey: `bench:${run}-${i % 5000}`, type: 'jml.update', enteredAt: new Date(ENTERED_BASE_MS + i * 1000).toISOString().replace('.000', '') });
  const body = JSON.stringify(event);
  const ts = Math.floor(Date.now() / 1000);
  const id = `bench-${run}-${i}`;
  const headers = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(SECRET, id, ts, body) };
  return { path: '/v1/events', headers, body };
}

/** A signed BambooHR field-based post of one employee's job change, carrying every value it needs (no hydration). */
function bambooHrRequest(i: number) {
  const timestamp = new Date(ENTERED_BASE_MS + i * 1000).toISOString().replace('.000Z', '+0000');
  const employee = {
    id: `${run}${i % 5000}`,
    action: 'Updated',
    timestamp,
    changedFields: ['Job Title', 'Department'],
    fields: { 'First Name': 'Ada', 'Last Name': 'Lovelace', 'Job Title': `Engineer ${i % 7}`, Department: 'Engineering', 'Work Email': 'ada@example.com' },
  };
  const body = JSON.stringify({ employees: [employee] });
  const ts = String(Math.floor(Date.now() / 1000));
  const headers = { 'content-type': 'application/json', 'x-bamboohr-timestamp': ts, 'x-bamboohr-signature': signBambooHr({ privateKey: BAMBOOHR_KEY, body, timestamp: ts }) };
  return { path: '/webhooks/bamboohr/bench', headers, body };
}

/** CPU seconds (user + system) a process and its direct children have used so far, from /proc; undefined elsewhere. */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const stat = (p: string) => readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  try {
    const own = stat(String(pid));
    let total = (Number(own[11]) + Number(own[12])) / 100;
    // Gateway processes forked by node:cluster (BENCH_GATEWAY_PROCESSES) are its children.
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d) || d === String(pid)) continue;
      try {
        const f = stat(d);
        if (Number(f[1]) === pid) total += (Number(f[11]) + Number(f[12])) / 100;
      } catch {
        // gone meanwhile
      }
    }
    return total;
  } catch {
    return undefined;
  }
}

/** Pids of the native stack's servers started for this run (from its pid files), by server; none when reused. */
function stackServerPids(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of ['kafka', 'redis', 'temporal']) {
    try {
      const pid = Number(readFileSync(join(config.cacheDir, 'stacks', `bench-${process.pid}`, 'pids', `${name}.pid`), 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) out[name] = pid;
    } catch {
      // not ours (reused services) or not started
    }
  }
  return out;
}

try {
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, config.kafka.topics);
  await admin.disconnect();

  // --- gateway over HTTP ---
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the gateway process there (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', fileURLToPath(new URL('./support/gateway-process.ts', import.meta.url))], {
    env: {
      ...process.env,
      KAFKA_BROKERS: stack.endpoints.kafkaBrokers,
      TEMPORAL_ADDRESS: stack.endpoints.temporalAddress,
      REDIS_URL: stack.endpoints.redisUrl,
      JML_CANONICAL_SECRET: SECRET,
      BENCH_BAMBOOHR_WEBHOOK_KEY: BAMBOOHR_KEY,
      BENCH_BAMBOOHR_API_KEY: 'unused',
      // Port 9 refuses connections: a post that needed hydration would fail loudly, not be slow.
      JML_BAMBOOHR_TENANTS: JSON.stringify({
        bench: { webhookKey: { env: 'BENCH_BAMBOOHR_WEBHOOK_KEY' }, apiKey: { env: 'BENCH_BAMBOOHR_API_KEY' }, apiBaseUrl: 'http://127.0.0.1:9/v1' },
      }),
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
  const client = createRawHttpClient(url, CONCURRENCY);
  try {
    let measuring = false;
    const post = async (i: number) => {
      const route = i % 2 === 0 ? 'canonical' : 'bamboohr';
      const { path, headers, body } = route === 'canonical' ? canonicalRequest(i) : bambooHrRequest(i);
      const t0 = performance.now();
      const res = await client.post(path, headers, body);
      if (res.status !== 202) throw new Error(`${path}: status ${res.status}: ${res.body.slice(0, 200)}`);
      if (measuring) byRoute[route].push(performance.now() - t0);
      return 1;
    };
    await closedLoop('warm-up', { concurrency: CONCURRENCY, durationMs: 2_000 }, post);
    measuring = true;
    const servers = stackServerPids();
    const serverCpu0 = Object.fromEntries(Object.entries(servers).map(([name, pid]) => [name, processCpuSeconds(pid)]));
    const gatewayCpu0 = processCpuSeconds(child.pid);
    const loaderCpu0 = process.cpuUsage();
    results.push(await closedLoop(`gateway (HTTP, ${CONCURRENCY} clients)`, { concurrency: CONCURRENCY, durationMs: seconds * 1000 }, post));
    const gatewayCpu1 = processCpuSeconds(child.pid);
    const loaderCpu = process.cpuUsage(loaderCpu0);
    const serverCpu: Record<string, number> = {};
    for (const [name, pid] of Object.entries(servers)) {
      const [a, b] = [serverCpu0[name], processCpuSeconds(pid)];
      if (a !== undefined && b !== undefined) serverCpu[name] = b - a;
    }
    cpu = {
      gateway: gatewayCpu0 !== undefined && gatewayCpu1 !== undefined ? gatewayCpu1 - gatewayCpu0 : undefined,
      loader: (loaderCpu.user + loaderCpu.system) / 1e6,
      servers: serverCpu,
    };
  } finally {
    client.close();
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
const routeLine = (name: string, ms: number[]) => `    ${name.padEnd(42)} n=${ms.length}   p50 ${percentile(ms, 50).toFixed(1)} ms   p99 ${percentile(ms, 99).toFixed(1)} ms`;
const share = (s: number | undefined) => (s === undefined ? 'n/a' : `${((100 * s) / gateway.seconds).toFixed(0)}% of a core, ${((1e6 * s) / gateway.count).toFixed(0)} us/event`);
console.log('');
console.log(`ingest benchmark (${stack.mode} stack, ${seconds} s per phase, acks=-1, idempotent producer, ${process.env.BENCH_GATEWAY_PROCESSES ?? 1} gateway process(es))`);
console.log(`  ${formatRow(gateway)}`);
console.log(routeLine('canonical (POST /v1/events)', byRoute.canonical));
console.log(routeLine('BambooHR field-based (POST /webhooks/bamboohr)', byRoute.bamboohr));
console.log(`    CPU during the phase: gateway ${share(cpu?.gateway)}; load generator ${share(cpu?.loader)}`);
for (const [name, s] of Object.entries(cpu?.servers ?? {})) console.log(`                          ${name} ${share(s)}`);
for (const r of [naive, batched]) console.log(`  ${formatRow(r)}`);
console.log(`  ratio gateway / naive    ${(gateway.perSecond / naive.perSecond).toFixed(2)}x   (goal >= 3.5x)`);
console.log(`  ratio gateway / batched  ${(gateway.perSecond / batched.perSecond).toFixed(2)}x`);
console.log(`  gateway p99 ack          ${gateway.p99Ms.toFixed(1)} ms   (goal <= 50 ms)`);
