import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../services/config';
import { openDlq, type Dlq } from '../../services/dlq';
import { readTopic } from '../../services/kafka/read-topic';
import { redisLetterCap } from '../../services/gateway/unknown-tenant';
import { TOPICS } from '../../services/kafka/topics';
import { createLogger } from '../../services/log';
import { startParts, type RunningParts } from '../../services/runtime';
import type { WorkdayEvent } from '../../sources/workday/contract';
import { normalizeWorkday } from '../../sources/workday/normalize';
import { signWorkday } from '../../sources/workday/signature';
import { eventually } from '../support/wait';

/**
 * Dead letters on the real stack (docs/operations-kafka.md, "Dead letters"): a signed Workday post
 * for a tenant that is not configured is answered 401 and lands in the DLQ with its signature
 * headers; once the tenant is configured, a re-drive verifies it and produces its event exactly
 * once, and a second re-drive produces nothing. A known tenant's bad payload is listed with its
 * reason. Tenants are unique per run; the shared DLQ topic is read from this run's start on.
 */
const run = Date.now().toString(36);
const KNOWN = `dlq-known-${run}`;
const LATE = `dlq-late-${run}`;
const keys = { known: randomBytes(32).toString('base64url'), late: randomBytes(32).toString('base64url') };
const log = createLogger({ name: 'it-dlq', level: 'warn' });

const hire: WorkdayEvent = {
  Contract_Version: '1',
  Business_Process_Type: 'Hire Employee',
  Event_WID: randomBytes(16).toString('hex'),
  Effective_Date: '2026-12-07',
  Entry_Moment: '2026-12-01T09:00:00Z',
  Worker: { Worker_ID: '4101', Worker_Type: 'Employee', Legal_First_Name: 'Ada', Legal_Last_Name: 'Lovelace', Time_Zone: 'UTC', Hire_Date: '2026-12-07' },
};
const normalized = normalizeWorkday({ tenant: LATE, event: hire, defaultTimeZone: 'UTC' });
const EVENT_ID = normalized.ok ? normalized.event.id : 'unreachable';

const tenantsEnv = (names: string[]) =>
  JSON.stringify(Object.fromEntries(names.map((name) => [name, { secret: { env: name === KNOWN ? 'IT_DLQ_KEY_KNOWN' : 'IT_DLQ_KEY_LATE' }, defaultTimeZone: 'UTC' }])));

