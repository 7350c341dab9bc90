import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../services/config';
import { openDlq, type Dlq } from '../../services/dlq';
import { readTopic } from '../../services/kafka/read-topic';
import { TOPICS } from '../../services/kafka/topics';
import { createLogger } from '../../services/log';
import { startParts, type RunningParts } from '../../services/runtime';
import { DEFAULT_CANONICAL_TOLERANCE_SEC } from '../../sources/canonical';
import { FUZZ_CLASSES, fuzzGateway, type FuzzLimits, type FuzzReport } from '../drills/fuzz';
import { eventually } from '../support/wait';

/**
 * The webhook fuzzer (test/drills/fuzz.ts) against a pipeline on the real stack: generated
 * deliveries of every class (valid, schema-invalid, malformed, wrong media type, oversized,
 * unsigned or mis-signed, stale, replayed, random) to the canonical route, with Kafka and Redis up.
 * Every answer is the specified one and none is a 5xx; the gateway stays healthy; every delivery the
 * spec records is in the DLQ with a reason; every accepted event is on the events topic once and no
 * other event of the fuzz is. One run with a fixed seed, one with a random seed (printed, to replay
 * a failure with `seed`).
 *
 * The gateway runs alone (as in dlq.test.ts), not the whole test pipeline: a dispatcher reads the
 * shared events topic from its end, so it would start person workflows, sealed with this run's codec
 * key, for the events other runs on the shared stack produce at the same time, and theirs for ours.
 * That each accepted event reaches an outcome is the drill lab's invariant, on its own stack.
 */
const run = Date.now().toString(36);
const FIXED_SEED = 1717;
const randomSeed = Math.floor(Math.random() * 2 ** 31);
const log = createLogger({ name: 'it-fuzz', level: 'warn' });
const say = (line: string) => process.stderr.write(`[fuzz] ${line}\n`);

describe('webhook fuzzer > the gateway on the real stack', () => {
  const stack = inject('stack');
  const since = Date.now() - 1_000;
  const env = {
    ...process.env,
    JML_CANONICAL_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: 'warn',
  };
  const config = loadConfig(env);
  const limits: FuzzLimits = { bodyLimitBytes: config.gateway.bodyLimitBytes, maxEventBytes: config.gateway.maxEventBytes, toleranceSec: DEFAULT_CANONICAL_TOLERANCE_SEC };
  const accepted: Array<{ eventId: string; subject: string }> = [];
  const reports: FuzzReport[] = [];
  let gateway: RunningParts;
  let dlq: Dlq;
  let kafka: Kafka;

  beforeAll(async () => {
    gateway = await startParts({ config, endpoints: stack, log, parts: { gateway: true, dispatcher: false, worker: false, pollers: false }, gatewayPort: 0 });
    dlq = await openDlq({ config, endpoints: stack, log });
    kafka = new Kafka({ clientId: `it-fuzz-${run}`, brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    await dlq?.close();
    await gateway?.stop();
  });

  const fuzz = async (seed: number, cases: number) => {
    const report = await fuzzGateway({
      url: gateway.gatewayUrl as string,
      secret: env.JML_CANONICAL_SECRET,
      cases,
      seed,
      limits,
      say,
      accepted: (eventId, _webhookId, subject) => accepted.push({ eventId, subject }),
    });
    reports.push(report);
    return report;
  };

  it(`fixed seed ${FIXED_SEED}: 300 cases, every class exercised, each answer the specified one, no 5xx`, async () => {
    const report = await fuzz(FIXED_SEED, 300);
    expect(report.violations).toEqual([]);
    expect(report.fiveXx).toBe(0);
    expect(report.cases).toBe(300);
    expect(FUZZ_CLASSES.filter((c) => (report.byClass[c]?.sent ?? 0) === 0)).toEqual([]);
    expect(report.acceptedEvents).toBeGreaterThan(0);
    expect(report.deadLetters).toBeGreaterThan(0);
  });

  it(`random seed ${randomSeed}: 150 cases, each answer the specified one, no 5xx`, async () => {
    say(`random seed ${randomSeed} (replay a failure with this seed)`);
    const report = await fuzz(randomSeed, 150);
    expect(report.violations).toEqual([]);
    expect(report.fiveXx).toBe(0);
  });

  it('every delivery the spec records is in the DLQ once, with its code and a reason', async () => {
    const ours = (key: string | undefined) => reports.some((r) => key?.startsWith(`${r.webhookIdPrefix}-`));
    const expected = reports.reduce((n, r) => n + r.deadLetters, 0);
    const letters = await eventually('the dead letters of the fuzz', async () => {
      const list = await dlq.list({ sinceMs: since, route: '/v1/events' });
      const mine = list.letters.filter((l) => ours(l.key));
      return mine.length >= expected ? mine : undefined;
    });
    expect(letters).toHaveLength(expected);
    expect(letters.filter((l) => !['invalid-json', 'invalid-event', 'event-too-large'].includes(l.code)).map((l) => l.code)).toEqual([]);
    expect(letters.filter((l) => l.reason.trim().length === 0).map((l) => l.id)).toEqual([]);
    expect(letters.every((l) => l.kind === 'delivery' && l.deliveryHeaderNames.includes('webhook-signature'))).toBe(true);
  });

  it('every accepted event is on the events topic once, and no other event of the fuzz is', async () => {
    expect(accepted.length).toBe(reports.reduce((n, r) => n + r.acceptedEvents, 0));
    const ours = (key: string) => reports.some((r) => key.startsWith(r.subjectPrefix));
    const records = (await readTopic({ kafka, topic: TOPICS.events, sinceMs: since })).filter((r) => ours(r.key?.toString('utf8') ?? ''));
    const produced = records.map((r) => `${r.key?.toString('utf8')}/${String(r.headers['jml-event-id'])}`);
    say(`${produced.length} events of the fuzz on ${TOPICS.events}, ${accepted.length} accepted`);
    expect(produced.sort()).toEqual(accepted.map((a) => `${a.subject}/${a.eventId}`).sort());
  });
});
