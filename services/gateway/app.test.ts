import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { makeEvent } from '../../test/support/events';
import type { Outgoing } from '../kafka/coalescing-producer';
import { ProducerError } from '../kafka/errors';
import { kafkaReadiness } from '../kafka/readiness';
import { TOPICS } from '../kafka/topics';
import { gatewayCounters } from '../metrics';
import { buildGateway, type RecordSink } from './app';
import type { Dedupe } from './dedupe';
import { signStandardWebhook } from '../../sources/canonical/standard-webhooks';

const SECRET = 'whsec_Z2F0ZXdheS11bml0LXRlc3Qta2V5LTAwMDE=';
const NOW = 1_795_400_000_000;

/** Records what the gateway would produce; `fail` makes the next sends throw like an unreachable broker. */
class MemorySink implements RecordSink {
  readonly sent: Outgoing[] = [];
  fail = false;
  /** When set, a send is failed with what it returns (the producer's own refusals). */
  refuse?: (items: Outgoing[]) => Error | undefined;
  async send(items: Outgoing[]): Promise<void> {
    if (this.fail) throw new Error('KafkaJSConnectionError: connect ECONNREFUSED');
    const refused = this.refuse?.(items);
    if (refused) throw refused;
    this.sent.push(...items);
  }
}

/** Dedupe store of our own interface; `down` makes it throw like an unreachable Redis. */
class MemoryDedupe implements Dedupe {
  readonly ids = new Set<string>();
  down = false;
  async seen(ids: readonly string[]) {
    if (this.down) throw new Error('ECONNREFUSED');
    return new Set(ids.filter((id) => this.ids.has(id)));
  }
  async remember(ids: readonly string[]) {
    if (this.down) throw new Error('ECONNREFUSED');
    for (const id of ids) this.ids.add(id);
  }
}

const SCOPED = `whsec_${randomBytes(32).toString('base64')}`;
/** A key that may send suspensions (and nothing else outside `/security/`), made per run. */
const SECURITY = `whsec_${randomBytes(32).toString('base64')}`;

function setup(opts: { bodyLimitBytes?: number; maxEventBytes?: number; isReady?: () => Promise<boolean> } = {}) {
  const sink = new MemorySink();
  const dedupe = new MemoryDedupe();
  const metrics = gatewayCounters();
  const app = buildGateway({
    producer: sink,
    dedupe,
    metrics,
    isReady: opts.isReady ?? (() => true),
    log: pino({ level: 'silent' }),
    canonicalKeys: [
      { name: 'JML_CANONICAL_SECRETS[0]', secret: SECRET },
      { name: 'JML_CANONICAL_SECRETS[1]', secret: SCOPED, sources: ['/hr/bamboohr/'], subjects: ['bamboohr:'] },
      { name: 'JML_CANONICAL_SECRETS[2]', secret: SECURITY, sources: ['/security/'], actions: ['suspend'] },
    ],
    bodyLimitBytes: opts.bodyLimitBytes ?? 1024 * 1024,
    ...(opts.maxEventBytes !== undefined ? { maxEventBytes: opts.maxEventBytes } : {}),
    now: () => NOW,
  });
  return { app, sink, dedupe, metrics };
}

function signed(body: string, opts: { id?: string; ts?: number; secret?: string } = {}) {
  const id = opts.id ?? 'wh-1';
  const ts = opts.ts ?? NOW / 1000;
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': signStandardWebhook(opts.secret ?? SECRET, id, ts, body),
  };
}

const event = makeEvent({ personKey: 'bamboohr:4101', type: 'jml.joiner' });
let current: ReturnType<typeof setup> | undefined;
afterEach(async () => current?.app.close());

