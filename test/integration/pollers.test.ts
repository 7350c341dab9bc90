import { Redis } from 'ioredis';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { JmlEvent } from '../../schemas/jml-event.v1';
import { loadConfig } from '../../services/config';
import { bambooHrEventId } from '../../sources/bamboohr/event-id';
import { signBambooHr } from '../../sources/bamboohr/signature';
import { TOPICS } from '../../services/kafka/topics';
import { createLogger } from '../../services/log';
import { ensurePollers } from '../../services/pollers/start';
import { startPipeline, type Pipeline } from '../../services/runtime';
import { pollerStateQuery, pollerWorkflowId, pollNowUpdate, type PollError, type PollSummary } from '../../schemas/contracts';
import { startFakeBambooHr, type FakeBambooHr } from '../../sources/bamboohr/testing/fake-api';
import type { WorkdayCursor } from '../../sources/workday/poll';
import { startFakeRaas, type FakeRaas } from '../../sources/workday/testing/fake-raas';
import { captureHistory } from '../replay/capture';
import { eventually } from '../support/wait';
import { openHistoryPayloads } from '../../services/temporal/history';

const run = Date.now().toString(36);
const BAMBOO = `b-${run}`;
const WORKDAY = `w-${run}`;
const WEBHOOK_KEY = 'bamboohr-webhook-key-0001';
const API_KEY = 'bamboohr-api-key';

const ADA = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  preferredName: null,
  workEmail: 'ada.lovelace@acme.example',
  jobTitle: 'Software Engineer',
  department: 'Engineering',
  division: 'R&D',
  location: 'London',
  status: 'Active',
  employmentHistoryStatus: 'Full-Time',
  hireDate: '2025-02-02',
  originalHireDate: '2025-02-02',
  terminationDate: '0000-00-00',
  supervisorEId: '4001',
  employeeNumber: 'E-1041',
  payGroup: 'UK Monthly',
};
// Employee ids unique to this run: a reused broker keeps earlier runs' records.
const ID = { ada: `${run}1`, grace: `${run}2` };
const WD_ADA = { Worker_ID: `${run}21`, Worker_Type: 'Employee', Legal_First_Name: 'Emmy', Legal_Last_Name: 'Noether', Time_Zone: 'Europe/Berlin', Hire_Date: '2024-05-01', Active: '1' };
const WD_KATHERINE = { Worker_ID: `${run}22`, Worker_Type: 'Employee', Legal_First_Name: 'Katherine', Legal_Last_Name: 'Johnson', Hire_Date: '2026-09-01', Active: '1' };

