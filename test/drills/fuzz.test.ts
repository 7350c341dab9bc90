import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Outgoing } from '../../services/kafka/coalescing-producer';
import { TOPICS } from '../../services/kafka/topics';
import { gatewayCounters } from '../../services/metrics';
import { buildGateway, type RecordSink } from '../../services/gateway/app';
import type { Dedupe } from '../../services/gateway/dedupe';
import type { DeliveryMemory, RememberedAnswer } from '../../services/gateway/replay-guard';
import { authenticityAnswer, checkAnswer, FUZZ_CLASSES, fuzzGateway } from './fuzz';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/** What the gateway would produce; `fail` makes every send throw as an unreachable broker does. */
class MemorySink implements RecordSink {
  readonly sent: Outgoing[] = [];
  fail = false;
  async send(items: Outgoing[]): Promise<void> {
    if (this.fail) throw new Error('KafkaJSConnectionError: connect ECONNREFUSED');
    this.sent.push(...items);
  }
}

class MemoryDedupe implements Dedupe {
  readonly ids = new Set<string>();
  async seen(ids: readonly string[]) {
    return new Set(ids.filter((id) => this.ids.has(id)));
  }
  async remember(ids: readonly string[]) {
    for (const id of ids) this.ids.add(id);
  }
}

class MemoryDeliveries implements DeliveryMemory {
  readonly answers = new Map<string, RememberedAnswer>();
  async recall(key: string) {
    return this.answers.get(key);
  }
  async remember(key: string, answer: RememberedAnswer) {
    if (!this.answers.has(key)) this.answers.set(key, answer);
  }
}

