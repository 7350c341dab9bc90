import { ConfigResourceTypes, type Admin, type Producer } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../services/config';
import { createKafka } from '../../services/kafka/client';
import { CoalescingProducer } from '../../services/kafka/coalescing-producer';
import { ensureTopics, TopicSetupError, type TopicRole, type TopicSettings } from '../../services/kafka/topics';
import { createLogger } from '../../services/log';
import { startPipeline } from '../../services/runtime';
import { consumeUntil } from '../support/kafka';

const run = Date.now().toString(36);
const HOUR = 3_600_000;
const log = pino({ level: 'silent' });

/** This run's own topic names, so that creating them is observable on the shared broker. */
const names = (tag: string): Record<TopicRole, string> => ({
  raw: `it-${run}-${tag}.raw`,
  events: `it-${run}-${tag}.events`,
  priority: `it-${run}-${tag}.priority`,
  dlq: `it-${run}-${tag}.dlq`,
  audit: `it-${run}-${tag}.audit`,
  security: `it-${run}-${tag}.security`,
  reconcile: `it-${run}-${tag}.reconcile`,
});
const settings = (over: Partial<TopicSettings> = {}): TopicSettings => ({
  partitions: 2,
  replicationFactor: 1,
  minInsyncReplicas: 1,
  retentionMs: { raw: 24 * HOUR, events: 48 * HOUR, priority: 12 * HOUR, dlq: 72 * HOUR, audit: 96 * HOUR, reconcile: 120 * HOUR, security: 24 * HOUR },
  ...over,
});

describe('Kafka topics on the real broker', () => {
  const stack = inject('stack');
  const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: `it-topics-${run}`, log });
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2_000 } });
    await producer.connect();
  });

  afterAll(async () => {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`it-${run}-`));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await producer?.disconnect();
    await admin?.disconnect();
  });

  const topicConfig = async (topic: string) => {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'min.insync.replicas', 'max.message.bytes'] }],
    });
    return Object.fromEntries((described.resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]));
  };

  it('creates > every topic with its own retention and min.insync.replicas, and reports what the broker accepts per record batch', async () => {
    const topics = names('create');
    const report = await ensureTopics(admin, settings(), topics);
    expect(report.created.sort()).toEqual(Object.values(topics).sort());
    expect(report.mismatches).toEqual([]);
    const wanted = settings().retentionMs;
    for (const role of Object.keys(topics) as TopicRole[]) {
      expect(await topicConfig(topics[role])).toMatchObject({ 'retention.ms': String(wanted[role]), 'min.insync.replicas': '1' });
      expect(report.maxMessageBytes[role]).toBeGreaterThan(100_000);
    }
  });

  it('existing topics > a different setting is reported with the variable to look at, and the topic is not altered', async () => {
    const topics = names('differ');
    await ensureTopics(admin, settings(), topics);
    const report = await ensureTopics(admin, settings({ retentionMs: { ...settings().retentionMs, raw: 6 * HOUR } }), topics);
    expect(report.created).toEqual([]);
    expect(report.mismatches).toEqual([`${topics.raw}: retention.ms is ${24 * HOUR}, KAFKA_RETENTION_HOURS_RAW says ${6 * HOUR}`]);
    expect((await topicConfig(topics.raw))['retention.ms']).toBe(String(24 * HOUR));
  });

  it('replication > more copies than the cluster has brokers fails with one line naming KAFKA_REPLICATION_FACTOR, creating nothing', async () => {
    const topics = names('rf');
    const error = await ensureTopics(admin, settings({ replicationFactor: 3, minInsyncReplicas: 2 }), topics).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TopicSetupError);
    expect((error as Error).message).toMatch(/^KAFKA_REPLICATION_FACTOR is 3 but the Kafka cluster has 1 broker\(s\)/);
    expect((error as Error).message).not.toContain('\n');
    const existing = await admin.listTopics();
    expect(Object.values(topics).filter((t) => existing.includes(t))).toEqual([]);
  });

  it('boot > the services refuse production replication on a one-broker cluster and a body limit the broker would refuse, each in one line', async () => {
    const endpoints = { kafkaBrokers: stack.kafkaBrokers, temporalAddress: stack.temporalAddress, redisUrl: stack.redisUrl };
    const boot = (env: Record<string, string>) =>
      startPipeline({
        config: loadConfig({ ...process.env, JML_CANONICAL_SECRET: 'whsec_dG9waWNzLXRlc3Qtc2VjcmV0LTI0Ynl0ZXM=', ...env }),
        endpoints,
        log: createLogger({ name: 'it-topics', level: 'silent' }),
        parts: { gateway: true, dispatcher: false, worker: false, pollers: false },
        gatewayPort: 0,
      }).then(
        async (p) => {
          await p.stop();
          return undefined;
        },
        (err: unknown) => (err as Error).message,
      );
    expect(await boot({ KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' })).toMatch(/^KAFKA_REPLICATION_FACTOR is 3 but the Kafka cluster has 1 broker\(s\)[^\n]*$/);
    expect(await boot({ GATEWAY_BODY_LIMIT_BYTES: String(2 * 1024 * 1024) })).toMatch(/^GATEWAY_BODY_LIMIT_BYTES is 2097152 but [^\n]*set it to at most \d+$/);
  });

  it('isolates > on a real broker, a record over the topic\'s max.message.bytes fails only its own call; the calls batched with it are written', async () => {
    const topic = `it-${run}-small-records`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: '20000' }] }] });
    // No size check before batching (the broker's limit is not told): the broker itself refuses.
    // Replacing the producer as the services do is what lets the resent calls through.
    const connectProducer = async () => {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await p.connect();
      return p;
    };
    const coalescing = new CoalescingProducer(await connectProducer(), { deadlineMs: 20_000, newProducer: connectProducer });
    const small = (key: string) => [{ topic, message: { key, value: `small ${key}` } }];
    const calls = [
      coalescing.send(small('a')),
      coalescing.send([{ topic, message: { key: 'big', value: 'x'.repeat(50_000) } }]),
      coalescing.send(small('b')),
      coalescing.send(small('c')),
    ];
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    // The producer goes on: a later call is written too.
    await coalescing.send(small('d'));
    const wanted = new Set(['a', 'b', 'c', 'd']);
    await coalescing.disconnect();
    const seen = await consumeUntil({
      brokers: stack.kafkaBrokers,
      topic,
      take: (m) => {
        wanted.delete(String(m.key));
        return wanted.size === 0 ? true : undefined;
      },
    });
    expect(seen).toBe(true);

    // Told the limit, the producer refuses the large call before it reaches the broker.
    const checked = new CoalescingProducer(producer, { maxRecordBatchBytes: 20_000 });
    await expect(checked.send([{ topic, message: { key: 'big', value: 'x'.repeat(50_000) } }])).rejects.toMatchObject({ code: 'record-too-large' });
  });
});
