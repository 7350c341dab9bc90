import { trace } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { employeeIdOf, sourceOf, type JmlEvent } from '../../schemas/jml-event.v1';
import { EmployeeId, HrSource, jmlEventSignal, PersonKey, personWorkflowId, type PersonWorkflowInput } from '../../schemas/contracts';
import type { CoalescingProducer } from '../kafka/coalescing-producer';
import type { BacklogGate } from './backlog-gate';
import type { MetricSet } from '../metrics';
import { readEventRecord } from './read-event';
import { dispatchAction, readActionRecord } from './security-action';
import { writeDeadLetter } from '../kafka/dead-letter';
import { TOPICS } from '../kafka/topics';
import { contextFromHeaders } from '../tracing/kafka';
import { handoffSpan, inSpan } from '../tracing/spans';

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
  /** The topic to consume: `jml.events.v1` (default), the leaver lane `jml.events.priority.v1`, or security actions `jml.security.v1`. */
  topic?: string;
  /**
   * Backpressure (./backlog-gate.ts): events wait in Kafka while the task queue's backlog is at its
   * bound. The complete log has one; the leaver lane never waits.
   */
  gate?: BacklogGate;
  /** The dispatcher's families (services/metrics/definitions.ts DISPATCHER_METRICS); none when absent. */
  metrics?: MetricSet;
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
  /** Resolves with the error when the consumer crashed for good (kafkajs gave up restarting it); never otherwise. */
  readonly failed: Promise<Error>;
}

/**
 * Hands each event of its topic (`jml.events.v1`, or the leaver lane) to the person's entity workflow with signalWithStart, and only
 * then lets the offset be committed: an event is either in Temporal or will be consumed again.
 * Redelivery is harmless because the person workflow dedupes by event id. A record this build
 * cannot read (another major version, or not a v1 event) goes to the DLQ with its reason; one of
 * a newer minor version is handed over with its unknown fields (./read-event.ts).
 */
