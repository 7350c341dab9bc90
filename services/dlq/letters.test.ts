import { describe, expect, it } from 'vitest';
import { selectLetters, summarize, toEntry, type DeadLetterEntry } from './letters';
import { recordOf } from './testing/records';

const AT = Date.parse('2026-12-01T10:00:00Z');

const letters: DeadLetterEntry[] = [
  toEntry(recordOf({ code: 'unknown-tenant', reason: 'no tenant', value: '{}', route: '/webhooks/workday/late', deliveryHeaders: { 'x-jml-timestamp': '1' }, contentType: 'application/json', at: AT }, 0, 7)),
  toEntry(recordOf({ code: 'unknown-tenant', reason: 'no tenant', value: '{}', route: '/webhooks/workday/late', at: AT + 60_000 }, 3, 2)),
  toEntry(recordOf({ code: 'invalid-payload', reason: 'Worker_ID missing', value: '{}', route: '/webhooks/workday/acme', at: AT + 1 }, 1, 0)),
  toEntry(recordOf({ code: 'invalid-payload', reason: 'row 3', value: '{}', route: '/pollers/workday/acme', at: AT }, 2, 5)),
  toEntry(recordOf({ code: 'unsupported-schema-version', reason: '2.0', value: '{}', key: 'workday:acme:1', origin: 'jml.events.v1/4/99', at: AT }, 5, 1)),
];

describe('toEntry', () => {
  it('reads every producer\'s letters: deliveries, polls and the dispatcher\'s, by id <partition>/<offset>', () => {
    expect(letters.map((e) => [e.id, e.kind, e.code, e.route])).toEqual([
      ['0/7', 'delivery', 'unknown-tenant', '/webhooks/workday/late'],
      ['3/2', 'delivery', 'unknown-tenant', '/webhooks/workday/late'],
      ['1/0', 'delivery', 'invalid-payload', '/webhooks/workday/acme'],
      ['2/5', 'poll', 'invalid-payload', '/pollers/workday/acme'],
      ['5/1', 'dispatcher', 'unsupported-schema-version', 'origin:jml.events.v1'],
    ]);
    expect(letters[0]).toMatchObject({ deliveryHeaders: { 'x-jml-timestamp': '1' }, contentType: 'application/json', receivedAt: '2026-12-01T10:00:00.000Z', body: Buffer.from('{}') });
    expect(letters[4]).toMatchObject({ key: 'workday:acme:1', origin: 'jml.events.v1/4/99', deliveryHeaders: {} });
  });

  it('keeps a record whose headers break the schema, as unreadable, with Kafka\'s time', () => {
    const entry = toEntry({ partition: 1, offset: '3', timestamp: AT, key: null, value: Buffer.from('x'), headers: { 'jml-reject-code': Buffer.from('x') } });
    expect(entry).toMatchObject({ id: '1/3', kind: 'unreadable', code: 'unreadable', receivedAt: '2026-12-01T10:00:00.000Z' });
    expect(entry.reason).toMatch(/break the dead-letter schema/);
  });
});

describe('selectLetters', () => {
  it('selects by ids, by code, by route or route prefix; every filter given must match', () => {
    const ids = (sel: Parameters<typeof selectLetters>[1]) => selectLetters(letters, sel).map((e) => e.id);
    expect(ids({})).toEqual(['0/7', '3/2', '1/0', '2/5', '5/1']);
    expect(ids({ ids: ['1/0', '5/1', '9/9'] })).toEqual(['1/0', '5/1']);
    expect(ids({ code: 'unknown-tenant' })).toEqual(['0/7', '3/2']);
    expect(ids({ route: '/webhooks/workday/acme' })).toEqual(['1/0']);
    expect(ids({ route: '/webhooks/workday/*' })).toEqual(['0/7', '3/2', '1/0']);
    expect(ids({ route: '/webhooks/workday/*', code: 'invalid-payload' })).toEqual(['1/0']);
    expect(ids({ route: '/webhooks/workday/' })).toEqual([]);
  });

  it('leaves out letters a re-drive produced unless asked, and keeps those whose re-drive failed', () => {
    const marked = letters.map((e, i) =>
      i === 0 ? { ...e, lastRedrive: { status: 'redriven' as const, at: 'x', accepted: ['e1'], duplicates: [], rejected: [] } } : i === 1 ? { ...e, lastRedrive: { status: 'failed' as const, at: 'x', code: 'unknown-tenant', reason: 'r' } } : e,
    );
    expect(selectLetters(marked, { code: 'unknown-tenant' }).map((e) => e.id)).toEqual(['3/2']);
    expect(selectLetters(marked, { code: 'unknown-tenant', includeRedriven: true }).map((e) => e.id)).toEqual(['0/7', '3/2']);
    const summary = summarize(marked);
    expect([summary.total, summary.waiting]).toEqual([5, 4]);
    expect(summary.counts[0]).toMatchObject({ code: 'unknown-tenant', route: '/webhooks/workday/late', count: 2, redriven: 1, failed: 1 });
  });
});

describe('summarize', () => {
  it('counts by code, and by code and route with the first and last arrival, most letters first', () => {
    const summary = summarize(letters);
    expect(summary.byCode).toEqual({ 'unknown-tenant': 2, 'invalid-payload': 2, 'unsupported-schema-version': 1 });
    expect(summary.counts.map((c) => [c.code, c.route, c.kind, c.count])).toEqual([
      ['unknown-tenant', '/webhooks/workday/late', 'delivery', 2],
      ['invalid-payload', '/pollers/workday/acme', 'poll', 1],
      ['invalid-payload', '/webhooks/workday/acme', 'delivery', 1],
      ['unsupported-schema-version', 'origin:jml.events.v1', 'dispatcher', 1],
    ]);
    expect(summary.counts[0]).toMatchObject({ first: '2026-12-01T10:00:00.000Z', last: '2026-12-01T10:01:00.000Z' });
    expect(summarize([])).toEqual({ total: 0, waiting: 0, byCode: {}, counts: [] });
  });
});
