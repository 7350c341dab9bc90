import type { Message, Producer, TopicMessages } from 'kafkajs';

export interface Outgoing {
  topic: string;
  message: Message;
}

interface Waiting {
  items: Outgoing[];
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Coalesces concurrent sends into one produce request. An idempotent kafkajs producer keeps one
 * request in flight, so one `send()` per HTTP request serializes at about 1,400 msg/s; here every
 * request that arrives while a batch is in flight joins the next batch. Each caller's promise
 * resolves only when the broker acknowledged its own messages (`acks: -1`), so "2xx only after
 * Kafka has it" still holds per request.
 */
export class CoalescingProducer {
  private readonly queue: Waiting[] = [];
  private flushing = false;

  constructor(
    private readonly producer: Producer,
    private readonly opts: { maxBatchMessages?: number; timeoutMs?: number } = {},
  ) {}

  /** Resolves once every message of `items` is acknowledged by all in-sync replicas; all or none per call. */
  send(items: Outgoing[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    const max = this.opts.maxBatchMessages ?? 2_000;
    try {
      while (this.queue.length > 0) {
        const batch: Waiting[] = [];
        let count = 0;
        while (this.queue.length > 0 && (batch.length === 0 || count + (this.queue[0] as Waiting).items.length <= max)) {
          const next = this.queue.shift() as Waiting;
          batch.push(next);
          count += next.items.length;
        }
        try {
          await this.producer.sendBatch({ topicMessages: groupByTopic(batch), acks: -1, timeout: this.opts.timeoutMs ?? 10_000 });
          for (const w of batch) w.resolve();
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
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
