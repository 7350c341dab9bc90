import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { memorySink } from '../../test/fakes/pollers';
import { makeEvent } from '../../test/support/events';
import { TOPICS } from '../kafka/topics';
import { gatewayCounters } from '../metrics';
import { ingestPublisher } from './publish';

const log = pino({ level: 'silent' });
const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('ingestPublisher', () => {
  it('an event over maxEventBytes > dead-lettered as event-too-large, like the gateway; the other events of the poll are published', async () => {
    const producer = memorySink();
    const small = makeEvent({ personKey: 'bamboohr:acme:4101', type: 'jml.mover', changedFields: ['jobTitle'] });
    const big = makeEvent({ personKey: 'bamboohr:acme:4102', type: 'jml.mover', changedFields: ['jobTitle'], person: { jobTitle: 'x'.repeat(4_000) } });
    const maxEventBytes = Buffer.byteLength(JSON.stringify(small)) + 100;
    const publisher = ingestPublisher({ producer, maxEventBytes, metrics: gatewayCounters(), log, now: () => NOW });

    const result = await publisher.publish({ route: '/pollers/bamboohr/acme', observation: { poll: 'bamboohr' }, events: [small, big] });

    expect(result.accepted).toEqual([small.id]);
    expect(producer.eventsOn(TOPICS.events).map((e) => e.id)).toEqual([small.id]);
    const dlq = producer.sent.filter((o) => o.topic === TOPICS.dlq);
    expect(dlq).toHaveLength(1);
    const headers = dlq[0]?.message.headers ?? {};
    expect(headers['jml-reject-code']).toBe('event-too-large');
    expect(String(headers['jml-reject-reason'])).toContain(`event ${big.id} is ${Buffer.byteLength(JSON.stringify(big))} bytes; the limit is ${maxEventBytes}`);
    expect(headers['jml-route']).toBe('/pollers/bamboohr/acme');
  });

  it('every event over maxEventBytes > nothing produced to the events topic, the poll still resolves', async () => {
    const producer = memorySink();
    const big = makeEvent({ personKey: 'bamboohr:acme:4102', type: 'jml.mover', person: { jobTitle: 'x'.repeat(4_000) } });
    const publisher = ingestPublisher({ producer, maxEventBytes: 1_000, metrics: gatewayCounters(), log, now: () => NOW });

    const result = await publisher.publish({ route: '/pollers/bamboohr/acme', observation: {}, events: [big] });

    expect(result).toEqual({ accepted: [], duplicates: [] });
    expect(producer.eventsOn(TOPICS.events)).toEqual([]);
    expect(producer.sent.filter((o) => o.topic === TOPICS.dlq).map((o) => o.message.headers?.['jml-reject-code'])).toEqual(['event-too-large']);
  });
});
