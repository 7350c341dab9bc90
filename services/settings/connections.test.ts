import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCa, type IssuedCert, type TestCa } from '../../test/harness/test-ca';
import { ConfigError, loadConfig } from '../config';
import { connectionsEnv } from './connections';
import { kafkaSecurityOptions } from '../connections/kafka';
import { createRedis } from '../connections/redis';
import { temporalConnectionOptions } from '../connections/temporal';

const issuesOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
};
const ref = (file: string) => JSON.stringify({ file });

describe('connection settings', () => {
  let dir: string;
  let ca: TestCa;
  let client: IssuedCert;
  let other: IssuedCert;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jml-connections-'));
    ca = await createTestCa(dir);
    [client, other] = await Promise.all([ca.issue('client'), ca.issue('other')]);
  }, 30_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('defaults > plaintext to Kafka, Temporal and Redis, with no credentials', () => {
    expect(loadConfig({}).connections).toEqual({ kafka: {}, temporal: {}, redis: {} });
    expect(kafkaSecurityOptions(loadConfig({}).connections.kafka)).toEqual({});
    expect(temporalConnectionOptions(loadConfig({}).connections.temporal, 'h:7233')).toEqual({ address: 'h:7233' });
  });

  it('kafka > a CA path turns TLS on; SCRAM reads its password from the file again after it changed', async () => {
    const password = join(dir, 'kafka-password');
    await writeFile(password, 'first-password\n');
    const c = loadConfig({ KAFKA_TLS_CA: ca.caFile, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'jml', KAFKA_SASL_PASSWORD: ref(password) });
    const options = kafkaSecurityOptions(c.connections.kafka);
    expect(options.ssl).toMatchObject({ ca: ca.caPem.trim() });
    expect(options.sasl).toMatchObject({ mechanism: 'scram-sha-512', username: 'jml', password: 'first-password' });
    await writeFile(password, 'second-password\n');
    expect((options.sasl as { password: string }).password).toBe('second-password');
    // A password held in an environment variable is read through the variable named by the reference.
    const fromEnv = loadConfig({ KAFKA_TLS: 'true', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'jml', KAFKA_SASL_PASSWORD: '{"env":"KPW"}', KPW: 'env-password' });
    expect(kafkaSecurityOptions(fromEnv.connections.kafka)).toEqual({ ssl: {}, sasl: { mechanism: 'plain', username: 'jml', password: 'env-password' } });
  });

  it('problems > every one is listed at once, naming the variables and never a secret', () => {
    const issues = issuesOf({
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_TLS_CERT: client.certFile,
      KAFKA_TLS: 'true',
      TEMPORAL_TLS: 'false',
      TEMPORAL_API_KEY: '{"env":"TEMPORAL_KEY"}',
      TEMPORAL_KEY: 'temporal-key-value',
      REDIS_URL: 'redis://jml:hunter2-value@redis.internal:6379',
      REDIS_TLS_CA: ca.caFile,
      REDIS_USERNAME: 'jml',
    });
    expect(issues).toEqual([
      'KAFKA_TLS_CERT and KAFKA_TLS_KEY: set both (a client certificate and its key) or neither',
      'KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM=plain',
      'KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM=plain (a reference: {"env": NAME} or {"file": PATH})',
      'TEMPORAL_TLS is false, but TEMPORAL_API_KEY needs TLS; remove it or set TEMPORAL_TLS=true',
      'REDIS_URL: carries a password; leave it out of the URL and set REDIS_PASSWORD to a reference ({"env": NAME} or {"file": PATH})',
      'REDIS_TLS_CA is set but REDIS_URL is not rediss://; use rediss:// for TLS',
      'REDIS_PASSWORD: required with REDIS_USERNAME (a reference: {"env": NAME} or {"file": PATH})',
    ]);
    expect(issuesOf({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: '{"env":"P"}', P: 'x' })).toEqual([
      'KAFKA_SASL_MECHANISM=plain sends the password in the clear; set KAFKA_TLS=true (SASL_SSL)',
    ]);
    expect(issuesOf({ KAFKA_SASL_USERNAME: 'u' })).toEqual(['KAFKA_SASL_USERNAME set without KAFKA_SASL_MECHANISM (plain, scram-sha-256 or scram-sha-512)']);
  });

  it('secrets > a value instead of a reference is refused without repeating it; a missing file is named', () => {
    const bare = issuesOf({ KAFKA_SASL_PASSWORD: 'plain-text-secret', TEMPORAL_API_KEY: '/run/secrets/key' });
    expect(bare.join('\n')).toMatch(/KAFKA_SASL_PASSWORD/);
    expect(bare.join('\n')).toMatch(/TEMPORAL_API_KEY/);
    expect(bare.join('\n')).not.toContain('plain-text-secret');
    const missing = join(dir, 'no-such-file');
    expect(issuesOf({ REDIS_URL: 'rediss://r:6380', REDIS_PASSWORD: ref(missing) })).toEqual([`REDIS_PASSWORD: secret file ${missing} cannot be read (ENOENT)`]);
  });

  it('pem > a CA that is not a certificate, a key that is not a key, and a key of another certificate are refused at boot', async () => {
    const junk = join(dir, 'junk.pem');
    await writeFile(junk, 'not a certificate\n');
    expect(issuesOf({ TEMPORAL_TLS_CA: junk, KAFKA_TLS_CERT: client.certFile, KAFKA_TLS_KEY: ref(junk) })).toEqual([
      'KAFKA_TLS_KEY: is not a PEM private key',
      'TEMPORAL_TLS_CA: is not a PEM certificate',
    ]);
    expect(issuesOf({ TEMPORAL_TLS_CERT: client.certFile, TEMPORAL_TLS_KEY: ref(other.keyFile) })).toEqual([
      'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: the key does not belong to the certificate',
    ]);
    expect(issuesOf({ TEMPORAL_TLS_CERT: '{"file": 3}' })).toEqual(['TEMPORAL_TLS_CERT: must be a path or a JSON reference {"env": NAME} / {"file": PATH}']);
  });

  it('temporal > mTLS material and server name for the connection; an API key implies TLS and is read per request', async () => {
    const keyFile = join(dir, 'temporal-api-key');
    await writeFile(keyFile, 'key-one');
    const c = loadConfig({ TEMPORAL_TLS_CA: ca.caFile, TEMPORAL_TLS_CERT: client.certFile, TEMPORAL_TLS_KEY: ref(client.keyFile), TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
    const options = temporalConnectionOptions(c.connections.temporal, '10.0.0.1:7233');
    expect(options.tls).toEqual({
      serverNameOverride: 'temporal.internal',
      serverRootCACertificate: Buffer.from(ca.caPem.trim()),
      clientCertPair: { crt: Buffer.from(client.certPem.trim()), key: Buffer.from(client.keyPem.trim()) },
    });
    const cloud = temporalConnectionOptions(loadConfig({ TEMPORAL_API_KEY: ref(keyFile) }).connections.temporal, 'ns.tmprl.cloud:7233');
    expect(cloud.tls).toEqual({});
    const apiKey = cloud.apiKey as () => string;
    expect(apiKey()).toBe('key-one');
    await writeFile(keyFile, 'key-two-longer');
    expect(apiKey()).toBe('key-two-longer');
  });

  it('redis > rediss:// with a CA, an ACL user and a password file that the client reads at each connect', async () => {
    const password = join(dir, 'redis-password');
    await writeFile(password, 'redis-one');
    const c = loadConfig({ REDIS_URL: 'rediss://redis.internal:6380', REDIS_TLS_CA: ca.caFile, REDIS_USERNAME: 'jml', REDIS_PASSWORD: ref(password) });
    const redis = createRedis('rediss://redis.internal:6380', c.connections.redis, { lazyConnect: true });
    expect(redis.options).toMatchObject({ host: 'redis.internal', port: 6380, username: 'jml', password: 'redis-one', tls: { ca: ca.caPem.trim() } });
    await writeFile(password, 'redis-two-rotated');
    expect(redis.options.password).toBe('redis-two-rotated');
    redis.disconnect();
  });

  it('docs > every variable is explained in .env.example and listed in the README', () => {
    const root = new URL('../../', import.meta.url);
    const example = readFileSync(new URL('.env.example', root), 'utf8');
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const names = Object.keys(connectionsEnv);
    expect(names.filter((name) => !example.includes(`# ${name}=`))).toEqual([]);
    expect(names.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});
