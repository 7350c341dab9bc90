import { Client, Connection } from '@temporalio/client';
import { Kafka, logLevel, type KafkaMessage, type Producer } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDispatcher, type Dispatcher } from '../../services/dispatcher/dispatcher';
import { CoalescingProducer } from '../../services/kafka/coalescing-producer';
import { readDeadLetterHeaders } from '../../services/kafka/dead-letter';
import { TOPICS } from '../../services/kafka/topics';
import { personWorkflowId } from '../../schemas/contracts';
import { loadConfig } from '../../services/config';
import { temporalDataConverter } from '../../services/temporal/data-converter';
import { openHistoryPayloads } from '../../services/temporal/history';
import { consumeUntil } from '../support/kafka';
import { makeEvent } from '../support/events';
import { eventually } from '../support/wait';

/**
 * Rolling upgrades (docs/decisions/0003-event-evolution.md): this build's dispatcher is the "old
 * reader" of an event a newer producer wrote. A higher minor version with fields this build does
 * not know is dispatched with those fields intact; a higher major version is dead-lettered with a
 * reason. Runs on its own topic and task queue (no worker: the person workflow only has to exist).
 */
const run = Date.now().toString(36);
const topic = `jml.it-evolution.${run}`;
const taskQueue = `it-evolution-${run}`;
const log = pino({ level: 'silent' });

describe('event evolution > an old reader and a newer event', () => {
  let kafka: Kafka;
  let raw: Producer;
  let connection: Connection;
  let temporal: Client;
  let dispatcher: Dispatcher;
  const started: string[] = [];

  beforeAll(async () => {
    const stack = inject('stack');
    kafka = new Kafka({ clientId: 'it-evolution', brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    raw = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await raw.connect();
    connection = await Connection.connect({ address: stack.temporalAddress });
    // The dispatcher's client as production runs it: with the payload codec.
    temporal = new Client({ connection, dataConverter: temporalDataConverter(loadConfig().codec) });
    dispatcher = createDispatcher({ kafka, temporal, producer: new CoalescingProducer(raw), taskQueue, groupId: `it-evolution-${run}`, topic, log, partitionsConcurrently: 1 });
    await dispatcher.start();
  }, 60_000);

  afterAll(async () => {
    await dispatcher?.stop();
    for (const id of started) await temporal.workflow.getHandle(id).terminate('test done').catch(() => undefined);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await raw?.disconnect();
    await connection?.close();
  });

  async function produce(value: unknown, headers: Record<string, string>, key: string): Promise<void> {
    await raw.send({ topic, acks: -1, messages: [{ key, value: JSON.stringify(value), headers }] });
  }

  it('a higher minor version with unknown fields at the envelope, in data and in person is dispatched, unknown fields preserved', async () => {
    const personKey = `test:evo-minor-${run}`;
    const base = makeEvent({ personKey, type: 'jml.joiner' });
    const newer = {
      ...base,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      data: { ...base.data, approvals: [{ by: 'hr-42' }], person: { ...base.data.person, pronouns: 'she/her' }, previous: { department: 'Research', badge: 'B-1' } },
    };
    await produce(newer, { 'jml-event-id': base.id, 'jml-event-type': base.type, 'jml-schema-version': '1.7' }, personKey);

    const workflowId = personWorkflowId(personKey);
    started.push(workflowId);
    const signalled = await eventually('the person workflow to be signalled', async () => {
      const history = await openHistoryPayloads(await temporal.workflow.getHandle(workflowId).fetchHistory(), temporal.options.loadedDataConverter);
      const payload = (history.events ?? []).flatMap((e) => e.workflowExecutionSignaledEventAttributes?.input?.payloads ?? [])[0];
      return payload?.data ? (JSON.parse(Buffer.from(payload.data).toString('utf8')) as Record<string, unknown>) : undefined;
    }, 20_000);
    expect(signalled).toEqual(newer);
  });

  it('a higher major version goes to the DLQ with a reason naming the version', async () => {
    const personKey = `test:evo-major-${run}`;
    const base = makeEvent({ personKey, type: 'jml.joiner' });
    await produce(base, { 'jml-event-id': base.id, 'jml-event-type': base.type, 'jml-schema-version': '2.0' }, personKey);
    const dead = await consumeUntil<KafkaMessage>({
      brokers: inject('stack').kafkaBrokers,
      topic: TOPICS.dlq,
      take: (m) => (String(m.headers?.['jml-origin'] ?? '').startsWith(`${topic}/`) && m.key?.toString() === personKey ? m : undefined),
    });
    // The dispatcher writes the one dead-letter header schema (services/kafka/dead-letter.ts).
    const headers = readDeadLetterHeaders(dead.headers);
    expect(headers['jml-reject-code']).toBe('unsupported-schema-version');
    expect(headers['jml-reject-reason']).toMatch(/2\.0.*major version 1/);
    expect(headers['jml-origin']).toMatch(new RegExp(`^${topic.replace(/\./g, '\\.')}/\\d+/\\d+$`));
    await expect(temporal.workflow.getHandle(personWorkflowId(personKey)).describe()).rejects.toThrow();
  });
});
