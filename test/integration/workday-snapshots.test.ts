import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gatewayCounters } from '../../services/metrics';
import { ingestPublisher } from '../../services/pollers/publish';
import { redisSnapshotStore } from '../../services/pollers/snapshot-store';
import type { PollPorts } from '../../sources/sdk/poll';
import { pollWorkday, type WorkdayCursor } from '../../sources/workday/poll';
import { createRaasClient, type RaasClient } from '../../sources/workday/raas';
import { memoryDedupe, memorySink } from '../fakes/pollers';
import { startFakeRaas, type FakeRaas } from '../../sources/workday/testing/fake-raas';

/**
 * The Workday poller keeps its baselines in the real Redis: however many changed polls run, the
 * store holds the snapshot the workflow's cursor names and the one before it, nothing older.
 */
const prefix = `jml:it-snapshots:${Date.now().toString(36)}`;
const log = pino({ level: 'silent' });
const row = (i: number) => ({ Worker_ID: `2${String(i).padStart(4, '0')}`, Worker_Type: 'Employee', Legal_First_Name: 'Ada', Legal_Last_Name: `Lovelace${i}`, Hire_Date: '2025-03-02', Active: '1' });

describe('workday poller > snapshots in Redis', () => {
  let redis: Redis;
  let fake: FakeRaas;
  let clock = Date.parse('2026-04-01T13:00:00Z');
  let client: RaasClient;
  let ports: PollPorts;
  // The poll reads the time zone and the report's prompts from the config; its client is made in beforeAll.
  const config = { secrets: ['s'], defaultTimeZone: 'America/Los_Angeles', raas: { reportUrl: 'http://127.0.0.1:1/raas', user: 'ISU_JML@acme', password: 'pw' } };
  const poll = (cursor: WorkdayCursor | undefined) => pollWorkday({ tenant: 'acme', config, client, ...(cursor ? { cursor } : {}), ports });

  beforeAll(async () => {
    redis = new Redis(inject('stack').redisUrl);
    fake = await startFakeRaas({ user: 'ISU_JML@acme', password: 'pw', entries: [row(0)] });
    const sink = memorySink();
    client = createRaasClient({ reportUrl: fake.url, user: 'ISU_JML@acme', password: 'pw', maxAttempts: 1, now: () => clock });
    ports = {
      publisher: ingestPublisher({ producer: sink, dedupe: memoryDedupe(), metrics: gatewayCounters(), log, now: () => clock }),
      snapshots: redisSnapshotStore(redis),
      keyPrefix: prefix,
      heartbeat: () => undefined,
      log,
      now: () => clock,
    };
  });
  afterAll(async () => {
    const keys = await snapshotKeys();
    if (keys.length > 0) await redis.del(...keys);
    await redis.del(`${prefix}:workday:acme:snapshots`);
    redis?.disconnect();
    await fake?.close();
  });

  async function snapshotKeys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:workday:acme:snapshot:*`, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return found.sort();
  }

  it('keeps only the current and the previous baseline after many changed polls', async () => {
    let cursor: WorkdayCursor | undefined;
    const cursors: WorkdayCursor[] = [];
    for (let i = 0; i < 6; i++) {
      fake.setEntries(Array.from({ length: i + 1 }, (_, j) => row(j)));
      clock += 15 * 60_000;
      const summary = await poll(cursor);
      cursor = summary.cursor;
      cursors.push(cursor);
      expect((await snapshotKeys()).length, `after poll ${i + 1}`).toBeLessThanOrEqual(2);
    }
    const [previous, current] = cursors.slice(-2) as [WorkdayCursor, WorkdayCursor];
    expect(await snapshotKeys()).toEqual([previous.snapshotKey, current.snapshotKey].sort());

    // An unchanged poll keeps the cursor; the baseline before it is no longer needed.
    clock += 15 * 60_000;
    const same = await poll(cursor);
    expect(same.cursor).toEqual(current);
    expect(await snapshotKeys()).toEqual([current.snapshotKey]);
  });
});
