import { Redis } from 'ioredis';
import { z } from 'zod';
import { PersonKey } from '../../schemas/jml-event.v1';
import {
  ConnectorError,
  defineConnector,
  keyOfCursor,
  keysetPage,
  pageSizeOf,
  type AppAttributes,
  type ConnectorContext,
  type ListedAccount,
  type OperationResult,
} from '../sdk';

/**
 * `dev-redis`: a DEVELOPMENT target that keeps accounts in Redis, so that the whole pipeline can run
 * and be tested without a SaaS tenant. It behaves like a well-mannered app: every operation is an
 * atomic "ensure this state" and records each real change in an effects log (to prove exactly-once
 * effects in tests). Not for production use.
 */
const Config = z.strictObject({
  /** Redis holding the fake app's data (the pipeline's own Redis is fine for development). */
  url: z.string().url(),
  keyPrefix: z.string().min(1).default('jml:dev'),
});
type Config = z.infer<typeof Config>;

// One atomic script for every operation: read the account, decide, write, log the effect.
// KEYS[1] account hash, KEYS[2] entitlements set, KEYS[3] effects list.
// ARGV[1] op, ARGV[2] idempotency key, ARGV[3] payload (attributes JSON or entitlement), ARGV[4] enabled flag.
const SCRIPT = `
local op = ARGV[1]
local exists = redis.call('EXISTS', KEYS[1]) == 1
local function effect(beforeJson)
  redis.call('RPUSH', KEYS[3], ARGV[2] .. ' ' .. op)
  return {'applied', beforeJson}
end
if op == 'create' then
  if exists then return {'already-in-state', ''} end
  redis.call('HSET', KEYS[1], 'enabled', ARGV[4], 'attributes', ARGV[3])
  return effect('')
end
if not exists then
  if op == 'delete' or op == 'revoke' then return {'already-in-state', ''} end
  return {'missing', ''}
end
if op == 'update' then
  local old = redis.call('HGET', KEYS[1], 'attributes')
  if old == ARGV[3] then return {'already-in-state', ''} end
  redis.call('HSET', KEYS[1], 'attributes', ARGV[3])
  return effect(old)
elseif op == 'suspend' or op == 'restore' then
  local want = (op == 'restore') and '1' or '0'
  local old = redis.call('HGET', KEYS[1], 'enabled')
  if old == want then return {'already-in-state', ''} end
  redis.call('HSET', KEYS[1], 'enabled', want)
  return effect(old)
elseif op == 'delete' then
  local attrs = redis.call('HGET', KEYS[1], 'attributes')
  local enabled = redis.call('HGET', KEYS[1], 'enabled')
  redis.call('DEL', KEYS[1], KEYS[2])
  return effect(cjson.encode({attributes = attrs, enabled = enabled}))
elseif op == 'grant' then
  if redis.call('SADD', KEYS[2], ARGV[3]) == 0 then return {'already-in-state', ''} end
  return effect('')
elseif op == 'revoke' then
  if redis.call('SREM', KEYS[2], ARGV[3]) == 0 then return {'already-in-state', ''} end
  return effect('')
end
return redis.error_reply('unknown op ' .. op)
`;

type Op = 'create' | 'update' | 'suspend' | 'restore' | 'delete' | 'grant' | 'revoke';

export function accountKey(config: { keyPrefix: string }, appId: string, personKey: string): string {
  return `${config.keyPrefix}:${appId}:account:${personKey}`;
}
export function effectsKey(config: { keyPrefix: string }, appId: string): string {
  return `${config.keyPrefix}:${appId}:effects`;
}

