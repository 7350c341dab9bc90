import type { Redis } from 'ioredis';

/**
 * Edge dedupe of event ids. Ids are remembered only AFTER Kafka acknowledged the event, so a failed
 * produce can never make a retry look like a duplicate; two concurrent deliveries of one event may
 * both pass, which is harmless because the person workflow dedupes by id too.
 */
export interface Dedupe {
  /** The ids among `ids` already accepted. Throws when the store is unreachable. */
  seen(ids: readonly string[]): Promise<Set<string>>;
  remember(ids: readonly string[]): Promise<void>;
}

export function redisDedupe(redis: Redis, opts: { ttlSeconds: number; keyPrefix?: string }): Dedupe {
  const key = (id: string) => `${opts.keyPrefix ?? 'jml:dedupe'}:${id}`;
  return {
    async seen(ids) {
      if (ids.length === 0) return new Set();
      const flags = await redis.mget(ids.map(key));
      return new Set(ids.filter((_, i) => flags[i] !== null));
    },
    async remember(ids) {
      if (ids.length === 0) return;
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.set(key(id), '1', 'EX', opts.ttlSeconds, 'NX');
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    },
  };
}
