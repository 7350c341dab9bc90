import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { JmlEvent } from '../../schemas/jml-event.v1';
import { personDigests, type PublishedEntry, type PublishedStateReader } from '../../sources/sdk/published-state';
import type { RecordSink } from '../gateway/ingest';
import type { Outgoing } from '../kafka/coalescing-producer';
import { TOPICS } from '../kafka/topics';

/**
 * The published-state ledger's store (the entry, the digests and the read side a poll uses are
 * sources/sdk/published-state.ts). Written by {@link recordingSink} after Kafka acknowledged, so a
 * failed produce never hides a change from the poll; moves forward only: an entry is replaced only
 * by an event entered at the same time or later.
 */
export interface PublishedState extends PublishedStateReader {
  /** Records these published events (newer-or-equal wins per person). Throws when the store is unreachable. */
  record(events: readonly JmlEvent[]): Promise<void>;
}

// Replace only when the stored entry is not newer: KEYS[1], ARGV = atMs, value, ttl seconds.
const RECORD_IF_NEWER = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local at = tonumber(string.match(cur, '^(%d+)|'))
  if at and at > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'EX', ARGV[3])
return 1`;

interface RecordIfNewer {
  jmlRecordIfNewer(key: string, atMs: string, value: string, ttlSeconds: string): unknown;
}

export interface RedisPublishedStateOptions {
  /** Default `jml:published:v1`. */
  keyPrefix?: string;
  /** Entries expire when a person has no event for this long (default 400 days). */
  ttlSeconds?: number;
}

/** The ledger in Redis: one string per person, `<atMs>|<json>`, under `<prefix>:<source>:<subject>`. */
export function redisPublishedState(redis: Redis, opts: RedisPublishedStateOptions = {}): PublishedState {
  const prefix = opts.keyPrefix ?? 'jml:published:v1';
  const ttl = String(opts.ttlSeconds ?? 400 * 24 * 3600);
  const key = (source: string, subject: string) => `${prefix}:${source}:${subject}`;
  // Sent by hash (EVALSHA) once Redis knows it: the script text is not resent with every event.
  if (!('jmlRecordIfNewer' in redis)) redis.defineCommand('jmlRecordIfNewer', { numberOfKeys: 1, lua: RECORD_IF_NEWER });
  return {
    async get({ source, subjects }) {
      if (subjects.length === 0) return [];
      const values = await redis.mget(subjects.map((s) => key(source, s)));
      return values.map((v) => (v === null ? undefined : parseEntry(v)));
    },
    async record(events) {
      if (events.length === 0) return;
      const pipeline = redis.pipeline();
      for (const e of events) {
        const atMs = Date.parse(e.time);
        const entry: PublishedEntry = { eventId: e.id, atMs, fields: personDigests(e.data.person) };
        (pipeline as unknown as RecordIfNewer).jmlRecordIfNewer(key(e.source, e.subject), String(atMs), JSON.stringify(entry), ttl);
      }
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    },
  };
}

function parseEntry(value: string): PublishedEntry | undefined {
  try {
    return JSON.parse(value.slice(value.indexOf('|') + 1)) as PublishedEntry;
  } catch {
    return undefined;
  }
}

/**
 * A {@link RecordSink} that records, once Kafka acknowledged a send, the events it carried to
 * `jml.events.v1` whose source `track` accepts. The gateway and the pollers publish through it, so
 * the ledger sees webhook and poll events alike. A ledger failure is logged, never thrown: the
 * events are in Kafka, and a missing entry only costs a duplicate later.
 */
export function recordingSink(inner: RecordSink, ledger: PublishedState, opts: { track: (source: string) => boolean; log: Logger }): RecordSink {
  return {
    async send(items: Outgoing[]) {
      await inner.send(items);
      const events: JmlEvent[] = [];
      for (const { topic, message, event } of items) {
        if (topic !== TOPICS.events) continue;
        // The gateway hands over the event it validated; anything else is parsed and checked here.
        const known = event ?? parseEvent(message.value);
        if (known && opts.track(known.source)) events.push(known);
      }
      if (events.length === 0) return;
      await ledger.record(events).catch((err: unknown) => opts.log.warn({ err: (err as Error).message, events: events.length }, 'could not record published state; a later poll may repeat these'));
    },
  };
}

function parseEvent(value: Buffer | string | null | undefined): JmlEvent | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    const parsed = JmlEvent.safeParse(JSON.parse(value.toString()));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