describe('reconciliation pollers on the real stack', () => {
  const stack = inject('stack');
  const log = createLogger({ name: 'it-pollers', level: 'warn' });
  let pipeline: Pipeline;
  let bamboo: FakeBambooHr;
  let raas: FakeRaas;
  let redis: Redis;

  const env = () => ({
    ...process.env,
    JML_CANONICAL_SECRET: 'whsec_cG9sbGVycy10ZXN0LXNlY3JldC0wMDAwMQ==',
    TEMPORAL_TASK_QUEUE: `pollers-${run}`,
    LOG_LEVEL: 'warn',
    IT_BAMBOO_KEY: WEBHOOK_KEY,
    IT_BAMBOO_API_KEY: API_KEY,
    IT_RAAS_PW: 'raas-password',
    IT_WORKDAY_SECRET: 'workday-shared-secret-0001',
    JML_BAMBOOHR_TENANTS: JSON.stringify({
      [BAMBOO]: { webhookKey: { env: 'IT_BAMBOO_KEY' }, apiKey: { env: 'IT_BAMBOO_API_KEY' }, apiBaseUrl: bamboo.url, timeZone: 'Europe/London' },
    }),
    JML_WORKDAY_TENANTS: JSON.stringify({
      [WORKDAY]: { secret: { env: 'IT_WORKDAY_SECRET' }, defaultTimeZone: 'America/Los_Angeles', raas: { reportUrl: raas.url, user: 'ISU_JML@acme', password: { env: 'IT_RAAS_PW' } } },
    }),
    // Polls are triggered by the tests (pollNow); the timers would only fire after an hour.
    JML_BAMBOOHR_POLL_INTERVAL_SECONDS: '3600',
    JML_WORKDAY_POLL_INTERVAL_SECONDS: '3600',
  });

  const handleOf = (source: 'bamboohr' | 'workday') => pipeline.temporal.workflow.getHandle(pollerWorkflowId(source, source === 'bamboohr' ? BAMBOO : WORKDAY));
  async function pollNow(source: 'bamboohr' | 'workday'): Promise<PollSummary> {
    const outcome: PollSummary | PollError = await handleOf(source).executeUpdate(pollNowUpdate);
    if (!('cursor' in outcome)) throw new Error(`poll failed: ${outcome.type}: ${outcome.message}`);
    return outcome;
  }

  beforeAll(async () => {
    bamboo = await startFakeBambooHr({ apiKey: API_KEY, companyDomain: 'acme', employees: { [ID.ada]: ADA } });
    raas = await startFakeRaas({ user: 'ISU_JML@acme', password: 'raas-password', entries: [WD_ADA] });
    redis = new Redis(stack.redisUrl);
    pipeline = await startPipeline({
      config: loadConfig(env()),
      endpoints: stack,
      log,
      gatewayPort: 0,
      workflowBundle: { code: inject('workflowBundleCode') },
      parts: { dispatcher: false },
    });
    // Each poller's first poll takes its baseline.
    for (const source of ['bamboohr', 'workday'] as const) {
      await eventually(`${source} baseline`, async () => ((await handleOf(source).query(pollerStateQuery)).polls >= 1 ? true : undefined));
    }
  });

  afterAll(async () => {
    if (pipeline) {
      await captureHistory(pipeline.temporal, pollerWorkflowId('bamboohr', BAMBOO), 'poller.bamboohr');
      await captureHistory(pipeline.temporal, pollerWorkflowId('workday', WORKDAY), 'poller.workday');
      for (const source of ['bamboohr', 'workday'] as const) await handleOf(source).terminate('integration test done').catch(() => undefined);
      await pipeline.stop();
    }
    redis?.disconnect();
    await bamboo?.close();
    await raas?.close();
  });

  it('bamboohr > a change made in BambooHR without a webhook becomes the expected event on jml.events.v1', async () => {
    // Starts next year, whatever this machine's clock says: a pre-hire joiner.
    const hireDate = `${new Date().getUTCFullYear() + 1}-09-01`;
    bamboo.setEmployee(ID.grace, { ...ADA, firstName: 'Grace', lastName: 'Hopper', workEmail: 'grace@acme.example', hireDate });

    const summary = await pollNow('bamboohr');

    const records = await recordsOn(TOPICS.events, new Set([`bamboohr:${BAMBOO}:${ID.grace}`]));
    expect(records).toHaveLength(1);
    const event = JmlEvent.parse(JSON.parse(String(records[0]?.value)));
    expect(event).toMatchObject({ type: 'jml.joiner', subject: `bamboohr:${BAMBOO}:${ID.grace}`, source: `/hr/bamboohr/${BAMBOO}`, data: { effectiveAt: `${hireDate}T00:00:00+01:00`, person: { givenName: 'Grace', status: 'pre-hire', hireDate } } });
    // The id rule: the webhook path's, with BambooHR's lastChanged as the timestamp and no field named.
    expect(event.id).toBe(bambooHrEventId({ source: event.source, employeeId: ID.grace, type: 'jml.joiner', sourceTimestamp: event.time, changedFields: [], person: event.data.person }));
    expect(headersOf(records[0] as KafkaMessage)).toEqual({ 'jml-event-id': event.id, 'jml-event-type': 'jml.joiner', 'jml-schema-version': '1' });
    expect(summary).toMatchObject({ produced: 1, eventIds: [event.id] });
  });

  it('bamboohr > polling again produces nothing new', async () => {
    const summary = await pollNow('bamboohr');
    // The cursor is inclusive, so the last change is listed again and recognised as published.
    expect([summary.observed, summary.produced, summary.skipped]).toEqual([1, 0, 1]);
    expect(await recordsOn(TOPICS.events, new Set([`bamboohr:${BAMBOO}:${ID.grace}`]))).toHaveLength(1);
  });

  it('bamboohr > a change the webhook delivered is not published again under another id', async () => {
    bamboo.setEmployee(ID.ada, { jobTitle: 'Principal Engineer' });
    // BambooHR's webhook for it; its timestamp is not BambooHR's lastChanged, so ids alone would differ.
    const body = Buffer.from(JSON.stringify({ type: 'employee.updated', timestamp: '2026-03-01T09:00:05+0000', data: { companyId: '1', employeeId: ID.ada, changedFields: ['jobTitle'] } }));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`${pipeline.gatewayUrl}/webhooks/bamboohr/${BAMBOO}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bamboohr-timestamp': timestamp, 'x-bamboohr-signature': signBambooHr({ privateKey: WEBHOOK_KEY, body, timestamp }) },
      body,
    });
    expect(res.status).toBe(202);
    const { accepted } = (await res.json()) as { accepted: string[] };

    const summary = await pollNow('bamboohr');

    expect(summary).toMatchObject({ produced: 0, duplicates: 0 });
    expect(summary.skipped).toBeGreaterThanOrEqual(1);
    const records = await recordsOn(TOPICS.events, new Set([`bamboohr:${BAMBOO}:${ID.ada}`]));
    expect(records.map((r) => headersOf(r)['jml-event-id'])).toEqual(accepted);
  });

  it('bamboohr > a missed change after a delivered one is classified by what differs (mover)', async () => {
    bamboo.setEmployee(ID.ada, { department: 'Platform' });
    const summary = await pollNow('bamboohr');
    const records = await recordsOn(TOPICS.events, new Set([`bamboohr:${BAMBOO}:${ID.ada}`]));
    const last = JmlEvent.parse(JSON.parse(String(records.at(-1)?.value)));
    expect([records.length, summary.produced, summary.eventIds]).toEqual([2, 1, [last.id]]);
    expect(last).toMatchObject({ type: 'jml.mover', data: { changedFields: ['department'], person: { department: 'Platform', jobTitle: 'Principal Engineer' } } });
  });

  it('workday > a RaaS snapshot diff produces the expected joiner and leaver, once', async () => {
    const terminated = { ...WD_ADA, Active: '0', Termination_Date: '2026-06-30', Last_Day_of_Work: '2026-06-26', Primary_Termination_Reason: 'Voluntary > Resignation' };
    raas.setEntries([terminated, WD_KATHERINE]);

    const summary = await pollNow('workday');
    const again = await pollNow('workday');

    const records = await recordsOn(TOPICS.events, new Set([`workday:${WORKDAY}:${WD_ADA.Worker_ID}`, `workday:${WORKDAY}:${WD_KATHERINE.Worker_ID}`]));
    const events = records.map((r) => JmlEvent.parse(JSON.parse(String(r.value))));
    expect(events.map((e) => [e.type, e.subject, e.data.effectiveAt]).sort()).toEqual([
      ['jml.joiner', `workday:${WORKDAY}:${WD_KATHERINE.Worker_ID}`, '2026-09-01T00:00:00-07:00'],
      ['jml.leaver', `workday:${WORKDAY}:${WD_ADA.Worker_ID}`, '2026-06-27T00:00:00+02:00'],
    ]);
    expect(events.map((e) => e.id).sort()).toEqual([...summary.eventIds].sort());
    expect(events.every((e) => /^workday-raas-[0-9a-f]{32}$/.test(e.id))).toBe(true);
    expect([again.produced, again.cursor]).toEqual([0, summary.cursor]);

    // The snapshot is in Redis under the key the workflow holds; the history carries no row data.
    const cursor = summary.cursor as WorkdayCursor;
    expect(JSON.parse((await redis.get(cursor.snapshotKey)) ?? '{}').workers?.[WD_KATHERINE.Worker_ID]?.person?.familyName).toBe('Johnson');
    expect((await handleOf('workday').query(pollerStateQuery)).cursor).toEqual(cursor);
    // Opened with the pipeline's codec first: the check is about what the history says, not its encryption.
    const history = decodedHistory(await openHistoryPayloads(await handleOf('workday').fetchHistory(), pipeline.temporal.options.loadedDataConverter));
    expect(history).toContain(cursor.snapshotKey);
    expect(history).toContain('pollSource');
    expect(history).not.toContain('Johnson');
  });

  it('start > starting the pollers again signals the running ones: same run, cursor kept, new interval', async () => {
    const before = await handleOf('bamboohr').describe();
    const state = await handleOf('bamboohr').query(pollerStateQuery);
    await ensurePollers({ temporal: pipeline.temporal, taskQueue: `pollers-${run}`, specs: [{ source: 'bamboohr', tenant: BAMBOO, intervalMs: 7_200_000 }], log });
    const after = await eventually('the new interval', async () => {
      const s = await handleOf('bamboohr').query(pollerStateQuery);
      return s.intervalMs === 7_200_000 ? s : undefined;
    });
    expect((await handleOf('bamboohr').describe()).runId).toBe(before.runId);
    expect(after.cursor).toEqual(state.cursor);
  });

  /** Every record of `topic` with one of `keys`, read up to the topic's end as of now. */
  async function recordsOn(topic: string, keys: Set<string>): Promise<KafkaMessage[]> {
    const kafka = new Kafka({ clientId: 'it-pollers-reader', brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const remaining = new Map(offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => [o.partition, Number(o.high)]));
    const found: KafkaMessage[] = [];
    if (remaining.size === 0) return found;
    const consumer = kafka.consumer({ groupId: `it-pollers-${run}-${Math.random().toString(36).slice(2)}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`did not reach the end of ${topic}`)), 30_000);
        void consumer.run({
          eachMessage: async ({ partition, message }) => {
            if (keys.has(message.key?.toString() ?? '')) found.push(message);
            if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return found.sort((a, b) => Number(a.timestamp) - Number(b.timestamp));
  }
});

/** The history as JSON with every payload decoded (payload data is base64 in JSON). */
function decodedHistory(history: unknown): string {
  return JSON.stringify(history, (key, value: unknown) => (key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value));
}

function headersOf(message: KafkaMessage): Record<string, string> {
  return Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
}
