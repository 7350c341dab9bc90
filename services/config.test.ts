import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('config', () => {
  it('defaults > the documented ports, a user cache and no reused services', () => {
    const c = loadConfig({ HOME: '/home/ada' });
    expect(c.ports).toMatchObject({ kafka: 9092, temporal: 7233, temporalUi: 8233, redis: 6379 });
    expect(c.gateway.port).toBe(8080);
    expect(c.cacheDir).toMatch(/jml-pipeline$/);
    expect(c.reuse).toEqual({ kafkaBrokers: undefined, temporalAddress: undefined, redisUrl: undefined });
    expect(Object.isFrozen(c) && Object.isFrozen(c.ports)).toBe(true);
  });

  it('reuses > services named by env vars; blank values count as unset', () => {
    const c = loadConfig({ KAFKA_BROKERS: 'k:9092', TEMPORAL_ADDRESS: ' ', REDIS_URL: 'redis://r:6379', JML_CACHE_DIR: '/c' });
    expect(c.reuse).toEqual({ kafkaBrokers: 'k:9092', temporalAddress: undefined, redisUrl: 'redis://r:6379' });
    expect(c.stackDir).toBe('/c/stacks/default');
  });

  it('worker > sticky cache size only when set, at least 2', () => {
    expect(loadConfig({}).temporal).toEqual({ namespace: 'default', taskQueue: 'jml' });
    expect(loadConfig({ TEMPORAL_MAX_CACHED_WORKFLOWS: '12000' }).temporal.maxCachedWorkflows).toBe(12_000);
    expect(() => loadConfig({ TEMPORAL_MAX_CACHED_WORKFLOWS: '1' })).toThrow(ConfigError);
  });

  it('redis > every client gets command and connect deadlines, configurable', () => {
    expect(loadConfig({}).redis).toEqual({ commandTimeoutMs: 2_000, connectTimeoutMs: 3_000 });
    expect(loadConfig({ JML_REDIS_COMMAND_TIMEOUT_MS: '750', JML_REDIS_CONNECT_TIMEOUT_MS: '1500' }).redis).toEqual({ commandTimeoutMs: 750, connectTimeoutMs: 1_500 });
    expect(() => loadConfig({ JML_REDIS_COMMAND_TIMEOUT_MS: '0' })).toThrow(ConfigError);
  });

  it('fails > listing every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ KAFKA_PORT: 'ninety', GATEWAY_PORT: '70000', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.split(':')[0]).sort()).toEqual(['GATEWAY_PORT', 'KAFKA_PORT', 'LOG_LEVEL']);
  });

  it('fails > on an app id that is not a safe identifier', () => {
    expect(() => loadConfig({ JML_DEV_APPS: 'chat,Bad App' })).toThrow(/Bad App/);
  });
});
