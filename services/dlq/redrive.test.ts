import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { memoryDedupe, memorySink } from '../../test/fakes/pollers';
import { canonicalSource } from '../../sources/canonical';
import { workdaySource } from '../../sources/workday';
import type { WorkdayEvent } from '../../sources/workday/contract';
import { normalizeWorkday } from '../../sources/workday/normalize';
import { signWorkday } from '../../sources/workday/signature';
import { sourceDelivery } from '../gateway/source-route';
import type { DeadLetter } from '../kafka/dead-letter';
import { TOPICS } from '../kafka/topics';
import { gatewayCounters } from '../metrics';
import { toEntry, type DeadLetterEntry } from './letters';
import { redriveLetters, type RedriveDeps } from './redrive';
import { memoryRedriveMemory } from './redrive-memory';
import { recordOf } from './testing/records';

const log = pino({ level: 'silent' });
const KEY = 'workday-key-of-tenant-late-0001';
/** When the delivery was signed and arrived; the re-drive runs five hours later. */
const SIGNED_SEC = 1_795_400_000;
const ARRIVED = SIGNED_SEC * 1000 + 2_000;
const LATER = ARRIVED + 5 * 3600_000;

const hire: WorkdayEvent = {
  Contract_Version: '1',
  Business_Process_Type: 'Hire Employee',
  Event_WID: '0123456789abcdef0123456789abcdef',
  Effective_Date: '2026-12-07',
  Entry_Moment: '2026-12-01T09:00:00Z',
  Worker: { Worker_ID: '4101', Worker_Type: 'Employee', Legal_First_Name: 'Ada', Legal_Last_Name: 'Lovelace', Time_Zone: 'UTC', Hire_Date: '2026-12-07' },
};
const BODY = JSON.stringify(hire);
const expected = normalizeWorkday({ tenant: 'late', event: hire, defaultTimeZone: 'UTC' });
const EVENT_ID = expected.ok ? expected.event.id : 'unreachable';

let offset = 0;
function letter(overrides: Partial<DeadLetter> = {}): DeadLetterEntry {
  return toEntry(
    recordOf(
      {
        code: 'unknown-tenant',
        reason: "Workday has no tenant 'late' configured",
        value: BODY,
        route: '/webhooks/workday/late',
        deliveryHeaders: { ...signWorkday({ secret: KEY, body: BODY, timestampSec: SIGNED_SEC }) },
        contentType: 'application/json',
        at: ARRIVED,
        ...overrides,
      },
      0,
      offset++,
    ),
  );
}

/** Re-drive with the tenants configured now. */
function deps(tenants: Record<string, { secrets: string[]; defaultTimeZone: string }>) {
  const sink = memorySink();
  const memory = memoryRedriveMemory();
  const d: RedriveDeps = {
    deliveries: [sourceDelivery(workdaySource, { tenants }), sourceDelivery(canonicalSource, { tenants: {} })],
    producer: sink,
    dedupe: memoryDedupe(),
    memory,
    metrics: gatewayCounters(),
    log,
    now: () => LATER,
  };
  return { d, sink, memory };
}

const configured = { late: { secrets: [KEY], defaultTimeZone: 'UTC' } };

