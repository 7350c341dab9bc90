import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { loadConfig } from '../../../services/config';
import { accountKey, createDevRedisConnector } from '../../dev-redis';
import { runConformance } from '.';

const NOT_HTTP = 'dev-redis talks to Redis, not HTTP: there is no status code to inject. The HTTP mapping is covered by connectors/sdk/http.test.ts and the SCIM targets.';

const connector = createDevRedisConnector();

runConformance(connector, () => {
  const url = loadConfig().reuse.redisUrl ?? inject('stack').redisUrl;
  const config = { url, keyPrefix: `jml:conformance:${process.pid}-${randomBytes(3).toString('hex')}` };
  const appId = 'conformance-dev-redis';
  const redis = new Redis(url);

  const reset = async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.keyPrefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  };

  return {
    name: 'dev-redis on a real Redis',
    appId,
    config,
    secrets: {},
    entitlement: 'team:conformance',
    reset,
    async deleteOutOfBand({ personKey }) {
      const key = accountKey(config, appId, personKey);
      await redis.del(key, `${key}:entitlements`);
    },
    skip: {
      'error-rate-limited': NOT_HTTP,
      'error-unavailable': NOT_HTTP,
      'error-unauthorized': NOT_HTTP,
      'error-bad-request': NOT_HTTP,
      'cancel-in-flight': 'a dev-redis operation is one atomic EVAL with no point to cancel in flight, and Redis cannot be stalled for one request.',
    },
    async dispose() {
      await reset();
      await redis.quit();
      await connector.dispose?.();
    },
  };
});