describe('dead letters > re-drive through verification, on the real stack', () => {
  const stack = inject('stack');
  const since = Date.now() - 1_000;
  const env = {
    ...process.env,
    JML_CANONICAL_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
    IT_DLQ_KEY_KNOWN: keys.known,
    IT_DLQ_KEY_LATE: keys.late,
    LOG_LEVEL: 'warn',
  };
  /** The configuration before the tenant is added, and after. */
  const before = loadConfig({ ...env, JML_WORKDAY_TENANTS: tenantsEnv([KNOWN]) });
  const after = loadConfig({ ...env, JML_WORKDAY_TENANTS: tenantsEnv([KNOWN, LATE]) });
  let gateway: RunningParts;
  let dlqBefore: Dlq;
  let dlqAfter: Dlq;
  let kafka: Kafka;

  beforeAll(async () => {
    gateway = await startParts({ config: before, endpoints: stack, log, parts: { gateway: true, dispatcher: false, worker: false, pollers: false }, gatewayPort: 0 });
    [dlqBefore, dlqAfter] = await Promise.all([openDlq({ config: before, endpoints: stack, log }), openDlq({ config: after, endpoints: stack, log })]);
    kafka = new Kafka({ clientId: 'it-dlq', brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([dlqBefore?.close(), dlqAfter?.close()]);
  });

  const post = (tenant: string, body: string, key: string) =>
    fetch(`${gateway.gatewayUrl}/webhooks/workday/${tenant}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWorkday({ secret: key, body, timestampSec: Math.floor(Date.now() / 1000) }) },
      body,
    });
  /** How many records of this run on the events topic carry the event's id. */
  const producedCopies = async () => (await readTopic({ kafka, topic: TOPICS.events, sinceMs: since })).filter((r) => String(r.headers['jml-event-id']) === EVENT_ID).length;
  const lateRoute = `/webhooks/workday/${LATE}`;

  it('a signed delivery for an unknown tenant is answered 401 and lands in the DLQ with its signature headers', async () => {
    const body = JSON.stringify(hire);
    const res = await post(LATE, body, keys.late);
    expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([401, 'signature-invalid']);

    const listed = await eventually('the dead letter', async () => {
      const list = await dlqBefore.list({ sinceMs: since, route: lateRoute });
      return list.letters.length > 0 ? list : undefined;
    });
    expect(listed.letters).toHaveLength(1);
    const [line] = listed.letters;
    expect(line).toMatchObject({ kind: 'delivery', code: 'unknown-tenant', route: lateRoute, contentType: 'application/json', bodyBytes: Buffer.byteLength(body) });
    expect([...(line?.deliveryHeaderNames ?? [])].sort()).toEqual(['x-jml-signature', 'x-jml-timestamp']);
    expect(listed.summary.counts).toEqual([expect.objectContaining({ code: 'unknown-tenant', route: lateRoute, count: 1 })]);

    const shown = await dlqBefore.show(line?.id ?? '');
    expect(shown?.body?.toString('utf8')).toBe(body);
    expect(shown?.deliveryHeaders['x-jml-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('re-driven before the tenant is configured, it fails again and stays listed with the new reason', async () => {
    const report = await dlqBefore.redrive({ sinceMs: since, route: lateRoute });
    expect(report.results).toEqual([expect.objectContaining({ status: 'failed', code: 'unknown-tenant', reason: expect.stringMatching(new RegExp(`no tenant '${LATE}' configured yet`)) })]);
    const list = await dlqBefore.list({ sinceMs: since, route: lateRoute });
    expect(list.letters.map((l) => [l.code, l.lastRedrive?.status])).toEqual([['unknown-tenant', 'failed']]);
    // The failure was not written back to the DLQ.
    expect(list.summary.total).toBe(1);
  });

  it('once the tenant is configured, a re-drive produces its event exactly once; a second re-drive produces nothing', async () => {
    const first = await dlqAfter.redrive({ sinceMs: since, route: lateRoute });
    expect(first.totals).toEqual({ redriven: 1, failed: 0, refused: 0, skipped: 0 });
    expect(first.accepted).toEqual([EVENT_ID]);
    expect(await producedCopies()).toBe(1);
    const [event] = (await readTopic({ kafka, topic: TOPICS.events, sinceMs: since })).filter((r) => String(r.headers['jml-event-id']) === EVENT_ID);
    expect(JSON.parse(String(event?.value))).toMatchObject({ id: EVENT_ID, subject: `workday:${LATE}:4101`, type: 'jml.joiner' });

    const second = await dlqAfter.redrive({ sinceMs: since, route: lateRoute });
    expect(second.totals).toEqual({ redriven: 0, failed: 0, refused: 0, skipped: 1 });
    // Even when told to take letters re-driven before, edge dedupe keeps the event from a second copy.
    const forced = await dlqAfter.redrive({ sinceMs: since, route: lateRoute, includeRedriven: true });
    expect(forced.results).toEqual([expect.objectContaining({ status: 'redriven', accepted: [], duplicates: [EVENT_ID] })]);
    expect(await producedCopies()).toBe(1);
    const list = await dlqAfter.list({ sinceMs: since, route: lateRoute });
    expect(list.summary).toMatchObject({ total: 1, waiting: 0 });
  });

  it("a known tenant's bad payload (400) is listed with its reason and kept headers", async () => {
    const res = await post(KNOWN, '{"Contract_Version":"1"}', keys.known);
    expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([400, 'invalid-payload']);
    const list = await dlqAfter.list({ sinceMs: since, route: `/webhooks/workday/${KNOWN}` });
    expect(list.letters).toEqual([expect.objectContaining({ code: 'invalid-payload', reason: expect.stringMatching(/\S/), deliveryHeaderNames: expect.arrayContaining(['x-jml-signature']) })]);
    const all = await dlqAfter.list({ sinceMs: since, route: '/webhooks/workday/dlq-*' });
    expect(all.summary.byCode).toMatchObject({ 'unknown-tenant': 1, 'invalid-payload': 1 });
  });

  it('the Redis cap counts per route and minute, then bytes over all routes', async () => {
    const redis = new Redis(stack.redisUrl);
    try {
      // One fixed minute: the counts must not roll over in the middle of the test.
      const at = Date.now();
      const cap = redisLetterCap(redis, { perRoutePerMinute: 2, bytesPerMinute: 100, keyPrefix: `it-dlq-cap-${run}`, now: () => at });
      const verdicts = [];
      for (const [route, bytes] of [['/webhooks/workday/a', 10], ['/webhooks/workday/a', 10], ['/webhooks/workday/a', 10], ['/webhooks/workday/b', 70], ['/webhooks/workday/c', 20]] as const) {
        verdicts.push(await cap.admit({ route, bytes }));
      }
      expect(verdicts).toEqual(['admitted', 'admitted', 'route-capped', 'admitted', 'total-capped']);
      const ttls = await Promise.all((await redis.keys(`it-dlq-cap-${run}:*`)).map((k) => redis.ttl(k)));
      expect(ttls.length).toBeGreaterThan(0);
      for (const ttl of ttls) expect(ttl).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });
});
