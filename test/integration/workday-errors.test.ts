import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { KafkaMessage, Producer } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildGateway } from '../../services/gateway/app';
import { redisDedupe } from '../../services/gateway/dedupe';
import { signWorkday } from '../../sources/workday/signature';
import { createKafka } from '../../services/kafka/client';
import { CoalescingProducer } from '../../services/kafka/coalescing-producer';
import { TOPICS } from '../../services/kafka/topics';
import { gatewayCounters } from '../../services/metrics';
import { consumeUntil } from '../support/kafka';
import { sourceRoute } from '../../services/gateway/source-route';
import { workdaySource } from '../../sources/workday';

/**
 * docs/workday-contract.md promises that a post the contract refuses is answered 400 with every
 * offending field listed: an integrator fixing a Studio mapping must see each field's path and its
 * problem in the answer, and the same list is the DLQ record's reason.
 */
const SECRET = 'workday-shared-secret-of-32-bytes';
const run = Date.now().toString(36);
const tenant = `errors-${run}`;
const DOC = readFileSync(new URL('../../docs/workday-contract.md', import.meta.url), 'utf8');
const HIRE = JSON.parse([...DOC.matchAll(/```json\n([\s\S]*?)```/g)][0]?.[1] as string) as { Worker: Record<string, unknown> } & Record<string, unknown>;

describe('workday route > a payload the contract refuses', () => {
  const stack = inject('stack');
  const log = pino({ level: 'silent' });
  let producer: Producer;
  let redis: Redis;

  beforeAll(async () => {
    producer = createKafka({ brokers: stack.kafkaBrokers, clientId: 'it-workday-errors', log }).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    redis = new Redis(stack.redisUrl);
  });
  afterAll(async () => {
    await producer?.disconnect();
    redis?.disconnect();
  });

  it('answers 400 listing the path and the problem of every offending field, and the DLQ reason lists the same', async () => {
    const { Legal_First_Name, ...worker } = HIRE.Worker;
    const body = Buffer.from(JSON.stringify({ ...HIRE, Effective_Date: '2026-02-30', Worker: { ...worker, Legal_Frist_Name: Legal_First_Name, Worker_Type: 'Intern' } }));
    const app = buildGateway({
      producer: new CoalescingProducer(producer),
      dedupe: redisDedupe(redis, { ttlSeconds: 600, keyPrefix: `it-${run}-wde` }),
      metrics: gatewayCounters(),
      isReady: () => true,
      log,
      canonicalKeys: [{ name: 'JML_CANONICAL_SECRET', secret: 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY' }],
      bodyLimitBytes: 1 << 20,
      routes: [sourceRoute(workdaySource, { tenants: { [tenant]: { secrets: [SECRET], defaultTimeZone: 'America/Los_Angeles' } } })],
    });
    const res = await app.inject({
      method: 'POST',
      url: `/webhooks/workday/${tenant}`,
      headers: { 'content-type': 'application/json', ...signWorkday({ secret: SECRET, body, timestampSec: Math.floor(Date.now() / 1000) }) },
      payload: body,
    });
    await app.close();

    expect([res.statusCode, res.json().error.code]).toEqual([400, 'invalid-payload']);
    const details = res.json().error.details as Array<{ path: string; message: string }>;
    expect(details).toEqual(
      expect.arrayContaining([
        { path: 'Effective_Date', message: expect.stringMatching(/date/i) },
        { path: 'Worker.Legal_First_Name', message: 'is required' },
        { path: 'Worker.Legal_Frist_Name', message: 'is not a field of this contract; did you mean Legal_First_Name?' },
        { path: 'Worker.Worker_Type', message: expect.stringContaining('"Employee"') },
      ]),
    );
    expect(details).toHaveLength(4);

    const dead = await consumeUntil<KafkaMessage>({
      brokers: stack.kafkaBrokers,
      topic: TOPICS.dlq,
      take: (m) => (String(m.headers?.['jml-route'] ?? '') === `/webhooks/workday/${tenant}` ? m : undefined),
    });
    const reason = String(dead.headers?.['jml-reject-reason']);
    for (const d of details) expect(reason).toContain(`${d.path}: ${d.message}`);
  });
});
