import type { ConnectionOptions } from 'node:tls';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisSecurity } from '../settings/connections';

/**
 * A Redis client of the services with REDIS_URL's TLS (`rediss://`), REDIS_TLS_CA and the ACL user
 * and password of REDIS_USERNAME / REDIS_PASSWORD; `options` are the caller's (timeouts, lazyConnect).
 *
 * File secrets rotate without a restart: ioredis (5.9, pinned) reads `options.password` each time it
 * (re)connects, and copies `options.tls` into `tls.connect` each time too, so the password is a
 * getter on the client's own options (ioredis copies the options it is given, which would read a
 * getter once) and the CA a getter on the TLS object. A connection that is up stays up on the old
 * password (Redis checks it only at AUTH); the next reconnect uses the new one.
 *
 * Refused credentials: ioredis reports WRONGPASS only as an `error` event and rejects `connect()`
 * with "Connection is closed."; here `connect()` rejects with a {@link RedisAuthError} that says which
 * user and which secret were refused instead.
 */
export function createRedis(url: string, security: RedisSecurity, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, { ...options, ...redisTlsOptions(security), ...(security.username ? { username: security.username } : {}) });
  const password = security.password;
  if (password) Object.defineProperty(redis.options, 'password', { enumerable: true, configurable: true, get: () => password.read() });
  let refused: Error | undefined;
  redis.on('error', (err: Error) => {
    if (/^(WRONGPASS|NOAUTH|NOPERM)/.test(err.message)) refused = err;
  });
  const connect = redis.connect.bind(redis);
  redis.connect = async () => {
    refused = undefined;
    try {
      await connect();
    } catch (err) {
      // Set by the error listener while connect() ran (TypeScript cannot see that assignment).
      const seen = refused as Error | undefined;
      if (!seen) throw err;
      throw new RedisAuthError(`Redis at ${redis.options.host ?? '?'}:${redis.options.port ?? '?'} refused user '${security.username ?? 'default'}' (password from ${password?.source ?? 'nowhere: REDIS_PASSWORD is not set'}): ${seen.message}`, { cause: seen });
    }
  };
  return redis;
}

/** Redis refused the credentials at connect (WRONGPASS, NOAUTH, NOPERM); the message never holds the password. */
export class RedisAuthError extends Error {
  readonly code = 'REDIS_AUTH_REFUSED';
  constructor(message: string, options: { cause: Error }) {
    super(message, options);
    this.name = 'RedisAuthError';
  }
}

function redisTlsOptions(security: RedisSecurity): Pick<RedisOptions, 'tls'> {
  if (!security.tls) return {};
  const { ca } = security.tls;
  const tls: ConnectionOptions = {};
  if (ca) Object.defineProperty(tls, 'ca', { enumerable: true, get: () => ca.read() });
  return { tls };
}
