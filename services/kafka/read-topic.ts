import { randomBytes } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';

/** One record as read back, with its place in the topic. */
export interface TopicRecord {
  partition: number;
  offset: string;
  /** Kafka's timestamp of the record (epoch ms). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/** Which part of a topic to read; the whole topic (what retention kept) when nothing is given. */
export interface ReadRange {
  /** Only records written at or after this instant (epoch ms). */
  sinceMs?: number;
  /** Only this one record. */
  at?: { partition: number; offset: string };
}

export interface ReadTopicRequest extends ReadRange {
  kafka: Kafka;
  topic: string;
  /** Gives up after this long (default 60 s) with an error naming the partitions not read to their end. */
  timeoutMs?: number;
}

/**
 * Reads a topic from its start (or `sinceMs`, or one record) to the high watermarks taken when the
 * read starts, and returns the records in partition and offset order. Records written meanwhile are
 * not read, so a caller that writes to the same topic never reads its own writes back.
 *
 * kafkajs has no consumer without a group: this one joins a throwaway group of its own, never
 * commits, and deletes the group when done, so it leaves no offsets behind and moves nobody's.
 */
export async function readTopic(req: ReadTopicRequest): Promise<TopicRecord[]> {
  const ranges = await partitionRanges(req);
  const pending = new Set([...ranges].filter(([, r]) => r.start < r.end).map(([p]) => p));
  if (pending.size === 0) return [];
  const records: TopicRecord[] = [];
  const groupId = `jml-reader-${randomBytes(6).toString('hex')}`;
  const consumer = req.kafka.consumer({ groupId, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
  let timer: NodeJS.Timeout | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: req.topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timeoutMs = req.timeoutMs ?? 60_000;
      timer = setTimeout(() => reject(new Error(`reading ${req.topic}: partitions ${[...pending].join(', ')} not read to their end within ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const range = ranges.get(batch.partition);
            if (!range || !pending.has(batch.partition)) return;
            for (const m of batch.messages) {
              const offset = Number(m.offset);
              if (offset < range.start || offset >= range.end) continue;
              records.push({ partition: batch.partition, offset: m.offset, timestamp: Number(m.timestamp), key: m.key, value: m.value, headers: m.headers ?? {} });
            }
            if (Number(batch.lastOffset()) >= range.end - 1) {
              pending.delete(batch.partition);
              if (pending.size === 0) resolve();
            }
          },
        })
        .then(() => {
          // Start where the range starts rather than at the beginning; a fetch already under way is filtered above.
          for (const [partition, range] of ranges) if (range.start > range.low) consumer.seek({ topic: req.topic, partition, offset: String(range.start) });
        }, reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
    // The group never committed; deleting it leaves nothing behind at once (best effort).
    const admin = req.kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect().catch(() => undefined));
  }
  return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

interface PartitionRange {
  /** First offset retention kept. */
  low: number;
  start: number;
  /** The high watermark when the read started: one past the last record read. */
  end: number;
}

async function partitionRanges(req: ReadTopicRequest): Promise<Map<number, PartitionRange>> {
  const admin = req.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(req.topic);
    const since = req.sinceMs === undefined ? undefined : new Map((await admin.fetchTopicOffsetsByTimestamp(req.topic, req.sinceMs)).map((p) => [p.partition, Number(p.offset)]));
    return new Map(
      offsets.map((p) => {
        const low = Number(p.low);
        const high = Number(p.high);
        if (req.at) {
          const offset = Number(req.at.offset);
          const inside = p.partition === req.at.partition && offset >= low && offset < high;
          return [p.partition, inside ? { low, start: offset, end: offset + 1 } : { low, start: high, end: high }];
        }
        // A partition without a record since then answers -1 (or its end): nothing to read there.
        const from = since?.get(p.partition);
        const start = from === undefined ? low : from < 0 ? high : Math.max(low, from);
        return [p.partition, { low, start, end: high }];
      }),
    );
  } finally {
    await admin.disconnect();
  }
}
