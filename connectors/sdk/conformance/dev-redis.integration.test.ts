import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { accountKey, createDevRedisConnector } from '../../dev-redis';
import type { AnyConnector } from '../types';
import { runConformance } from '.';

const NOT_HTTP = 'dev-redis talks to Redis, not HTTP: there is no status code to inject. The HTTP mapping is covered by connectors/sdk/http.test.ts and the SCIM targets.';

const connector = createDevRedisConnector();

/**
 * dev-redis plus a `revokeSessions` that ends nothing but answers as an app would (`applied` while
 * the account exists, `not-applicable` once it is gone): the connector no shipped app declares
 * `sessions.revoke` for, so that the kit's sessions scenario runs somewhere.
 */
function withSessions(inner: AnyConnector): AnyConnector {
  const ops = inner.operations as Record<string, (ctx: unknown, req: unknown) => Promise<unknown>>;
  return {
    ...inner,
    capabilities: [...inner.capabilities, 'sessions.revoke'],
    operations: {
      ...ops,
      revokeSessions: async (ctx: unknown, req: unknown) =>
        ((await ops.readAccount?.(ctx, req)) as { exists: boolean }).exists ? { outcome: 'applied' } : { outcome: 'not-applicable' },
    },
  } as AnyConnector;
}

for (const c of [connector, withSessions(connector)])
runConformance(c, () => {
  // The harness's Redis: the one REDIS_URL names when set (test/harness/acquire-stack.ts).
  const url = inject('stack').redisUrl;
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
    name: c === connector ? 'dev-redis on a real Redis' : 'dev-redis with sessions.revoke on a real Redis',
    appId,
    config,
    secrets: {},
    entitlement: 'team:conformance',
    reset,
    async deleteOutOfBand({ personKey }) {
      const key = accountKey(config, appId, personKey);
      await redis.del(key, `${key}:entitlements`);
    },
    handMade: {
      // An account someone wrote straight into Redis under a name that is no person key.
      async create({ attributes }) {
        const ref = `hand-made-${randomBytes(4).toString('hex')}`;
        await redis.hset(accountKey(config, appId, ref), 'enabled', '1', 'attributes', JSON.stringify({ ...attributes, title: 'Made by hand' }));
        return { externalRef: ref };
      },
      read: ({ externalRef }) => redis.hgetall(accountKey(config, appId, externalRef)),
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
      if (c !== connector) await connector.dispose?.();
    },
  };
});
