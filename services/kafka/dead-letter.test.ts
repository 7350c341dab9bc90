import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { memorySink } from '../../test/fakes/pollers';
import { makeEvent } from '../../test/support/events';
import { recordRejection } from '../gateway/reject';
import { gatewayCounters } from '../metrics';
import { ingestPublisher } from '../pollers/publish';
import { deadLetterRecord, deliveryHeadersText, MAX_CONTENT_TYPE_CHARS, MAX_DELIVERY_HEADERS_BYTES, MAX_REASON_CHARS, readDeadLetterHeaders, readDeliveryHeaders } from './dead-letter';
import { TOPICS } from './topics';

const log = pino({ level: 'silent' });
const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('deadLetterRecord', () => {
  it('writes the declared headers on the DLQ topic, and they read back through the schema', () => {
    const record = deadLetterRecord({ code: 'invalid-event', reason: 'no subject', value: Buffer.from('{}'), key: 'wh-1', route: '/v1/events', at: NOW });
    expect([record.topic, record.message.key, String(record.message.value)]).toEqual([TOPICS.dlq, 'wh-1', '{}']);
    expect(readDeadLetterHeaders(record.message.headers)).toEqual({
      'jml-reject-code': 'invalid-event',
      'jml-reject-reason': 'no subject',
      'jml-route': '/v1/events',
      'jml-received-at': '2026-03-01T12:00:00.000Z',
    });
  });

  it('cuts the reason to the declared length and keys by nothing when there is no key', () => {
    const record = deadLetterRecord({ code: 'invalid-payload', reason: 'x'.repeat(MAX_REASON_CHARS + 10), value: null, route: '/pollers/bamboohr/acme', at: NOW });
    expect([record.message.key, String(record.message.headers?.['jml-reject-reason']).length]).toEqual([null, MAX_REASON_CHARS]);
  });

  it('reads headers as Kafka hands them over (Buffers), and refuses a record without route or origin', () => {
    const headers = { 'jml-reject-code': Buffer.from('invalid-event'), 'jml-reject-reason': Buffer.from('r'), 'jml-received-at': Buffer.from('2026-03-01T12:00:00.000Z'), 'jml-origin': Buffer.from('jml.events.v1/0/42') };
    expect(readDeadLetterHeaders(headers)['jml-origin']).toBe('jml.events.v1/0/42');
    expect(() => readDeadLetterHeaders({ 'jml-reject-code': 'x', 'jml-reject-reason': 'r', 'jml-received-at': '2026-03-01T12:00:00.000Z' })).toThrow(/route or its origin/);
  });
});

describe('delivery headers', () => {
  it('are kept as a JSON object with the content type, and read back', () => {
    const sent = { 'webhook-id': 'wh-1', 'webhook-timestamp': '1772366400', 'webhook-signature': 'v1,abc v1,def' };
    const record = deadLetterRecord({ code: 'unknown-tenant', reason: 'r', value: Buffer.from('{}'), route: '/webhooks/workday/late', deliveryHeaders: sent, contentType: 'application/json', at: NOW });
    const headers = readDeadLetterHeaders(record.message.headers);
    expect(headers['jml-content-type']).toBe('application/json');
    expect(readDeliveryHeaders(headers)).toEqual(sent);
  });

  it('are bounded: a header that would take them over the limit is left out, the others kept; a long content type is left out', () => {
    const text = deliveryHeadersText({ 'x-jml-timestamp': '1772366400', 'x-jml-signature': 'x'.repeat(MAX_DELIVERY_HEADERS_BYTES), 'webhook-id': 'wh-2' });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_DELIVERY_HEADERS_BYTES);
    expect(JSON.parse(text)).toEqual({ 'x-jml-timestamp': '1772366400', 'webhook-id': 'wh-2' });
    const record = deadLetterRecord({ code: 'invalid-payload', reason: 'r', value: null, route: '/v1/events', contentType: `application/json; ${'p'.repeat(MAX_CONTENT_TYPE_CHARS)}`, at: NOW });
    expect(record.message.headers?.['jml-content-type']).toBeUndefined();
  });

  it('a record without them reads as none kept; a value that is not a JSON object of strings is refused', () => {
    const base = { 'jml-reject-code': 'x', 'jml-reject-reason': 'r', 'jml-received-at': '2026-03-01T12:00:00.000Z', 'jml-route': '/v1/events' };
    expect(readDeliveryHeaders(readDeadLetterHeaders(base))).toEqual({});
    expect(() => readDeliveryHeaders(readDeadLetterHeaders({ ...base, 'jml-delivery-headers': '{"a":1}' }))).toThrow();
  });
});

describe('every producer of dead letters writes the one header schema', () => {
  it('gateway > a refused delivery', async () => {
    const sink = memorySink();
    await recordRejection({ producer: sink, metrics: gatewayCounters(), log, now: () => NOW }, { route: '/webhooks/bamboohr/acme', body: Buffer.from('junk'), code: 'invalid-payload', reason: 'not a BambooHR payload' });
    const [record] = sink.sent;
    expect(record?.topic).toBe(TOPICS.dlq);
    expect(readDeadLetterHeaders(record?.message.headers)).toMatchObject({ 'jml-reject-code': 'invalid-payload', 'jml-route': '/webhooks/bamboohr/acme', 'jml-received-at': '2026-03-01T12:00:00.000Z' });
  });

  it('pollers > an observation that cannot become an event, and an event over the size cap', async () => {
    const sink = memorySink();
    const publisher = ingestPublisher({ producer: sink, maxEventBytes: 1_000, metrics: gatewayCounters(), log, now: () => NOW });
    await publisher.reject({ route: '/pollers/workday/acme', observation: { row: 3 }, reason: 'Worker_ID missing' });
    const big = makeEvent({ personKey: 'workday:acme:21001', type: 'jml.mover', person: { jobTitle: 'x'.repeat(2_000) } });
    await publisher.publish({ route: '/pollers/workday/acme', observation: { rows: 1 }, events: [big] });
    const dlq = sink.sent.filter((o) => o.topic === TOPICS.dlq).map((o) => readDeadLetterHeaders(o.message.headers));
    expect(dlq.map((h) => [h['jml-reject-code'], h['jml-route']])).toEqual([
      ['invalid-payload', '/pollers/workday/acme'],
      ['event-too-large', '/pollers/workday/acme'],
    ]);
  });
});