export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const topic = deps.topic ?? TOPICS.events;
  const log = deps.log.child({ component: 'dispatcher', topic });
  const consumer: Consumer = deps.kafka.consumer({ groupId: deps.groupId, allowAutoTopicCreation: false });
  // kafkajs restarts a consumer after retriable errors by itself; a crash it does not restart from is final.
  let fail: (err: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => (fail = resolve));
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fail(payload.error);
  });
  if (deps.metrics) watchLag(consumer, topic, deps.metrics);
  const outcome = (o: 'handed-off' | 'dead-lettered' | 'failed') => deps.metrics?.inc('jml_dispatcher_handoffs_total', { topic, outcome: o });

  /** A record of `jml.security.v1`: a suspend or restore, asked of the person workflow; a refusal is dead-lettered. */
  async function handleAction(message: KafkaMessage, partition: number): Promise<void> {
    const origin = `${topic}/${partition}/${message.offset}`;
    const read = readActionRecord(message);
    const dispatched = read.ok ? await dispatchAction(deps.temporal, read.action) : undefined;
    if (!read.ok || dispatched?.status === 'refused') {
      const { code, reason } = read.ok ? (dispatched as { code: string; reason: string }) : read;
      log.error({ partition, offset: message.offset, code, reason }, 'security action not dispatched; dead-lettered');
      await writeDeadLetter(deps.producer, { key: message.key, value: message.value, code, reason, origin, at: Date.now() });
      outcome('dead-lettered');
      return;
    }
    outcome('handed-off');
    log.info({ actionId: dispatched?.status === 'accepted' ? dispatched.accepted.actionId : undefined, partition, offset: message.offset }, 'security action handed to Temporal');
  }

  async function handle(message: KafkaMessage, partition: number): Promise<void> {
    if (topic === TOPICS.security) return handleAction(message, partition);
    const read = readEventRecord(message);
    if (!read.ok) {
      log.error({ partition, offset: message.offset, code: read.code, reason: read.reason }, 'record on events topic cannot be read as a JmlEvent v1; dead-lettered');
      await writeDeadLetter(deps.producer, { key: message.key, value: message.value, code: read.code, reason: read.reason, origin: `${topic}/${partition}/${message.offset}`, at: Date.now() });
      outcome('dead-lettered');
      return;
    }
    // Fields of a newer minor version ride along untouched (docs/decisions/0003-event-evolution.md).
    const event = read.event;
    const personKey = event.subject;
    trace.getActiveSpan()?.setAttribute('jml.event_type', event.type);
    const started = performance.now();
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
    deps.gate?.handedOff();
    deps.metrics?.observe('jml_dispatcher_handoff_seconds', { topic }, (performance.now() - started) / 1000);
    outcome('handed-off');
    log.debug({ eventId: event.id, personKey, partition, offset: message.offset }, 'event handed to Temporal');
  }

  /**
   * `startAt: 'now'`: commits the topic's current end for every partition the group has no offset
   * for, before the consumer joins, so that it cannot read history (a seek after `run` races the
   * first fetch).
   */
  async function commitEndsForNewPartitions(): Promise<void> {
    const admin = deps.kafka.admin();
    await admin.connect();
    try {
      // A new group's coordinator may still be loading: retry what Kafka calls retriable, briefly.
      await retriable(async () => {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId: deps.groupId, topics: [topic] });
        const known = new Set((committed?.partitions ?? []).filter((p) => Number(p.offset) >= 0).map((p) => p.partition));
        const partitions = ends.filter((e) => !known.has(e.partition)).map(({ partition, offset }) => ({ partition, offset }));
        if (partitions.length > 0) await admin.setOffsets({ groupId: deps.groupId, topic, partitions });
      });
    } finally {
      await admin.disconnect();
    }
  }

  return {
    failed,
    async start() {
      if (deps.startAt === 'now') await commitEndsForNewPartitions();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        partitionsConsumedConcurrently: deps.partitionsConcurrently,
        // Commit what was handed over at least every second, not only when a fetched batch is done:
        // behind the backlog gate a batch can take minutes, and the group's lag should say where it is.
        autoCommitInterval: 1_000,
        // kafkajs resolves the offset after eachMessage returns and commits it; a throw retries the message.
        eachMessage: async ({ message, partition, heartbeat }) => {
          await deps.gate?.wait(heartbeat);
          // The hand-off joins the trace the gateway started (traceparent in the record's headers).
          await inSpan(handoffSpan({ topic, group: deps.groupId, partition, parent: contextFromHeaders(message.headers) }), () => handle(message, partition)).catch((err: unknown) => {
            outcome('failed');
            throw err;
          });
        },
      });
    },
    async stop() {
      deps.gate?.close();
      await consumer.disconnect();
    },
  };
}

/**
 * Keeps `jml_dispatcher_consumer_lag` per assigned partition from kafkajs' batch events: when a
 * batch starts, every record from its first offset to the high watermark is waiting; when it ends,
 * what lies beyond its last offset. A partition with nothing new keeps its last figure (0 once
 * caught up); partitions lost in a rebalance are dropped, so another consumer's figure stands alone.
 */
export function watchLag(consumer: Consumer, topic: string, metrics: MetricSet): void {
  const assigned = new Set<number>();
  const set = (partition: number, lag: number) => {
    assigned.add(partition);
    metrics.set('jml_dispatcher_consumer_lag', { topic, partition: String(partition) }, Math.max(0, lag));
  };
  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => set(payload.partition, Number(payload.offsetLagLow) + 1));
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => set(payload.partition, Number(payload.offsetLag)));
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const now = new Set<number>(payload.memberAssignment[topic] ?? []);
    for (const partition of assigned) {
      if (now.has(partition)) continue;
      assigned.delete(partition);
      metrics.remove('jml_dispatcher_consumer_lag', { topic, partition: String(partition) });
    }
  });
}

async function retriable<T>(fn: () => Promise<T>, attempts = 20, delayMs = 250): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || (err as { retriable?: boolean }).retriable !== true) throw err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}