describe('redrive > a delivery for a tenant configured since', () => {
  it('is verified against its arrival, normalized and produced like a live one; a second re-drive produces nothing', async () => {
    const { d, sink } = deps(configured);
    const dead = letter();
    const first = await redriveLetters(d, [dead]);
    expect(first.results).toEqual([{ id: dead.id, route: '/webhooks/workday/late', letterCode: 'unknown-tenant', status: 'redriven', accepted: [EVENT_ID], duplicates: [], rejected: [] }]);
    expect(sink.eventsOn(TOPICS.events).map((e) => [e.id, e.subject])).toEqual([[EVENT_ID, 'workday:late:4101']]);
    expect(sink.sent.filter((o) => o.topic === TOPICS.raw).map((o) => String(o.message.value))).toEqual([BODY]);

    const second = await redriveLetters(d, [dead]);
    expect(second.results[0]).toMatchObject({ status: 'skipped', reason: `re-driven at ${new Date(LATER).toISOString()}` });
    // Asked to re-drive it anyway, edge dedupe keeps its event from being produced again.
    const forced = await redriveLetters(d, [dead], { includeRedriven: true });
    expect(forced.results[0]).toMatchObject({ status: 'redriven', accepted: [], duplicates: [EVENT_ID] });
    expect(sink.eventsOn(TOPICS.events)).toHaveLength(1);
    expect(sink.sent.filter((o) => o.topic === TOPICS.dlq)).toEqual([]);
    expect(forced.totals).toEqual({ redriven: 1, failed: 0, refused: 0, skipped: 0 });
  });

  it('still unconfigured, fails with unknown-tenant and the failure is remembered, not written to the DLQ again', async () => {
    const { d, sink, memory } = deps({});
    const dead = letter();
    const report = await redriveLetters(d, [dead]);
    expect(report.results[0]).toMatchObject({ status: 'failed', code: 'unknown-tenant', reason: "Workday has no tenant 'late' configured yet" });
    expect(sink.sent).toEqual([]);
    expect((await memory.recall([dead])).get(dead.id)).toMatchObject({ status: 'failed', code: 'unknown-tenant' });
  });
});

describe('redrive > never skips verification', () => {
  it('a body changed since it was signed fails as signature-invalid; a timestamp outside the window of its arrival fails as out-of-window', async () => {
    const { d, sink } = deps(configured);
    const tampered = letter({ value: BODY.replace('Lovelace', 'Byron') });
    const late = letter({ at: SIGNED_SEC * 1000 + 3600_000 });
    const wrongKey = letter({ deliveryHeaders: { ...signWorkday({ secret: 'another-key-not-the-tenants-0001', body: BODY, timestampSec: SIGNED_SEC }) } });
    const report = await redriveLetters(d, [tampered, late, wrongKey]);
    expect(report.results.map((r) => (r.status === 'failed' ? r.code : r.status))).toEqual(['signature-invalid', 'timestamp-out-of-window', 'signature-invalid']);
    expect(report.results[1]).toMatchObject({ reason: expect.stringMatching(/checked against the arrival at/) });
    expect(sink.sent).toEqual([]);
  });

  it('a letter kept without its signature headers is refused', async () => {
    const { d } = deps(configured);
    const report = await redriveLetters(d, [letter({ deliveryHeaders: undefined })]);
    expect(report.results[0]).toMatchObject({ status: 'refused', reason: expect.stringMatching(/without the request headers/) });
  });
});

describe('redrive > other letters', () => {
  it('a payload the source still refuses fails with the new reason, and no new dead letter is written', async () => {
    const { d, sink } = deps(configured);
    const body = '{"Contract_Version":"1"}';
    const report = await redriveLetters(d, [letter({ code: 'invalid-payload', value: body, deliveryHeaders: { ...signWorkday({ secret: KEY, body, timestampSec: SIGNED_SEC }) } })]);
    expect(report.results[0]).toMatchObject({ status: 'failed', code: 'invalid-payload' });
    expect(sink.sent).toEqual([]);
  });

  it("a poll's and the dispatcher's letters are refused with what to do instead", async () => {
    const { d, sink } = deps(configured);
    const report = await redriveLetters(d, [
      letter({ route: '/pollers/workday/late', deliveryHeaders: undefined }),
      letter({ route: undefined, origin: 'jml.events.v1/2/40', deliveryHeaders: undefined }),
      letter({ route: '/webhooks/gone/acme' }),
    ]);
    expect(report.results.map((r) => [r.status, r.status === 'refused' ? r.reason : ''])).toEqual([
      ['refused', expect.stringMatching(/^a poll's observation, not a signed delivery.*workday\/late/)],
      ['refused', expect.stringMatching(/^the dispatcher dead-lettered .*jml\.events\.v1\/2\/40/)],
      ['refused', 'no source serves the route /webhooks/gone/acme any more'],
    ]);
    expect(report.totals).toEqual({ redriven: 0, failed: 0, refused: 3, skipped: 0 });
    expect(sink.sent).toEqual([]);
  });
});
