import type { Message, Producer, TopicMessages } from 'kafkajs';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { isPerRecordError, ProducerError } from './errors';

/** One record to produce, with the topic it goes to. */
export interface Outgoing {
  topic: string;
  message: Message;
  /**
   * The validated event `message.value` serialises, when the record is one, so that whoever wraps
   * the sink (the published-state ledger) need not parse and validate it again. Never sent.
   */
  event?: JmlEvent;
}

interface Waiting {
  items: Outgoing[];
  /** Estimated bytes of the call's records (see {@link recordBytes}). */
  bytes: number;
  /** True once the caller has its answer (acknowledged, failed, or past its deadline). */
  settled: boolean;
  timer?: NodeJS.Timeout;
  resolve(): void;
  reject(err: unknown): void;
}

/** Batching, size, queue and deadline bounds of a {@link CoalescingProducer}. */
export interface CoalescingProducerOptions {
  /** Upper bound of messages per produce request; a single call larger than this still goes out whole. Default 2,000. */
  maxBatchMessages?: number;
  /**
   * Upper bound of the estimated bytes of one produce request; a single call larger than this
   * still goes out whole. Never above `maxRecordBatchBytes` less a batch header, so that calls put together cannot
   * form a record batch the broker refuses although each alone would pass. Default 1 MiB.
   */
  maxBatchBytes?: number;
  /**
   * The most bytes Kafka accepts in one record batch (the topic's `max.message.bytes`, the
   * broker's `message.max.bytes`). A call whose records for one topic exceed it (estimated, with
   * the batch's overhead) is refused with `record-too-large` before it joins a batch, so it cannot
   * fail the calls it would have travelled with. Default 1,000,000 (Kafka's default is 1,048,588).
   */
  maxRecordBatchBytes?: number;
  /** More calls than this waiting for a produce request: `send` fails at once with `queue-full`. Default 10,000. */
  maxQueuedCalls?: number;
  /** More estimated bytes than this waiting for a produce request: `send` fails at once with `queue-full`. Default 64 MiB. */
  maxQueuedBytes?: number;
  /**
   * A call not acknowledged this long after `send` fails with `deadline-exceeded` (and leaves the
   * queue if it is still waiting there), whatever the broker does; 0 = no deadline. A call failed
   * so while its batch was in flight may still be written: callers treat the failure as "retry",
   * and consumers dedupe by id. Default 5,000.
   */
  deadlineMs?: number;
  /**
   * Makes and connects a kafkajs producer like the one given. With it, a batch refused for
   * particular records is resent call by call on a new producer (see the class); without it, every
   * call of such a batch fails.
   */
  newProducer?: () => Promise<Producer>;
  /** Broker-side timeout of each produce request, in ms. Default 10,000. */
  timeoutMs?: number;
  /**
   * While calls keep coming (a batch was just acknowledged and others are already waiting), wait
   * this long before cutting the next batch, so that it carries more. Never delays a call that
   * arrives while the producer is idle. Default 0.
   */
  lingerMs?: number;
}

/**
 * Coalesces concurrent sends into one produce request. An idempotent kafkajs producer keeps one
 * request in flight (kafkajs serialises produce requests per broker anyway), so one `send()` per
 * HTTP request serializes at about 1,400 msg/s; here every call that arrives while a batch is in
 * flight joins the next batch. Each caller's promise resolves only when the broker acknowledged
 * its own messages (`acks: -1`), so "2xx only after Kafka has it" still holds per request.
 *
 * Batches are cut one event-loop turn after the first call (or after the previous batch was
 * acknowledged, plus `lingerMs` under load): requests whose bytes had already arrived are handled
 * in that turn and join. Larger batches are what saves CPU here: kafkajs spends about 1 ms of CPU
 * per produce request whatever its size, against about 50 µs per record.
 *
 * One call's trouble stays its own: a call too large for Kafka is refused before it joins a batch,
 * and when a batch of several calls fails with an error about particular records (the broker may
 * have written the other partitions of the request), the kafkajs producer is replaced (a new
 * idempotence id) and the calls are sent again one by one, so only the guilty call fails (the others' records may then
 * be in the log twice; consumers dedupe by id).
 * The queue is bounded (`queue-full`) and every call has a deadline (`deadline-exceeded`), so a
 * broker that stops answering makes callers fail fast instead of hang.
 *
 * Order: calls go out in the order they were made, and a call's messages in its own order, so two
 * sends to one partition are written in call order.
 */
