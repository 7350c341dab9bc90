import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, withSingleBrokerDefaults } from './config';

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

  it('ops > the ops port 9464 and the Temporal metrics port 9465 by default, the host left to the mode; one port for both is refused', () => {
    expect(loadConfig({}).roles).toMatchObject({ opsPort: 9464, temporalMetricsPort: 9465 });
    expect(loadConfig({}).roles.opsHost).toBeUndefined();
    expect(loadConfig({ JML_OPS_HOST: '10.0.0.5', JML_OPS_PORT: '0' }).roles).toMatchObject({ opsHost: '10.0.0.5', opsPort: 0 });
    expect(() => loadConfig({ JML_OPS_PORT: '9500', JML_TEMPORAL_METRICS_PORT: '9500' })).toThrow(/JML_TEMPORAL_METRICS_PORT: 9500 is JML_OPS_PORT too/);
    expect(() => loadConfig({ JML_OPS_PORT: '70000' })).toThrow(/JML_OPS_PORT/);
  });

  it('worker > sticky cache size only when set, at least 2', () => {
    expect(loadConfig({}).temporal).toEqual({ namespace: 'default', taskQueue: 'jml' });
    expect(loadConfig({ TEMPORAL_MAX_CACHED_WORKFLOWS: '12000' }).temporal.maxCachedWorkflows).toBe(12_000);
    expect(() => loadConfig({ TEMPORAL_MAX_CACHED_WORKFLOWS: '1' })).toThrow(ConfigError);
  });

  it('kafka > production replication by default (3 copies, 2 in sync) and explicit retention per topic', () => {
    const k = loadConfig({}).kafka;
    expect([k.topics.replicationFactor, k.topics.minInsyncReplicas]).toEqual([3, 2]);
    const day = 24 * 3_600_000;
    expect(k.topics.retentionMs).toEqual({ raw: 7 * day, events: 30 * day, priority: 7 * day, dlq: 30 * day, audit: 365 * day, reconcile: 90 * day, security: 30 * day });
    expect(loadConfig({ KAFKA_RETENTION_HOURS_RAW: '36' }).kafka.topics.retentionMs.raw).toBe(36 * 3_600_000);
    expect([k.produceDeadlineMs, k.maxQueuedCalls]).toEqual([5_000, 10_000]);
  });

  it('kafka > min.insync.replicas above the replication factor is refused, naming both variables', () => {
    expect(() => loadConfig({ KAFKA_REPLICATION_FACTOR: '1' })).toThrow(/KAFKA_MIN_INSYNC_REPLICAS: 2 is more than KAFKA_REPLICATION_FACTOR \(1\)/);
  });

  it('kafka > a single-broker development cluster replicates once unless the environment says otherwise', () => {
    expect(loadConfig(withSingleBrokerDefaults({})).kafka.topics).toMatchObject({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(loadConfig(withSingleBrokerDefaults({ KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' })).kafka.topics).toMatchObject({
      replicationFactor: 3,
      minInsyncReplicas: 2,
    });
  });

  it('gateway > body limit under Kafka\'s default max.message.bytes, an event cap and server timeouts by default', () => {
    const g = loadConfig({}).gateway;
    expect([g.bodyLimitBytes, g.maxEventBytes]).toEqual([1_000_000, 65_536]);
    expect(g.timeouts).toEqual({ requestMs: 30_000, connectionMs: 70_000, keepAliveMs: 65_000, headersMs: 10_000 });
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

  it('secrets > refuses empty, non-base64 and short keys at load, every one listed, never echoing a key', () => {
    const strong = 'x'.repeat(24);
    const bamboo = JSON.stringify({ acme: { webhookKey: [{ env: 'OLD' }, { env: 'SHORT' }], apiKey: { env: 'OLD' }, companyDomain: 'acme' } });
    const workday = JSON.stringify({ acme: { secret: { env: 'SHORT' }, defaultTimeZone: 'UTC' } });
    for (const [key, why] of [
      ['whsec_', /decodes to 0 bytes/],
      ['whsec_!!!!', /not valid base64/],
      ['whsec_a', /not valid base64/],
      ['whsec_dW51c2Vk', /decodes to 6 bytes/],
      ['short-plain-text', /is 16 bytes long/],
    ] as const) {
      let error: unknown;
      try {
        loadConfig({ JML_CANONICAL_SECRET: key, OLD: strong, SHORT: 'k', JML_BAMBOOHR_TENANTS: bamboo, JML_WORKDAY_TENANTS: workday });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues;
      expect(issues.map((i) => i.split(':')[0])).toEqual([
        'JML_BAMBOOHR_TENANTS.acme.webhookKey[1]',
        'JML_WORKDAY_TENANTS.acme.secret',
        'JML_CANONICAL_SECRET',
      ]);
      expect(issues[2]).toMatch(why);
      expect(issues[0]).toMatch(/is 1 bytes long; at least 24/);
      if (key.length > 10) expect((error as Error).message).not.toContain(key);
    }
  });

  it('secrets > keys of 24 bytes pass: whsec_ by decoded bytes, other keys by UTF-8 bytes', () => {
    const c = loadConfig({
      JML_CANONICAL_SECRET: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
      K: 'é'.repeat(12),
      JML_BAMBOOHR_TENANTS: JSON.stringify({ acme: { webhookKey: [{ env: 'K' }, { env: 'K' }], apiKey: { env: 'K' }, companyDomain: 'acme' } }),
      JML_WORKDAY_TENANTS: JSON.stringify({ acme: { secret: { env: 'K' }, defaultTimeZone: 'UTC' } }),
    });
    expect(c.gateway.canonicalKeys.map((k) => k.name)).toEqual(['JML_CANONICAL_SECRET']);
    expect(c.bamboohr.acme?.webhookKeys).toHaveLength(2);
    expect(c.workday.acme?.secrets).toHaveLength(1);
  });

  it('secrets > JML_CANONICAL_SECRETS lists keys with the source and subject prefixes each may send for', () => {
    const c = loadConfig({
      A: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
      B: `whsec_${Buffer.alloc(32, 2).toString('base64')}`,
      JML_CANONICAL_SECRETS: JSON.stringify([{ secret: { env: 'A' } }, { secret: { env: 'B' }, sources: ['/hr/bamboohr/'], subjects: ['bamboohr:'] }]),
    });
    expect(c.gateway.canonicalKeys).toEqual([
      { name: 'JML_CANONICAL_SECRETS[0]', secret: expect.stringMatching(/^whsec_/) },
      { name: 'JML_CANONICAL_SECRETS[1]', secret: expect.stringMatching(/^whsec_/), sources: ['/hr/bamboohr/'], subjects: ['bamboohr:'] },
    ]);
    expect(() => loadConfig({ A: 'x'.repeat(30), JML_CANONICAL_SECRET: 'x'.repeat(30), JML_CANONICAL_SECRETS: JSON.stringify([{ secret: { env: 'A' } }]) })).toThrow(/both set/);
    expect(loadConfig({}).gateway.canonicalKeys).toEqual([]);
  });

  it('sources > every registered source is read, by id, with its tenants and poll interval', () => {
    const c = loadConfig({ K: 'k'.repeat(24), JML_WORKDAY_TENANTS: JSON.stringify({ acme: { secret: { env: 'K' }, defaultTimeZone: 'UTC' } }), JML_BAMBOOHR_POLL_INTERVAL_SECONDS: '0' });
    expect(Object.keys(c.sources)).toEqual(['bamboohr', 'workday', 'canonical']);
    expect(c.sources.workday).toEqual({ tenants: { acme: { secrets: ['k'.repeat(24)], defaultTimeZone: 'UTC' } }, pollIntervalMs: 900_000 });
    expect(c.sources.bamboohr).toEqual({ tenants: {}, pollIntervalMs: 0 });
    expect(c.workday).toBe(c.sources.workday.tenants);
  });
});
