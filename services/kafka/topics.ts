import type { Admin } from 'kafkajs';

/** Kafka topics of the pipeline. Versioned by name: a breaking change is a new topic. */
export const TOPICS = Object.freeze({
  /** Every accepted webhook delivery as received (audit, re-normalization). */
  raw: 'hr.webhooks.raw.v1',
  /** Canonical JML events, key = personKey: the complete, ordered log of every accepted event. */
  events: 'jml.events.v1',
  /**
   * The leaver lane: a copy of every leaver, same key and record, so that a departure never waits
   * behind a backlog of joiners in a partition of `jml.events.v1`. The person workflow dedupes the
   * second copy by id and orders by HR entry time, so arriving early is safe.
   */
  priority: 'jml.events.priority.v1',
  /** Rejected input with the reason in headers: nothing is dropped silently. */
  dlq: 'jml.events.dlq.v1',
  /** One record per connector action outcome. */
  audit: 'jml.audit.v1',
});

/** Creates every topic that is missing (kafkajs on KRaft cannot subscribe to a topic that does not exist). */
export async function ensureTopics(admin: Admin, opts: { partitions: number; replicationFactor?: number }): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = Object.values(TOPICS).filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({ topic, numPartitions: opts.partitions, replicationFactor: opts.replicationFactor ?? 1 })),
  });
}