describe('gateway POST /v1/events', () => {
  it('accepts > answers 202 once the event and the raw delivery are produced, keyed by person', async () => {
    current = setup();
    const body = JSON.stringify(event);
    const res = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body), payload: body });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: true, id: event.id });
    expect(current.sink.sent.map((r) => r.topic)).toEqual([TOPICS.events, TOPICS.raw]);
    const [record, raw] = current.sink.sent as [Outgoing, Outgoing];
    expect(record.message.key).toBe('bamboohr:4101');
    expect(JSON.parse(String(record.message.value))).toEqual(event);
    expect(record.message.headers).toEqual({ 'jml-event-id': event.id, 'jml-event-type': 'jml.joiner', 'jml-schema-version': '1' });
    expect(Buffer.from(raw.message.value as Buffer).toString()).toBe(body);
    expect(raw.message.headers).toMatchObject({ 'jml-route': '/v1/events', 'jml-delivery-id': 'wh-1', 'jml-event-ids': event.id });
    expect(current.metrics.get('jml_gateway_events_accepted_total', { route: '/v1/events' })).toBe(1);
  });

  it('leaver lane > a leaver is produced to jml.events.v1 and, the same record, to the leaver lane', async () => {
    current = setup();
    const leaver = makeEvent({ personKey: 'bamboohr:4101', type: 'jml.leaver' });
    const body = JSON.stringify(leaver);
    const res = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body), payload: body });
    expect(res.statusCode).toBe(202);
    expect(current.sink.sent.map((r) => r.topic)).toEqual([TOPICS.events, TOPICS.priority, TOPICS.raw]);
    const [main, lane] = current.sink.sent as [Outgoing, Outgoing];
    expect(lane.message).toEqual(main.message);
    expect(lane.message.key).toBe('bamboohr:4101');
  });

  it('dedupes > a redelivered event is acknowledged and archived but not produced again', async () => {
    current = setup();
    const body = JSON.stringify(event);
    for (const id of ['wh-1', 'wh-2']) {
      const res = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body, { id }), payload: body });
      expect(res.statusCode).toBe(202);
    }
    expect(current.sink.sent.map((r) => r.topic)).toEqual([TOPICS.events, TOPICS.raw, TOPICS.raw]);
    expect(current.metrics.get('jml_gateway_events_duplicate_total', { route: '/v1/events' })).toBe(1);
  });

  it('dedupes > only after Kafka acknowledged: a failed produce does not make the retry a duplicate', async () => {
    current = setup();
    const body = JSON.stringify(event);
    current.sink.fail = true;
    expect((await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body), payload: body })).statusCode).toBe(503);
    current.sink.fail = false;
    expect((await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body), payload: body })).statusCode).toBe(202);
    expect(current.sink.sent.map((r) => r.topic)).toEqual([TOPICS.events, TOPICS.raw]);
  });

  it('degrades > without Redis the event is still accepted, and the metric says dedupe was skipped', async () => {
    current = setup();
    current.dedupe.down = true;
    const body = JSON.stringify(event);
    expect((await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body), payload: body })).statusCode).toBe(202);
    expect(current.sink.sent.map((r) => r.topic)).toEqual([TOPICS.events, TOPICS.raw]);
    expect(current.metrics.get('jml_gateway_dedupe_unavailable_total')).toBe(2);
    const metrics = await current.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('jml_gateway_dedupe_unavailable_total 2');
  });

  it('authenticates > 401 for a missing, wrong or stale signature, and produces nothing', async () => {
    current = setup();
    const body = JSON.stringify(event);
    const cases = [
      { headers: { 'content-type': 'application/json' }, code: 'signature-missing' },
      { headers: signed(body, { secret: 'whsec_d3JvbmctZ2F0ZXdheS11bml0LXRlc3Qta2V5' }), code: 'signature-invalid' },
      { headers: signed(body, { ts: NOW / 1000 - 301 }), code: 'timestamp-out-of-window' },
    ];
    for (const c of cases) {
      const res = await current.app.inject({ method: 'POST', url: '/v1/events', headers: c.headers, payload: body });
      expect([res.statusCode, res.json().error.code]).toEqual([401, c.code]);
    }
    expect(current.sink.sent).toEqual([]);
  });

  it('rejects > 400 with every schema issue, after recording the body and reason in the DLQ', async () => {
    current = setup();
    const body = JSON.stringify({ ...event, subject: 'no key', extra: true });
    const res = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body, { id: 'wh-bad' }), payload: body });
    expect(res.statusCode).toBe(400);
    const paths = (res.json().error.details as Array<{ path: string }>).map((d) => d.path).sort();
    expect(paths).toEqual(['', 'subject']);
    expect(current.sink.sent).toHaveLength(1);
    const [record] = current.sink.sent as [Outgoing];
    expect(record.topic).toBe(TOPICS.dlq);
    expect(record.message.key).toBe('wh-bad');
    expect(String(record.message.headers?.['jml-reject-code'])).toBe('invalid-event');
    expect(String(record.message.headers?.['jml-reject-reason'])).toContain('subject');
  });

  it('rejects > 400 for a body that is not JSON, also recorded', async () => {
    current = setup();
    const body = '{"specversion":';
    const res = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body), payload: body });
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'invalid-json']);
    expect(current.sink.sent.map((r) => r.topic)).toEqual([TOPICS.dlq]);
  });

  it('limits > 413 over the body limit and 415 for other content types', async () => {
    current = setup({ bodyLimitBytes: 512 });
    const big = JSON.stringify({ ...event, pad: 'x'.repeat(600) });
    const tooBig = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(big), payload: big });
    expect([tooBig.statusCode, tooBig.json().error.code]).toEqual([413, 'body-too-large']);
    const text = await current.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...signed('a=b'), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=b',
    });
    expect([text.statusCode, text.json().error.code]).toEqual([415, 'unsupported-media-type']);
  });

  it('transient > 503 with Retry-After when Kafka does not acknowledge, for events and for rejects', async () => {
    current = setup();
    current.sink.fail = true;
    const body = JSON.stringify(event);
    const res = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body), payload: body });
    expect([res.statusCode, res.json().error.code, res.headers['retry-after']]).toEqual([503, 'kafka-unavailable', '5']);
    const bad = '{}';
    const res2 = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(bad), payload: bad });
    expect(res2.statusCode).toBe(503);
  });

  it('limits > 413 event-too-large for an event over maxEventBytes, after recording the body and reason in the DLQ', async () => {
    const body = JSON.stringify(event);
    const bytes = Buffer.byteLength(body);
    current = setup({ maxEventBytes: bytes - 1 });
    const res = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body, { id: 'wh-large' }), payload: body });
    expect([res.statusCode, res.json().error.code]).toEqual([413, 'event-too-large']);
    expect(res.json().error.details).toEqual({ limitBytes: bytes - 1, events: [{ id: event.id, bytes }] });
    expect(current.sink.sent.map((r) => r.topic)).toEqual([TOPICS.dlq]);
    const [record] = current.sink.sent as [Outgoing];
    expect(String(record.message.headers?.['jml-reject-code'])).toBe('event-too-large');
    expect(String(record.message.headers?.['jml-reject-reason'])).toContain(event.id);
    await current.app.close();
    current = setup({ maxEventBytes: bytes });
    expect((await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body), payload: body })).statusCode).toBe(202);
  });

  it('limits > 413 event-too-large, recorded, when the producer refuses the records as larger than Kafka accepts', async () => {
    current = setup();
    current.sink.refuse = (items) =>
      items.some((i) => i.topic === TOPICS.events) ? new ProducerError({ code: 'record-too-large', message: 'records for jml.events.v1 take about 2000000 bytes' }) : undefined;
    const body = JSON.stringify(event);
    const res = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body), payload: body });
    expect([res.statusCode, res.json().error.code]).toEqual([413, 'event-too-large']);
    expect(current.sink.sent.map((r) => r.topic)).toEqual([TOPICS.dlq]);
  });

  it('overloaded > 503 overloaded with Retry-After at once when the producer queue is full, and nothing is recorded', async () => {
    current = setup();
    current.sink.refuse = () => new ProducerError({ code: 'queue-full', message: 'the producer already holds 10000 waiting calls' });
    const body = JSON.stringify(event);
    const res = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body), payload: body });
    expect([res.statusCode, res.json().error.code, res.headers['retry-after']]).toEqual([503, 'overloaded', '5']);
    expect(current.sink.sent).toEqual([]);
    expect(current.metrics.get('jml_gateway_overloaded_total')).toBe(1);
  });

  it('deadline > a produce past its deadline answers 503 kafka-unavailable and remembers nothing for dedupe', async () => {
    current = setup();
    current.sink.refuse = () => new ProducerError({ code: 'deadline-exceeded', message: 'Kafka did not acknowledge within 5000 ms' });
    const body = JSON.stringify(event);
    const res = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body), payload: body });
    expect([res.statusCode, res.json().error.code, res.headers['retry-after']]).toEqual([503, 'kafka-unavailable', '5']);
    expect(current.dedupe.ids.size).toBe(0);
  });

  it('readiness > /readyz answers 503 with Retry-After, in time, while the Kafka probe hangs, and 200 once it answers', async () => {
    let answer = false;
    const readiness = kafkaReadiness({ probe: () => (answer ? Promise.resolve() : new Promise(() => undefined)), timeoutMs: 200, maxAgeMs: 0 });
    current = setup({ isReady: () => readiness.ready() });
    const started = Date.now();
    const hung = await current.app.inject({ method: 'GET', url: '/readyz' });
    expect([hung.statusCode, hung.headers['retry-after']]).toEqual([503, '5']);
    expect(Date.now() - started).toBeLessThan(1_000);
    answer = true;
    expect((await current.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('timeouts > the server takes its request, connection, keep-alive and headers timeouts from the options', async () => {
    const sink = new MemorySink();
    const app = buildGateway({
      producer: sink,
      metrics: gatewayCounters(),
      isReady: () => true,
      log: pino({ level: 'silent' }),
      canonicalKeys: [{ name: 'JML_CANONICAL_SECRET', secret: SECRET }],
      bodyLimitBytes: 1024,
      timeouts: { requestMs: 7_000, connectionMs: 8_000, keepAliveMs: 9_000, headersMs: 3_000 },
    });
    try {
      expect([app.server.requestTimeout, app.server.timeout, app.server.keepAliveTimeout, app.server.headersTimeout]).toEqual([7_000, 8_000, 9_000, 3_000]);
    } finally {
      await app.close();
    }
  });

  it('health > /healthz answers while the process lives', async () => {
    current = setup();
    const res = await current.app.inject({ method: 'GET', url: '/healthz' });
    expect([res.statusCode, res.json()]).toEqual([200, { status: 'ok' }]);
  });

  it('scopes > a key limited to prefixes sends within them; outside them 403, recorded in the DLQ, never on the events topic', async () => {
    current = setup();
    const inside = makeEvent({ personKey: 'bamboohr:4101', type: 'jml.leaver' });
    const ok = JSON.stringify({ ...inside, source: '/hr/bamboohr/acme' });
    const res = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(ok, { secret: SCOPED }), payload: ok });
    expect(res.statusCode).toBe(202);
    current.sink.sent.length = 0;
    for (const [i, event] of [
      { ...inside, source: '/hr/bamboohr/acme', subject: 'workday:4101' },
      { ...inside, source: '/hr/workday/acme', subject: 'bamboohr:4101' },
    ].entries()) {
      const body = JSON.stringify(event);
      const out = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body, { secret: SCOPED, id: `wh-out-${i}` }), payload: body });
      expect([out.statusCode, out.json().error.code]).toEqual([403, 'out-of-scope']);
    }
    expect(current.sink.sent.map((r) => r.topic)).toEqual([TOPICS.dlq, TOPICS.dlq]);
    expect(String(current.sink.sent[0]?.message.headers?.['jml-reject-reason'])).toContain('JML_CANONICAL_SECRETS[1]');
    // The same event signed by an unscoped key is fine.
    const body = JSON.stringify({ ...inside, source: '/hr/workday/acme', subject: 'workday:4101' });
    expect((await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body, { id: 'wh-any' }), payload: body })).statusCode).toBe(202);
  });

  it('security actions > only a key scoped for the action sends it, to jml.security.v1; others get 403 and a dead letter', async () => {
    current = setup();
    const suspend = { specversion: '1.0', id: 'soar-1', source: '/security/soar', type: 'jml.security.suspend', subject: 'bamboohr:acme:4101', time: '2026-11-20T09:00:00Z', data: { reason: 'SEC-1', requestedBy: 'soar' } };
    const body = JSON.stringify(suspend);
    for (const [i, secret] of [SECRET, SCOPED].entries()) {
      const out = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body, { secret, id: `wh-sec-${i}` }), payload: body });
      expect([out.statusCode, out.json().error.code]).toEqual([403, 'out-of-scope']);
    }
    expect(current.sink.sent.map((r) => r.topic)).toEqual([TOPICS.dlq, TOPICS.dlq]);
    expect(String(current.sink.sent[0]?.message.headers?.['jml-reject-reason'])).toContain('may not send a suspend');
    current.sink.sent.length = 0;
    // The security key sends suspends, not restores.
    const restore = JSON.stringify({ ...suspend, id: 'soar-2', type: 'jml.security.restore' });
    expect((await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(restore, { secret: SECURITY, id: 'wh-sec-r' }), payload: restore })).statusCode).toBe(403);
    current.sink.sent.length = 0;
    const ok = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body, { secret: SECURITY, id: 'wh-sec-ok' }), payload: body });
    expect([ok.statusCode, ok.json()]).toEqual([202, { accepted: true, id: 'soar-1' }]);
    const action = current.sink.sent.find((r) => r.topic === TOPICS.security);
    expect(current.sink.sent.map((r) => r.topic).sort()).toEqual([TOPICS.raw, TOPICS.security].sort());
    expect([action?.message.key, action?.message.headers?.['jml-event-type'], action?.message.headers?.['jml-schema-version']]).toEqual(['bamboohr:acme:4101', 'jml.security.suspend', '1']);
    // A security action is checked by its own schema: a reason is required, a person snapshot is not allowed.
    const bad = JSON.stringify({ ...suspend, id: 'soar-3', data: { requestedBy: 'soar', person: {} } });
    const refused = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(bad, { secret: SECURITY, id: 'wh-sec-bad' }), payload: bad });
    expect([refused.statusCode, refused.json().error.code]).toEqual([400, 'invalid-event']);
  });

  it('scopes > a scoped sender cannot make another sender\'s event a duplicate by taking its id first', async () => {
    current = setup();
    // The scoped key sends, within its scope, an event that carries the id a Workday event will have.
    const squatter = JSON.stringify({ ...makeEvent({ personKey: 'bamboohr:acme:1', type: 'jml.update' }), id: 'workday-acme-1234', source: '/hr/bamboohr/acme' });
    expect((await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(squatter, { secret: SCOPED, id: 'wh-squat' }), payload: squatter })).statusCode).toBe(202);
    current.sink.sent.length = 0;
    const genuine = JSON.stringify({ ...makeEvent({ personKey: 'workday:acme:4101', type: 'jml.leaver' }), id: 'workday-acme-1234', source: '/hr/workday/acme' });
    const res = await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(genuine, { id: 'wh-genuine' }), payload: genuine });
    expect([res.statusCode, res.json().duplicate]).toEqual([202, undefined]);
    expect(current.sink.sent.filter((r) => r.topic === TOPICS.events).map((r) => r.message.key)).toEqual(['workday:acme:4101']);
  });

  it('metrics > fifty senders\' subjects add no series: accepted events are labelled by route', async () => {
    current = setup();
    for (let i = 0; i < 50; i++) {
      const body = JSON.stringify(makeEvent({ personKey: `src${i}-x:${i}`, type: 'jml.update' }));
      expect((await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body, { id: `wh-${i}` }), payload: body })).statusCode).toBe(202);
    }
    const text = (await current.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text.split('\n').filter((l) => l.startsWith('jml_gateway_events_accepted_total'))).toEqual(['jml_gateway_events_accepted_total{route="/v1/events"} 50']);
  });

  it('metrics > requests are counted by route pattern and status, and the Kafka acknowledgement is timed by route', async () => {
    current = setup();
    const body = JSON.stringify(event);
    expect((await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body), payload: body })).statusCode).toBe(202);
    expect((await current.app.inject({ method: 'POST', url: '/v1/events', headers: signed(body, { secret: `whsec_${randomBytes(32).toString('base64')}` }), payload: body })).statusCode).toBe(401);
    expect((await current.app.inject({ method: 'GET', url: '/no/such/path/4101' })).statusCode).toBe(404);
    expect(current.metrics.get('jml_gateway_requests_total', { route: '/v1/events', method: 'POST', status: '202' })).toBe(1);
    expect(current.metrics.get('jml_gateway_requests_total', { route: '/v1/events', method: 'POST', status: '401' })).toBe(1);
    // A path nobody routes is one series, whatever the client asked for.
    expect(current.metrics.get('jml_gateway_requests_total', { route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
    const text = (await current.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('jml_gateway_kafka_ack_seconds_count{route="/v1/events"} 1');
    expect(text).not.toContain('4101');
  });

  it('keys > the gateway refuses to build without a canonical key, or with one under 24 bytes', () => {
    const deps = { producer: new MemorySink(), metrics: gatewayCounters(), isReady: () => true, log: pino({ level: 'silent' }), bodyLimitBytes: 1024 };
    expect(() => buildGateway({ ...deps, canonicalKeys: [] })).toThrow(/JML_CANONICAL_SECRET/);
    for (const secret of ['whsec_', 'whsec_!!!!', 'whsec_a', 'whsec_dW51c2Vk']) {
      expect(() => buildGateway({ ...deps, canonicalKeys: [{ name: 'JML_CANONICAL_SECRET', secret }] })).toThrow(/^JML_CANONICAL_SECRET: the key/);
    }
  });
});