export class CoalescingProducer {
  private readonly queue: Waiting[] = [];
  private queuedBytes = 0;
  private flushing = false;
  private readonly limits: { messages: number; batchBytes: number; recordBatchBytes: number; calls: number; queuedBytes: number; deadlineMs: number };

  constructor(
    private producer: Producer,
    private readonly opts: CoalescingProducerOptions = {},
  ) {
    const recordBatchBytes = opts.maxRecordBatchBytes ?? 1_000_000;
    this.limits = {
      messages: opts.maxBatchMessages ?? 2_000,
      batchBytes: Math.min(opts.maxBatchBytes ?? 1024 * 1024, recordBatchBytes - BATCH_OVERHEAD),
      recordBatchBytes,
      calls: opts.maxQueuedCalls ?? 10_000,
      queuedBytes: opts.maxQueuedBytes ?? 64 * 1024 * 1024,
      deadlineMs: opts.deadlineMs ?? 5_000,
    };
  }

  /**
   * Resolves once every message of `items` is acknowledged by all in-sync replicas; all or none per
   * call. Rejects with a {@link ProducerError} (`record-too-large`, `queue-full`,
   * `deadline-exceeded`) or with the error kafkajs gave for the call's batch.
   */
  send(items: Outgoing[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    const oversized = largestTopicBatch(items);
    if (oversized.bytes > this.limits.recordBatchBytes) {
      return Promise.reject(
        new ProducerError({
          code: 'record-too-large',
          message: `records for ${oversized.topic} take about ${oversized.bytes} bytes; Kafka accepts ${this.limits.recordBatchBytes}`,
          context: { topic: oversized.topic, bytes: oversized.bytes, limitBytes: this.limits.recordBatchBytes },
        }),
      );
    }
    const bytes = items.reduce((n, i) => n + recordBytes(i.message), 0);
    if (this.queue.length > 0 && (this.queue.length >= this.limits.calls || this.queuedBytes + bytes > this.limits.queuedBytes)) {
      return Promise.reject(
        new ProducerError({
          code: 'queue-full',
          message: `the producer already holds ${this.queue.length} waiting calls (${this.queuedBytes} bytes)`,
          context: { calls: this.queue.length, bytes: this.queuedBytes },
        }),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiting = { items, bytes, settled: false, resolve, reject };
      if (this.limits.deadlineMs > 0) w.timer = setTimeout(() => this.expire(w), this.limits.deadlineMs);
      this.queue.push(w);
      this.queuedBytes += bytes;
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Calls waiting for a produce request, and their estimated bytes. */
  waiting(): { calls: number; bytes: number } {
    return { calls: this.queue.length, bytes: this.queuedBytes };
  }

  private expire(w: Waiting): void {
    const i = this.queue.indexOf(w);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.queuedBytes -= w.bytes;
    }
    settle(w, new ProducerError({ code: 'deadline-exceeded', message: `Kafka did not acknowledge within ${this.limits.deadlineMs} ms`, context: { deadlineMs: this.limits.deadlineMs } }));
  }

  private async flush(): Promise<void> {
    const linger = this.opts.lingerMs ?? 0;
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        try {
          await this.sendBatch(batch);
          for (const w of batch) settle(w);
        } catch (err) {
          await this.failed(batch, err);
        }
        // Let the requests that arrived meanwhile reach `send` before the next batch is cut.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (linger > 0 && this.queue.length > 0 && this.queued() < this.limits.messages) await new Promise<void>((resolve) => setTimeout(resolve, linger));
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Settles the calls of a failed batch: all with `err`, or, for an error about particular records, each by its own resend. */
  private async failed(batch: Waiting[], err: unknown): Promise<void> {
    if (!isPerRecordError(err)) {
      for (const w of batch) settle(w, err);
      return;
    }
    if (!this.opts.newProducer) {
      for (const w of batch) settle(w, err);
      return;
    }
    try {
      await this.replaceProducer();
    } catch (reconnect) {
      for (const w of batch) settle(w, reconnect);
      return;
    }
    if (batch.length === 1) {
      settle(batch[0] as Waiting, err);
      return;
    }
    // Which call is guilty is unknown: each goes alone, in order (a call already answered by its
    // deadline is not sent again; its sender retries).
    for (const w of batch) {
      if (w.settled) continue;
      try {
        await this.sendBatch([w]);
        settle(w);
      } catch (alone) {
        settle(w, alone);
        if (isPerRecordError(alone)) await this.replaceProducer().catch(() => undefined);
      }
    }
  }

  /**
   * After a request refused for particular records. The broker may have written the request's other
   * partitions, but kafkajs rolled back the idempotence sequence numbers of all of them, so the next
   * write to those partitions would be refused (OUT_OF_ORDER_SEQUENCE_NUMBER) for good; kafkajs
   * offers no way to take a new producer id but a new producer.
   */
  private async replaceProducer(): Promise<void> {
    const create = this.opts.newProducer;
    if (!create) return;
    const old = this.producer;
    this.producer = await create();
    await old.disconnect().catch(() => undefined);
  }

  /** Disconnects the kafkajs producer in use (the one given, or the last {@link CoalescingProducerOptions.newProducer} made). */
  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  private sendBatch(batch: Waiting[]): Promise<unknown> {
    return this.producer.sendBatch({ topicMessages: groupByTopic(batch), acks: -1, timeout: this.opts.timeoutMs ?? 10_000 });
  }

  /** The oldest calls, whole, up to the message and byte bounds (at least one call). */
  private take(): Waiting[] {
    const first = this.queue[0] as Waiting;
    let end = 1;
    let count = first.items.length;
    let bytes = first.bytes;
    while (end < this.queue.length) {
      const next = this.queue[end] as Waiting;
      if (count + next.items.length > this.limits.messages || bytes + next.bytes > this.limits.batchBytes) break;
      count += next.items.length;
      bytes += next.bytes;
      end += 1;
    }
    const batch = this.queue.splice(0, end);
    this.queuedBytes -= bytes;
    return batch;
  }

  private queued(): number {
    let count = 0;
    for (const w of this.queue) count += w.items.length;
    return count;
  }
}

function settle(w: Waiting, err?: unknown): void {
  if (w.settled) return;
  w.settled = true;
  clearTimeout(w.timer);
  if (err === undefined) w.resolve();
  else w.reject(err);
}

/** Kafka's per-record framing beyond key, value and headers: at most 36 bytes of varints and attributes (v2 record format), rounded up; each header adds two length varints. */
const RECORD_OVERHEAD = 40;
/** A record batch's header (61 bytes in v2), rounded up. */
const BATCH_OVERHEAD = 128;

const byteLength = (v: Buffer | string | null | undefined): number => (v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);

/** An upper estimate of the bytes `message` takes in an uncompressed record batch. */
export function recordBytes(message: Message): number {
  let n = RECORD_OVERHEAD + byteLength(message.key) + byteLength(message.value as Buffer | string | null);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) n += 10 + Buffer.byteLength(name) + byteLength(v);
  }
  return n;
}

/** The topic whose records of `items` take the most bytes as one record batch (an upper bound of any partition's batch). */
function largestTopicBatch(items: Outgoing[]): { topic: string; bytes: number } {
  const perTopic = new Map<string, number>();
  for (const { topic, message } of items) perTopic.set(topic, (perTopic.get(topic) ?? BATCH_OVERHEAD) + recordBytes(message));
  let largest = { topic: '', bytes: 0 };
  for (const [topic, bytes] of perTopic) if (bytes > largest.bytes) largest = { topic, bytes };
  return largest;
}

function groupByTopic(batch: Waiting[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const w of batch) {
    for (const { topic, message } of w.items) {
      const list = byTopic.get(topic);
      if (list) list.push(message);
      else byTopic.set(topic, [message]);
    }
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
