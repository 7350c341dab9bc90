import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PollCursor } from '../../schemas/contracts';
import { memoryPollPorts } from '../../test/fakes/pollers';
import { digestOf, pollWorkday, type WorkdayCursor } from './poll';
import { createRaasClient } from './raas';
import { diffSnapshots } from './raas-diff';
import { snapshotFromReport } from './raas-report';
import { startFakeRaas, type FakeRaas } from './testing/fake-raas';

type Row = Record<string, unknown>;
const ADA: Row = { Worker_ID: '21001', Worker_Type: 'Employee', Legal_First_Name: 'Ada', Legal_Last_Name: 'Lovelace', Time_Zone: 'Europe/London', Hire_Date: '2025-03-02', Active: '1' };
const GRACE: Row = { Worker_ID: '21017', Worker_Type: 'Employee', Legal_First_Name: 'Grace', Legal_Last_Name: 'Hopper', Hire_Date: '2026-05-04', Active: '1' };
const T0 = Date.parse('2026-04-01T13:00:00Z');

describe('Workday RaaS reconciliation poll', () => {
  let fake: FakeRaas;
  let clock: number;
  beforeEach(async () => {
    fake = await startFakeRaas({ user: 'ISU_JML@acme', password: 'pw', entries: [ADA] });
    clock = T0;
  });
  afterEach(() => fake.close());

  /** A poller of tenant acme publishing through the gateway's ingest into an in-memory Kafka, with snapshots in memory. */
  function setup() {
    const { ports, sink, dedupe, snapshots, events } = memoryPollPorts({ now: () => clock, keyPrefix: 'test' });
    const client = createRaasClient({ reportUrl: fake.url, user: 'ISU_JML@acme', password: 'pw', maxAttempts: 1, now: () => clock });
    const config = { secrets: ['s'], defaultTimeZone: 'America/Los_Angeles', raas: { reportUrl: fake.url, user: 'ISU_JML@acme', password: 'pw' } };
    /** One poll from `cursor` (none: the first poll). */
    const poll = (cursor: WorkdayCursor | PollCursor | undefined) => pollWorkday({ tenant: 'acme', config, client, ...(cursor !== undefined ? { cursor } : {}), ports });
    return { sink, dedupe, snapshots, poll, events };
  }

  it('first poll > the report becomes the baseline in the store; the cursor holds its key, not its rows', async () => {
    const { poll, snapshots, sink } = setup();
    const summary = await poll(undefined);
    expect(sink.sent).toEqual([]);
    expect(summary.notes).toEqual(['baseline taken']);
    expect(summary.position).toBe('baseline `2026-04-01T13:00:00Z` (1 workers)');
    expect(summary.cursor).toMatchObject({ kind: 'workday', asOf: '2026-04-01T13:00:00Z', workers: 1, snapshotKey: expect.stringMatching(/^test:workday:acme:snapshot:1775048400000-[0-9a-f]{16}$/) });
    expect(JSON.stringify(summary)).not.toContain('Lovelace');
    expect(snapshots.snapshots.get(summary.cursor.snapshotKey)?.workers['21001']?.person.familyName).toBe('Lovelace');
    expect(fake.requests.map((r) => [r.user, r.query.format])).toEqual([['ISU_JML@acme', 'json']]);
  });

  it('diff > a new worker and a termination become a joiner and a leaver with the diff ids', async () => {
    const { poll, events } = setup();
    const first = await poll(undefined);
    const terminated = { ...ADA, Active: '0', Termination_Date: '2026-04-03', Last_Day_of_Work: '2026-04-02', Primary_Termination_Reason: 'Voluntary > Resignation' };
    fake.setEntries([terminated, GRACE]);
    clock = T0 + 15 * 60_000;

    const second = await poll(first.cursor);

    const expected = diffSnapshots({ tenant: 'acme', previous: snap(T0, [ADA]), current: snap(clock, [terminated, GRACE]), defaultTimeZone: 'America/Los_Angeles' }).events;
    expect(events()).toEqual(expected);
    expect(events().map((e) => [e.type, e.subject, e.data.effectiveAt])).toEqual([
      ['jml.leaver', 'workday:acme:21001', '2026-04-03T00:00:00+01:00'],
      ['jml.joiner', 'workday:acme:21017', '2026-05-04T00:00:00-07:00'],
    ]);
    expect(second).toMatchObject({ observed: 2, produced: 2, duplicates: 0, eventIds: expected.map((e) => e.id), cursor: { asOf: '2026-04-01T13:15:00Z', workers: 2 } });
  });

  it('unchanged report > nothing published, nothing written, the baseline kept', async () => {
    const { poll, snapshots, sink } = setup();
    const first = await poll(undefined);
    clock += 60_000;
    const second = await poll(first.cursor);
    expect(second.cursor).toEqual(first.cursor);
    expect(snapshots.writes).toEqual([first.cursor.snapshotKey]);
    expect(sink.sent).toEqual([]);
  });

  it('unchanged report > an expired baseline is restored from the report with the baseline time', async () => {
    const { poll, snapshots } = setup();
    const first = await poll(undefined);
    snapshots.snapshots.clear();
    clock += 60_000;
    await poll(first.cursor);
    expect(snapshots.snapshots.get(first.cursor.snapshotKey)?.asOf).toBe('2026-04-01T13:00:00Z');
  });

  it('changed report > keeps the cursor\'s baseline and the new one, deletes older ones; a failed delete does not fail the poll', async () => {
    const { poll, snapshots, events } = setup();
    const first = await poll(undefined);
    fake.setEntries([ADA, GRACE]);
    clock += 60_000;
    const second = await poll(first.cursor);
    expect([...snapshots.snapshots.keys()].sort()).toEqual([first.cursor.snapshotKey, second.cursor.snapshotKey].sort());
    fake.setEntries([GRACE]);
    clock += 60_000;
    snapshots.prune = async () => {
      throw new Error('scripted prune failure');
    };
    const third = await poll(second.cursor);
    expect(third.cursor.snapshotKey).not.toBe(second.cursor.snapshotKey);
    expect(events().map((e) => e.type)).toEqual(['jml.joiner', 'jml.leaver']);
  });

  it('retry after a crash > the same baseline diffed again gives the same ids, dropped at the edge', async () => {
    const { poll, events } = setup();
    const first = await poll(undefined);
    fake.setEntries([ADA, GRACE]);
    clock += 60_000;
    const published = await poll(first.cursor);
    // The workflow never saw that result (worker lost): the retry runs the report again, later.
    clock += 60_000;
    const retried = await poll(first.cursor);
    expect(events()).toHaveLength(1);
    expect([retried.produced, retried.duplicates]).toEqual([0, 1]);
    expect(published.eventIds).toEqual([events()[0]?.id]);
  });

  it('baseline lost > the report becomes the new baseline, nothing is published, and the summary says so', async () => {
    const { poll, sink } = setup();
    const lost: WorkdayCursor = { kind: 'workday', asOf: '2026-03-01T00:00:00Z', contentDigest: 'x'.repeat(32), snapshotKey: 'test:gone', workers: 7 };
    const summary = await poll(lost);
    expect(sink.sent).toEqual([]);
    expect(summary.notes).toEqual(['baseline lost: this report is the new baseline; changes since the old one are not reconciled']);
    expect(summary.cursor.snapshotKey).not.toBe('test:gone');
  });

  it('failures > a report that cannot be keyed fails the poll as report-invalid; Kafka down fails it retryably', async () => {
    const { poll, sink } = setup();
    fake.setEntries([{ Legal_First_Name: 'No', Legal_Last_Name: 'Id' }]);
    await expect(poll(undefined)).rejects.toMatchObject({ name: 'PollerError', code: 'report-invalid', retryable: false });

    fake.setEntries([ADA]);
    const first = await poll(undefined);
    fake.setEntries([ADA, GRACE]);
    sink.failNext();
    await expect(poll(first.cursor)).rejects.toMatchObject({ name: 'PollerError', code: 'kafka-unavailable', retryable: true });
  });
});

function snap(atMs: number, entries: Row[]) {
  const r = snapshotFromReport({ asOf: new Date(atMs).toISOString(), entries });
  if (!r.ok) throw new Error(r.reason);
  return r.snapshot;
}

describe('digestOf', () => {
  // Computed before canonicalJson moved to schemas/canonical-json.ts: a stored baseline's digest
  // must keep its value, or every poll after an upgrade would look like a changed report.
  it('keeps its value for a stored snapshot', () => {
    const snapshot = { asOf: '2026-04-01T13:00:00Z', workers: { '21001': { workerId: '21001', fields: { location: 'London', department: undefined } } }, unreadable: ['x'] };
    expect(digestOf(snapshot as unknown as Parameters<typeof digestOf>[0])).toBe('a01e0c3e84ac59a64bfc69cffd024b69');
  });
});
