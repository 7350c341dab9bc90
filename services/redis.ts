import type { RedisOptions } from 'ioredis';

/** Deadlines of the services' Redis clients (config: JML_REDIS_COMMAND_TIMEOUT_MS, JML_REDIS_CONNECT_TIMEOUT_MS). */
export interface RedisTimeouts {
  /** Every command, queued or sent, is rejected ("Command timed out") when it has no answer by then. */
  readonly commandTimeoutMs: number;
  /** Opening the TCP connection, and again the ready check that follows it. */
  readonly connectTimeoutMs: number;
}

/**
 * Options of a Redis client the services use (edge dedupe, rate limits, the mass-change guard, the
 * pollers' snapshots and ledger). Redis is an accelerator here, never the record: every caller
 * either degrades (dedupe and rate limits fail open) or fails its step so that Temporal retries it,
 * and both need an answer in bounded time. A Redis that stops answering (frozen, partitioned, a
 * full network buffer) would otherwise hold a webhook, an activity or a guard decision forever:
 * ioredis has no command deadline by default.
 *
 * - `commandTimeout`: every command fails by its deadline, whatever the connection is doing.
 * - `connectTimeout`: a TCP connect that is not established in time fails and is retried by
 *   ioredis' reconnect loop; meanwhile commands fail at once (no offline queue) instead of waiting.
 * - `maxRetriesPerRequest: 1`: a command interrupted by a dropped connection is resent once.
 */
export function serviceRedisOptions(timeouts: RedisTimeouts): RedisOptions {
  return {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    commandTimeout: timeouts.commandTimeoutMs,
    connectTimeout: timeouts.connectTimeoutMs,
    disconnectTimeout: timeouts.connectTimeoutMs,
  };
}
