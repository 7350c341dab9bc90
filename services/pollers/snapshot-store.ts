import type { Redis } from 'ioredis';
import type { SnapshotStore } from '../../sources/sdk/poll';
import { PollerError } from '../../sources/sdk/poll-error';

export interface RedisSnapshotStoreOptions {
  /**
   * A baseline not read for this long expires (default 30 days). Reading renews it, so only a poller
   * stopped for longer loses its baseline; it then takes a new one (and says so in its summary).
   */
  ttlSeconds?: number;
}

/**
 * The snapshot store of the poll ports (`SnapshotStore` in sources/sdk/poll.ts) in Redis: where the
 * Workday poll keeps its baseline RaaS snapshots between polls, so that the workflow holds only a
 * key (`WorkdayCursor` in sources/workday/poll.ts). With the poll's pruning it holds two snapshots
 * per tenant (the cursor's and the one before), not one per changed poll.
 *
 * Snapshots as JSON strings; a series is a Redis set of its snapshot keys (members of deleted or
 * expired snapshots are removed by the next prune). Every failure is `snapshot-store-unavailable`.
 */
export function redisSnapshotStore(redis: Redis, opts: RedisSnapshotStoreOptions = {}): SnapshotStore {
  const ttl = opts.ttlSeconds ?? 30 * 24 * 3600;
  const unavailable = (err: unknown, key: string) =>
    new PollerError({ code: 'snapshot-store-unavailable', message: `snapshot store failed: ${(err as Error).message}`, cause: err, context: { key } });
  /** MULTI/EXEC that throws when any command in it failed. */
  const transaction = async (build: (m: ReturnType<Redis['multi']>) => void): Promise<void> => {
    const m = redis.multi();
    build(m);
    const results = await m.exec();
    const failed = results?.find(([err]) => err);
    if (!results) throw new Error('transaction aborted');
    if (failed) throw failed[0] as Error;
  };
  return {
    async put({ key, snapshot, series }) {
      try {
        // The key joins its series in the same transaction: no snapshot is written that prune cannot find.
        await transaction((m) => m.set(key, JSON.stringify(snapshot), 'EX', ttl).sadd(series, key).expire(series, ttl));
      } catch (err) {
        throw unavailable(err, key);
      }
    },
    async get(key) {
      let text: string | null;
      try {
        text = await redis.getex(key, 'EX', ttl);
      } catch (err) {
        throw unavailable(err, key);
      }
      return text === null ? undefined : (JSON.parse(text) as unknown);
    },
    async touch(key) {
      try {
        return (await redis.expire(key, ttl)) === 1;
      } catch (err) {
        throw unavailable(err, key);
      }
    },
    async prune({ series, keep }) {
      try {
        const members = await redis.smembers(series);
        const stale = members.filter((k) => !keep.includes(k));
        await transaction((m) => {
          if (stale.length > 0) m.del(...stale).srem(series, ...stale);
          m.expire(series, ttl);
        });
        return stale.length;
      } catch (err) {
        throw unavailable(err, series);
      }
    },
  };
}
