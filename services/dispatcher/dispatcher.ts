import type { Client } from '@temporalio/client';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { employeeIdOf, JmlEvent, sourceOf } from '../../schemas/jml-event.v1';
import { jmlEventSignal, personWorkflowId, type PersonWorkflowInput } from '../../workflows/contracts';
import { EmployeeId, HrSource, PersonKey } from '../../workflows/search-attributes';
import type { CoalescingProducer } from '../kafka/coalescing-producer';
import { TOPICS } from '../kafka/topics';

export interface DispatcherDeps {
  kafka: Kafka;
  temporal: Client;
  /** For dead-lettering records that are not valid events (should never happen behind the gateway). */
  producer: CoalescingProducer;
  taskQueue: string;
  groupId: string;
  log: Logger;
  /** Partitions handled at once; each partition is still processed in order. */
  partitionsConcurrently: number;
  /**
   * `committed` (default): resume where the group left off, from the beginning for a new group, so
   * nothing is ever skipped. `now`: start at the topic's current end (tests that share a long-lived
   * broker and must not replay its history).
   */
  startAt?: 'committed' | 'now';
  /** The topic to consume: `jml.events.v1` (default), or the leaver lane `jml.events.priority.v1`. */
  topic?: string;
}

/**
 * Temporal task priorities (lower goes first; the server's default is 3). Person workflows do little
 * work per task and carry every leaver, so they go before the per-event work of joiners and movers;
 * leaver event workflows and their activities go first of all (workflows/jml-event.ts).
 */
export const PERSON_PRIORITY = 2;

export interface Dispatcher {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Hands each event of its topic (`jml.events.v1`, or the leaver lane) to the person's entity workflow with signalWithStart, and only
 * then lets the offset be committed: an event is either in Temporal or will be consumed again.
 * Redelivery is harmless because the person workflow dedupes by event id.
 */
export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const topic = deps.topic ?? TOPICS.events;
  const log = deps.log.child({ component: 'dispatcher', topic });
  const consumer: Consumer = deps.kafka.consumer({ groupId: deps.groupId, allowAutoTopicCreation: false });

  async function handle(message: KafkaMessage, partition: number): Promise<void> {
    let event: JmlEvent;
    try {
      event = JmlEvent.parse(JSON.parse(message.value?.toString('utf8') ?? ''));
    } catch (err) {
      log.error({ partition, offset: message.offset, err: (err as Error).message }, 'record on events topic is not a JmlEvent; dead-lettered');
      await deps.producer.send([
        {
          topic: TOPICS.dlq,
          message: {
            key: message.key,
            value: message.value,
            headers: { 'jml-reject-code': 'invalid-event', 'jml-reject-reason': (err as Error).message.slice(0, 4_000), 'jml-origin': `${topic}/${partition}/${message.offset}` },
          },
        },
      ]);
      return;
    }
    const personKey = event.subject;
    await deps.temporal.workflow.signalWithStart<(input: PersonWorkflowInput) => Promise<void>, [JmlEvent]>('personWorkflow', {
      workflowId: personWorkflowId(personKey),
      taskQueue: deps.taskQueue,
      args: [{ personKey }],
      signal: jmlEventSignal,
      signalArgs: [event],
      typedSearchAttributes: [
        { key: EmployeeId, value: employeeIdOf(personKey) },
        { key: PersonKey, value: personKey },
        { key: HrSource, value: sourceOf(personKey) },
      ],
      staticSummary: `person ${personKey}`,
      priority: { priorityKey: PERSON_PRIORITY },
    });
    log.debug({ eventId: event.id, personKey, partition, offset: message.offset }, 'event handed to Temporal');
  }

  return {
    async start() {
      let ends: Array<{ partition: number; offset: string }> = [];
      if (deps.startAt === 'now') {
        const admin = deps.kafka.admin();
        await admin.connect();
        ends = await admin.fetchTopicOffsets(topic);
        await admin.disconnect();
      }
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        partitionsConsumedConcurrently: deps.partitionsConcurrently,
        // kafkajs resolves the offset after eachMessage returns and commits it; a throw retries the message.
        eachMessage: ({ message, partition }) => handle(message, partition),
      });
      for (const { partition, offset } of ends) consumer.seek({ topic, partition, offset });
    },
    async stop() {
      await consumer.disconnect();
    },
  };
}