export function createDevRedisConnector() {
  const clients = new Map<string, Redis>();
  const client = (url: string): Redis => {
    let c = clients.get(url);
    if (!c) {
      // Deadlines: a frozen Redis fails the step as transient (retried) instead of hanging it.
      c = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, commandTimeout: 5_000, connectTimeout: 5_000 });
      c.on('error', () => undefined); // surfaced per command as a transient error
      clients.set(url, c);
    }
    return c;
  };

  async function apply(ctx: ConnectorContext<Config>, personKey: string, op: Op, payload = '', enabled = '1'): Promise<OperationResult> {
    const { config, appId } = ctx;
    const key = accountKey(config, appId, personKey);
    // A cancelled step must not act: the EVAL below cannot be interrupted once sent.
    ctx.signal.throwIfAborted();
    let reply: [string, string];
    try {
      reply = (await client(config.url).eval(SCRIPT, 3, key, `${key}:entitlements`, effectsKey(config, appId), op, ctx.idempotencyKey, payload, enabled)) as [string, string];
    } catch (err) {
      throw new ConnectorError({ code: 'transient', message: `dev-redis ${op} failed: ${(err as Error).message}`, cause: err, context: { appId, op } });
    }
    const [outcome, before] = reply;
    if (outcome === 'missing') return { outcome: 'not-applicable' };
    ctx.log.debug({ appId, op, outcome }, 'dev-redis operation');
    return {
      outcome: outcome as OperationResult['outcome'],
      externalRef: personKey,
      ...(before ? { before: parseBefore(before) } : {}),
    };
  }

  return defineConnector({
    id: 'dev-redis',
    version: '0.1.0',
    description: 'Development target that keeps accounts in Redis. Not for production.',
    config: Config as z.ZodType<Config>,
    secrets: [],
    /** An update replaces the stored attributes whole: every name whose value would change, absent ones included. */
    attributeDrift(_config, req) {
      const names = new Set([...Object.keys(req.held), ...Object.keys(req.attributes)]);
      return [...names].filter((name) => req.held[name] !== req.attributes[name]).sort();
    },
    capabilities: [
      'account.read',
      'account.create',
      'account.update',
      'account.suspend',
      'account.restore',
      'account.delete',
      'access.grant',
      'access.revoke',
      'accounts.list',
      'unique.check',
    ],
    operations: {
      async readAccount(ctx, req) {
        const key = accountKey(ctx.config, ctx.appId, req.account.personKey);
        const redis = client(ctx.config.url);
        const [record, entitlements] = await Promise.all([redis.hgetall(key), redis.smembers(`${key}:entitlements`)]);
        if (!record.enabled) return { exists: false };
        return {
          exists: true,
          externalRef: req.account.personKey,
          enabled: record.enabled === '1',
          attributes: JSON.parse(record.attributes ?? '{}') as AppAttributes,
          entitlements: entitlements.sort(),
        };
      },
      createAccount: (ctx, req) => apply(ctx, req.account.personKey, 'create', stableJson(req.attributes), req.enabled ? '1' : '0'),
      updateAccount: (ctx, req) => apply(ctx, req.account.personKey, 'update', stableJson(req.attributes)),
      suspendAccount: (ctx, req) => apply(ctx, req.account.personKey, 'suspend'),
      restoreAccount: (ctx, req) => apply(ctx, req.account.personKey, 'restore'),
      deleteAccount: (ctx, req) => apply(ctx, req.account.personKey, 'delete'),
      grantAccess: (ctx, req) => apply(ctx, req.account.personKey, 'grant', req.entitlement),
      revokeAccess: (ctx, req) => apply(ctx, req.account.personKey, 'revoke', req.entitlement),
      /**
       * Every account hash under the app's prefix, in key order (keyset paging: the cursor is the last
       * key listed, so SCAN's own cursor, which may repeat keys, never leaks out). The key's suffix is
       * the externalRef, and the person key when it is one: an account written there by hand under
       * another name is listed as unmanaged.
       */
      async listAccounts(ctx, req) {
        pageSizeOf(req);
        if (req.cursor !== undefined) keyOfCursor(req.cursor);
        const redis = client(ctx.config.url);
        const prefix = accountKey(ctx.config, ctx.appId, '');
        try {
          const { page, nextCursor } = keysetPage(await accountKeys(redis, prefix, ctx.signal), (key) => key, req);
          const replies = page.length === 0 ? [] : ((await redis.pipeline(page.flatMap((key) => [['hgetall', key], ['smembers', `${key}:entitlements`]])).exec()) ?? []);
          const accounts: ListedAccount[] = [];
          page.forEach((key, i) => {
            const [recordErr, record] = replies[2 * i] ?? [];
            const [setErr, entitlements] = replies[2 * i + 1] ?? [];
            if (recordErr || setErr) throw recordErr ?? setErr;
            const fields = record as Record<string, string> | undefined;
            // Deleted between the scan and the read: not there any more.
            if (!fields?.enabled) return;
            accounts.push(listedAccount(key.slice(prefix.length), fields, entitlements as string[]));
          });
          ctx.heartbeat({ listed: accounts.length });
          return { accounts, ...(nextCursor ? { nextCursor } : {}) };
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          throw new ConnectorError({ code: 'transient', message: `dev-redis listAccounts failed: ${(err as Error).message}`, cause: err, context: { appId: ctx.appId } });
        }
      },
      /**
       * Scans the app's accounts (a development target holds few) for an attribute whose value is
       * exactly `value`. Reading is not atomic with a later create: like any real app, two joiners
       * resolving at the same moment can both see a value free.
       */
      async checkUnique(ctx, req) {
        const redis = client(ctx.config.url);
        const prefix = accountKey(ctx.config, ctx.appId, '');
        const holders: string[] = [];
        let cursor = '0';
        do {
          ctx.signal.throwIfAborted();
          let keys: string[];
          try {
            // Account hashes only; the `:entitlements` sets are of another type. MATCH is a glob, so escape the prefix.
            [cursor, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 500, 'TYPE', 'hash');
            const values = keys.length === 0 ? [] : await redis.pipeline(keys.map((k) => ['hget', k, 'attributes'])).exec();
            keys.forEach((key, i) => {
              const attributes = JSON.parse(String(values?.[i]?.[1] ?? '{}')) as AppAttributes;
              const held = attributes[req.attribute];
              if (held !== undefined && held !== null && String(held) === req.value) holders.push(key.slice(prefix.length));
            });
          } catch (err) {
            throw new ConnectorError({ code: 'transient', message: `dev-redis checkUnique failed: ${(err as Error).message}`, cause: err, context: { appId: ctx.appId } });
          }
        } while (cursor !== '0');
        const holder = holders.length === 0 ? 'none' : holders.includes(req.account.personKey) ? 'this-person' : 'other';
        ctx.log.debug({ appId: ctx.appId, attribute: req.attribute, holder }, 'dev-redis unique check');
        return { holder };
      },
    },
    async dispose() {
      await Promise.all([...clients.values()].map((c) => c.quit().catch(() => c.disconnect())));
      clients.clear();
    },
  });
}

/** The keys of every account hash below `prefix` (the `:entitlements` sets are of another type). */
async function accountKeys(redis: Redis, prefix: string, signal: AbortSignal): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    signal.throwIfAborted();
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 500, 'TYPE', 'hash');
    for (const key of batch) keys.add(key);
    cursor = next;
  } while (cursor !== '0');
  return [...keys];
}

/** One listed account from its hash fields; exported for unit tests. */
export function listedAccount(ref: string, fields: Record<string, string>, entitlements: readonly string[]): ListedAccount {
  return {
    externalRef: ref,
    ...(PersonKey.safeParse(ref).success ? { personKey: ref } : {}),
    enabled: fields.enabled === '1',
    attributes: JSON.parse(fields.attributes ?? '{}') as AppAttributes,
    entitlements: [...entitlements].sort(),
  };
}

/** A Redis glob (SCAN MATCH) that matches `text` literally. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

function parseBefore(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** JSON with sorted keys, so that equal attributes compare equal in the script. */
export function stableJson(value: AppAttributes): string {
  return JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}