const LIMITS = { bodyLimitBytes: 200_000, maxEventBytes: 16 * 1024, toleranceSec: 300 };

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function gateway(sink: MemorySink): Promise<string> {
  app = buildGateway({
    producer: sink,
    dedupe: new MemoryDedupe(),
    deliveries: new MemoryDeliveries(),
    metrics: gatewayCounters(),
    isReady: () => true,
    log: pino({ level: 'silent' }),
    canonicalKeys: [{ name: 'JML_CANONICAL_SECRET', secret: SECRET }],
    bodyLimitBytes: LIMITS.bodyLimitBytes,
    maxEventBytes: LIMITS.maxEventBytes,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

describe('webhook fuzzer > checking one answer', () => {
  it('a 500 is a violation, whatever was expected', () => {
    const found = checkAnswer({ status: 401, code: 'signature-invalid' }, { status: 500, body: '{"error":{"code":"internal","message":"x"}}', replay: false });
    expect(found.some((f) => f.startsWith('5xx answer 500 internal'))).toBe(true);
    expect(found.some((f) => f.startsWith('expected 401 signature-invalid, got 500 internal'))).toBe(true);
  });

  it('the right status with another code is a violation', () => {
    expect(checkAnswer({ status: 401, code: 'timestamp-out-of-window' }, { status: 401, body: '{"error":{"code":"signature-invalid","message":"x"}}', replay: false })).toEqual([
      'expected 401 timestamp-out-of-window, got 401 signature-invalid',
    ]);
  });

  it('a conforming answer has no violation; one without its error body or with a code of another status has', () => {
    expect(checkAnswer({ status: 415, code: 'unsupported-media-type' }, { status: 415, body: '{"error":{"code":"unsupported-media-type","message":"x"}}', replay: false })).toEqual([]);
    expect(checkAnswer({ status: 413 }, { status: 413, body: 'too big', replay: false })).toEqual(['error body without a known code (status 413)']);
    expect(checkAnswer({ status: 400 }, { status: 400, body: '{"error":{"code":"body-too-large","message":"x"}}', replay: false })).toEqual(['code body-too-large answered with 400, documented 413']);
  });

  it('a replay must repeat the first answer and say so; a new delivery must not claim to be one', () => {
    const first = { status: 202, body: '{"accepted":true,"id":"e1"}' };
    expect(checkAnswer({ status: 202, replayOf: first }, { ...first, replay: true })).toEqual([]);
    expect(checkAnswer({ status: 202, replayOf: first }, { ...first, replay: false })).toEqual(['a replay was answered without jml-replay: true']);
    expect(checkAnswer({ status: 202, replayOf: first }, { status: 202, body: '{"accepted":true,"id":"e2"}', replay: true })).toHaveLength(1);
    expect(checkAnswer({ status: 202, acceptedId: 'e1', duplicate: false }, { ...first, replay: true })).toEqual(['a new delivery was answered as a replay']);
  });

  it('a 202 must name the event and flag a duplicate exactly when it is one', () => {
    expect(checkAnswer({ status: 202, acceptedId: 'e1', duplicate: true }, { status: 202, body: '{"accepted":true,"id":"e1"}', replay: false })).toEqual(['duplicate flag false, expected true']);
    expect(checkAnswer({ status: 202, acceptedId: 'e1' }, { status: 202, body: '{"accepted":true,"id":"e9"}', replay: false })).toEqual(['a 202 that does not name the event sent']);
  });

  it('an invalid-event answer must name the broken field in its details', () => {
    const body = JSON.stringify({ error: { code: 'invalid-event', message: 'x', details: [{ path: 'data.person.givenName', message: 'Too big' }] } });
    expect(checkAnswer({ status: 400, code: 'invalid-event', issueAt: 'data.person.givenName' }, { status: 400, body, replay: false })).toEqual([]);
    expect(checkAnswer({ status: 400, code: 'invalid-event', issueAt: 'type' }, { status: 400, body, replay: false })).toHaveLength(1);
  });

  it('no answer at all is a violation', () => {
    expect(checkAnswer({ status: 202 }, { error: 'ECONNRESET' })).toEqual(['no answer (ECONNRESET)']);
  });
});

describe('webhook fuzzer > the authenticity model', () => {
  const now = 1_800_000_000;
  it('follows the documented order: headers present, timestamp format, window, then the signature', () => {
    expect(authenticityAnswer({ id: 'a', timestamp: 'x' }, now, 300, true)).toEqual({ status: 401, code: 'signature-missing' });
    expect(authenticityAnswer({ id: 'a', timestamp: '', signature: 'v1,x' }, now, 300, true)).toEqual({ status: 401, code: 'signature-missing' });
    expect(authenticityAnswer({ id: 'a', timestamp: String(now * 1000), signature: 'v1,x' }, now, 300, true)).toEqual({ status: 401, code: 'timestamp-invalid' });
    expect(authenticityAnswer({ id: 'a', timestamp: String(now - 301), signature: 'v1,x' }, now, 300, true)).toEqual({ status: 401, code: 'timestamp-out-of-window' });
    expect(authenticityAnswer({ id: 'a', timestamp: String(now + 300), signature: 'v1,x' }, now, 300, false)).toEqual({ status: 401, code: 'signature-invalid' });
    expect(authenticityAnswer({ id: 'a', timestamp: String(now + 300), signature: 'v1,x' }, now, 300, true)).toBeUndefined();
  });
});

describe('webhook fuzzer > against an in-process gateway', () => {
  it('a conforming gateway: every class exercised, no violation, every accepted event produced once', async () => {
    const sink = new MemorySink();
    const url = await gateway(sink);
    const accepted: string[] = [];
    const report = await fuzzGateway({ url, secret: SECRET, cases: 220, seed: 17, limits: LIMITS, accepted: (id) => accepted.push(id) });
    expect(report.violations).toEqual([]);
    expect(report.fiveXx).toBe(0);
    expect(report.cases).toBe(220);
    expect(Object.keys(report.byClass).sort()).toEqual([...FUZZ_CLASSES].sort());
    expect(report.acceptedEvents).toBeGreaterThan(0);
    expect(accepted).toHaveLength(report.acceptedEvents);
    // Each accepted event went to the events topic exactly once; every expected dead letter is there, with a reason.
    const produced = sink.sent.filter((o) => o.topic === TOPICS.events).map((o) => String(o.message.headers?.['jml-event-id']));
    expect(produced.sort()).toEqual([...accepted].sort());
    const letters = sink.sent.filter((o) => o.topic === TOPICS.dlq);
    expect(letters).toHaveLength(report.deadLetters);
    expect(letters.every((l) => String(l.message.headers?.['jml-reject-reason'] ?? '').length > 0)).toBe(true);
  });

  it('a gateway whose Kafka is down is caught: 5xx counted, the counterexample shrunk and replayable', async () => {
    const sink = new MemorySink();
    sink.fail = true;
    const url = await gateway(sink);
    const report = await fuzzGateway({ url, secret: SECRET, cases: 100, seed: 17, limits: LIMITS, shrinkBudget: 40 });
    expect(report.fiveXx).toBeGreaterThan(0);
    expect(report.acceptedEvents).toBe(0);
    const counterexample = report.violations.at(-1) ?? '';
    expect(counterexample).toMatch(/^counterexample after \d+ shrinks: .*5xx answer 503 kafka-unavailable.*replay with seed 17 path "\d+(:\d+)*"$/);

    // The seed and path replay that very case first.
    const [, shrunk, path] = /^counterexample after \d+ shrinks: ([^:]+):.*path "([\d:]+)"$/.exec(counterexample) ?? [];
    const replayed = await fuzzGateway({ url, secret: SECRET, cases: 100, seed: 17, path, limits: LIMITS, shrinkBudget: 0 });
    expect(replayed.cases).toBe(1);
    expect(replayed.violations[0]).toContain(`${shrunk} `);
  });
});
