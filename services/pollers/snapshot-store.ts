import type { Redis } from 'ioredis';
import type { RaasSnapshot } from '../gateway/sources/workday/raas-report';
import { PollerError } from './errors';

/**
 * Where the Workday poller keeps its baseline RaaS snapshot between polls. A snapshot of a large
 * workforce is megabytes, far beyond what belongs in workflow history, so the workflow holds only
 * the key (see `WorkdayCursor`). Keys are written once per content and never overwritten with other
 * content, so a retried poll may write the same key again harmlessly.
 */
export interface SnapshotStore {
  put(req: { key: string; snapshot: RaasSnapshot }): Promise<void>;
  /** The snapshot, or `undefined` when it expired or was lost. Renews its expiry. */
  get(key: string): Promise<RaasSnapshot | undefined>;
  /** Renews the expiry without reading; false when the key is gone. */
  touch(key: string): Promise<boolean>;
}

export interface RedisSnapshotStoreOptions {
  /**
   * A baseline not read for this long expires (default 30 days). Reading renews it, so only a poller
   * stopped for longer loses its baseline; it then takes a new one (and says so in its summary).
   */
  ttlSeconds?: number;
}

export function redisSnapshotStore(redis: Redis, opts: RedisSnapshotStoreOptions = {}): SnapshotStore {
  const ttl = opts.ttlSeconds ?? 30 * 24 * 3600;
  const unavailable = (err: unknown, key: string) =>
    new PollerError({ code: 'snapshot-store-unavailable', message: `snapshot store failed: ${(err as Error).message}`, cause: err, context: { key } });
  return {
    async put({ key, snapshot }) {
      try {
        await redis.set(key, JSON.stringify(snapshot), 'EX', ttl);
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
      return text === null ? undefined : (JSON.parse(text) as RaasSnapshot);
    },
    async touch(key) {
      try {
        return (await redis.expire(key, ttl)) === 1;
      } catch (err) {
        throw unavailable(err, key);
      }
    },
  };
}
