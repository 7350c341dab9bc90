import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountKey } from '../../connectors/dev-redis';
import { toolPaths } from '../../infra/stack/paths';
import { eventWorkflowId, type EventOutcome } from '../../schemas/contracts';
import { loadConfig, type Config } from '../../services/config';
import { createRedis, RedisAuthError } from '../../services/connections/redis';
import { connectTemporalWorker, temporalConnectionOptions } from '../../services/connections/temporal';
import { createKafka } from '../../services/kafka/client';
import { createLogger } from '../../services/log';
import { serviceRedisOptions } from '../../services/redis';
import { startPipeline, type Pipeline } from '../../services/runtime';
import { startApiKeyProxy, type ApiKeyProxy } from '../harness/api-key-proxy';
import { startSecureKafka, type SecureKafka } from '../harness/secure-kafka';
import { createTestCa, type IssuedCert, type TestCa } from '../harness/test-ca';
import { startTlsProxy, type TlsProxy } from '../harness/tls-proxy';
import { startTlsRedisServer, type TlsRedisServer } from '../harness/tls-redis-server';
import { postSigned } from '../support/canonical-client';
import { makeEvent } from '../support/events';
import { eventually } from '../support/wait';

/**
 * The pipeline's clients over secure connections, on real servers started here: a second Kafka
 * broker with a SASL_SSL listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), a redis-server serving only
 * TLS with an ACL user, and the shared Temporal dev server behind TLS-terminating proxies (one
 * server-TLS only, one requiring a client certificate, one checking an API key the way Temporal Cloud
 * does). Everything started here is stopped in afterAll.
 */
const run = Date.now().toString(36);
const quiet = pino({ level: 'silent' });
const KAFKA_USER = { name: 'jml', password: `kafka-${run}-password` };
const REDIS_USER = { name: 'jml', password: `redis-${run}-password-1` };
/** The gateway's signing key for this run: made here, never a literal in the repository. */
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const PIPELINE_REDIS_PASSWORD = `pipeline-${run}-redis`;

describe('secure connections on real servers', () => {
  const stack = inject('stack');
  const config = loadConfig({});
  let dir: string;
  let ca: TestCa;
  let client: IssuedCert;
  let kafka: SecureKafka;
  let redis: TlsRedisServer;
  let tlsProxy: TlsProxy;
  let mtlsProxy: TlsProxy;
  let apiKeyProxy: ApiKeyProxy;
  /** The API key the API key proxy accepts now. */
  let acceptedApiKey = `api-key-${run}-1`;
  const file = (name: string) => join(dir, name);
  /** Writes a secret file and returns its reference, as an operator would set it. */
  const secretFile = async (name: string, value: string) => {
    await writeFile(file(name), `${value}\n`, { mode: 0o600 });
    return JSON.stringify({ file: file(name) });
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jml-secure-'));
    ca = await createTestCa(dir);
    const [proxyCert, redisCert] = await Promise.all([ca.issue('temporal-proxy'), ca.issue('redis-server')]);
    client = await ca.issue('jml-client');
    [kafka, redis, tlsProxy, mtlsProxy, apiKeyProxy] = await Promise.all([
      startSecureKafka({ dir, tools: toolPaths(config.cacheDir), ca, users: [KAFKA_USER], say: (line) => process.stderr.write(`[secure-kafka] ${line}\n`) }),
      startTlsRedisServer({ cert: redisCert, caFile: ca.caFile, user: REDIS_USER, defaultPassword: `default-${run}-password` }),
      startTlsProxy({ target: stack.temporalAddress, cert: proxyCert }),
      startTlsProxy({ target: stack.temporalAddress, cert: proxyCert, clientCa: ca.caPem }),
      startApiKeyProxy({ target: stack.temporalAddress, cert: proxyCert, apiKey: () => acceptedApiKey }),
    ]);
    // The pipeline's own ACL user in the TLS Redis (edge dedupe, rate limits, guard).
    const admin = new Redis(redis.url, { tls: { ca: ca.caPem }, password: `default-${run}-password` });
    await admin.call('ACL', 'SETUSER', 'pipeline', 'on', `>${PIPELINE_REDIS_PASSWORD}`, '~*', '&*', '+@all');
    admin.disconnect();
  });

  afterAll(async () => {
    await Promise.allSettled([kafka?.stop(), redis?.stop(), tlsProxy?.stop(), mtlsProxy?.stop(), apiKeyProxy?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The pipeline's Kafka (SASL_SSL, `mechanism`) and Redis (TLS, ACL user `pipeline`) settings. */
  const secureKafkaAndRedisEnv = async (mechanism: string): Promise<NodeJS.ProcessEnv> => ({
    KAFKA_TLS_CA: ca.caFile,
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: KAFKA_USER.name,
    KAFKA_SASL_PASSWORD: await secretFile('pipeline-kafka-password', KAFKA_USER.password),
    REDIS_TLS_CA: ca.caFile,
    REDIS_USERNAME: 'pipeline',
    REDIS_PASSWORD: await secretFile('pipeline-redis-password', PIPELINE_REDIS_PASSWORD),
  });

  /**
   * Starts the pipeline (gateway, dispatcher, workers) on the SASL_SSL broker, the TLS Redis and
   * Temporal at `temporalAddress`, with `env`; posts a joiner and waits until its workflow created
   * the account in the policy's one app (in the shared plain Redis, standing for an external
   * application); then posts the same event again and expects the edge dedupe (in the TLS Redis) to
   * call it a duplicate. The events never touch the shared Kafka, whose topics other pipelines on
   * this machine may be dispatching from.
   */
  const joinerThroughPipeline = async (label: string, temporalAddress: string, env: NodeJS.ProcessEnv) => {
    const endpoints = { kafkaBrokers: kafka.brokers, temporalAddress, redisUrl: redis.url };
    const prefix = `jml:it-secure:${run}:${label}`;
    const policy = file(`policy-${label}.yaml`);
    const app = `{ connector: dev-redis, settings: { url: "${stack.redisUrl}", keyPrefix: "${prefix}" } }`;
    await writeFile(policy, `version: 1\napps:\n  directory: ${app}\nrules:\n  - { name: everyone, when: { workerType: employee }, grant: { directory: [] } }\n`);
    const c = loadConfig({
      ...process.env,
      KAFKA_BROKERS: endpoints.kafkaBrokers,
      TEMPORAL_ADDRESS: endpoints.temporalAddress,
      REDIS_URL: endpoints.redisUrl,
      ...env,
      JML_CANONICAL_SECRET: SECRET,
      JML_CONFIG_FILE: policy,
      TEMPORAL_TASK_QUEUE: `secure-${run}-${label}`,
      LOG_LEVEL: 'warn',
    });
    let pipeline: Pipeline | undefined;
    const apps = new Redis(stack.redisUrl);
    try {
      pipeline = await startPipeline({
        config: c,
        endpoints,
        log: createLogger({ name: `it-secure-${label}`, level: 'warn' }),
        gatewayPort: 0,
        workflowBundle: { code: inject('workflowBundleCode') },
        dispatcherGroupId: `secure-${run}-${label}`,
        dispatcherStartAt: 'now',
        parts: { pollers: false },
      });
      const personKey = `test:${run}-${label}`;
      const event = makeEvent({ personKey, type: 'jml.joiner' });
      const url = pipeline.gatewayUrl as string;
      expect(await postSigned({ url, secret: SECRET, body: event, webhookId: `wh-${run}-${label}-1` })).toEqual({ status: 202, json: { accepted: true, id: event.id } });
      const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(personKey, event.id));
      const outcome = await eventually(`the event workflow (${label})`, async () => (await handle.describe()) && ((await handle.result()) as EventOutcome), 45_000);
      expect(outcome.apps.map((a) => [a.appId, a.steps])).toEqual([['directory', [{ operation: 'createAccount', outcome: 'applied' }]]]);
      expect(await apps.hget(accountKey({ keyPrefix: prefix }, 'directory', personKey), 'enabled')).toBe('1');
      expect(await postSigned({ url, secret: SECRET, body: event, webhookId: `wh-${run}-${label}-2` })).toEqual({ status: 202, json: { accepted: true, id: event.id, duplicate: true } });
    } finally {
      await pipeline?.stop();
      apps.disconnect();
    }
  };

  describe('kafka SASL_SSL', () => {
    const kafkaConfig = async (mechanism: string, password = KAFKA_USER.password, passwordFile = `kafka-password-${mechanism}`) =>
      loadConfig({ KAFKA_TLS_CA: ca.caFile, KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: KAFKA_USER.name, KAFKA_SASL_PASSWORD: await secretFile(passwordFile, password) });

    it('scram-sha-256 > the pipeline admin creates a topic, its producer and a consumer round-trip a record over TLS', async () => {
      const c = await kafkaConfig('scram-sha-256');
      const client = createKafka({ brokers: kafka.brokers, clientId: 'it-secure', log: quiet, security: c.connections.kafka });
      const topic = `secure-${run}`;
      const admin = client.admin();
      await admin.connect();
      const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
      const consumer = client.consumer({ groupId: `secure-${run}` });
      try {
        expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })).toBe(true);
        await producer.connect();
        await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: `hello over SASL_SSL ${run}` }] });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const received = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no record within 20 s')), 20_000);
          void consumer.run({
            eachMessage: async ({ message }) => {
              clearTimeout(timer);
              resolve(message.value?.toString() ?? '');
            },
          });
        });
        expect(received).toBe(`hello over SASL_SSL ${run}`);
      } finally {
        await Promise.allSettled([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
      }
    });

    it.each(['scram-sha-512', 'plain'])('%s > connects and reads the cluster', async (mechanism) => {
      const c = await kafkaConfig(mechanism);
      const admin = createKafka({ brokers: kafka.brokers, clientId: `it-secure-${mechanism}`, log: quiet, security: c.connections.kafka, retries: 0 }).admin();
      await admin.connect();
      try {
        expect((await admin.describeCluster()).brokers.map((b) => `${b.host}:${b.port}`)).toEqual([kafka.brokers]);
      } finally {
        await admin.disconnect();
      }
    });

    it('wrong password > fails with an authentication error; after the file is corrected the same client authenticates (rotation)', async () => {
      const c = await kafkaConfig('scram-sha-256', 'not-the-password', 'kafka-password-rotating');
      const admin = createKafka({ brokers: kafka.brokers, clientId: 'it-secure-wrong', log: quiet, security: c.connections.kafka, retries: 0 }).admin();
      const refused = await admin.connect().then(
        () => undefined,
        (err: Error) => err,
      );
      expect(refused?.name).toBe('KafkaJSSASLAuthenticationError');
      expect(refused?.message).toMatch(/SCRAM SHA256 authentication failed.*invalid credentials/i);
      expect(refused?.message).not.toContain('not-the-password');
      // The operator fixes the mounted file; no new client, no restart: the next connection reads it.
      await secretFile('kafka-password-rotating', KAFKA_USER.password);
      await admin.connect();
      try {
        expect((await admin.describeCluster()).brokers).toHaveLength(1);
      } finally {
        await admin.disconnect();
      }
    });

    it('client certificate > a listener with ssl.client.auth=required takes the configured certificate and refuses a client without one', async () => {
      const withCert = loadConfig({ KAFKA_TLS_CA: ca.caFile, KAFKA_TLS_CERT: client.certFile, KAFKA_TLS_KEY: JSON.stringify({ file: client.keyFile }) });
      const admin = createKafka({ brokers: kafka.mtlsBrokers, clientId: 'it-secure-mtls', log: quiet, security: withCert.connections.kafka, retries: 0 }).admin();
      await admin.connect();
      try {
        expect((await admin.describeCluster()).brokers.map((b) => `${b.host}:${b.port}`)).toEqual([kafka.mtlsBrokers]);
      } finally {
        await admin.disconnect();
      }
      const withoutCert = loadConfig({ KAFKA_TLS_CA: ca.caFile });
      const refused = createKafka({ brokers: kafka.mtlsBrokers, clientId: 'it-secure-mtls-none', log: quiet, security: withoutCert.connections.kafka, retries: 0, connectionTimeoutMs: 3_000 }).admin();
      // The broker ends the handshake with a TLS alert (42, bad certificate).
      await expect(refused.connect().then(() => refused.describeCluster())).rejects.toThrow(/bad certificate/);
      await refused.disconnect().catch(() => undefined);
    });

    it('certificates > a client that does not trust the broker CA is refused by TLS verification, never falling back', async () => {
      // TLS on, system CAs only (our test CA is not among them).
      const c = loadConfig({ KAFKA_TLS: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: KAFKA_USER.name, KAFKA_SASL_PASSWORD: await secretFile('kafka-password-untrusted', KAFKA_USER.password) });
      const admin = createKafka({ brokers: kafka.brokers, clientId: 'it-secure-untrusted', log: quiet, security: c.connections.kafka, retries: 0 }).admin();
      await expect(admin.connect()).rejects.toThrow(/unable to verify the first certificate/);
    });
  });

  describe('redis TLS + ACL', () => {
    const redisConfig = async (password: string, passwordFile: string): Promise<Config> =>
      loadConfig({ REDIS_URL: redis.url, REDIS_TLS_CA: ca.caFile, REDIS_USERNAME: REDIS_USER.name, REDIS_PASSWORD: await secretFile(passwordFile, password) });

    it("the services' client > connects with rediss://, the ACL user, a password file and the CA", async () => {
      const c = await redisConfig(REDIS_USER.password, 'redis-password');
      const client = createRedis(redis.url, c.connections.redis, serviceRedisOptions(c.redis));
      try {
        await client.connect();
        expect(await client.call('ACL', 'WHOAMI')).toBe(REDIS_USER.name);
        await client.set(`secure:${run}`, 'ok');
        expect(await client.get(`secure:${run}`)).toBe('ok');
      } finally {
        client.disconnect();
      }
    });

    it('wrong password > connect fails with an error naming the user and the file, never the password', async () => {
      const c = await redisConfig('not-the-redis-password', 'redis-password-wrong');
      const client = createRedis(redis.url, c.connections.redis, serviceRedisOptions(c.redis));
      try {
        const err = await client.connect().then(
          () => undefined,
          (e: Error) => e,
        );
        expect(err).toBeInstanceOf(RedisAuthError);
        expect(err?.message).toBe(`Redis at 127.0.0.1:${redis.port} refused user 'jml' (password from file ${file('redis-password-wrong')}): WRONGPASS invalid username-password pair or user is disabled.`);
      } finally {
        client.disconnect();
      }
    });

    it('rotation > after the server and the file change the password, the reconnect authenticates with the new one', async () => {
      const c = await redisConfig(REDIS_USER.password, 'redis-password-rotating');
      const client = createRedis(redis.url, c.connections.redis, serviceRedisOptions(c.redis));
      client.on('error', () => undefined);
      const admin = new Redis(redis.url, { tls: { ca: ca.caPem }, password: `default-${run}-password` });
      try {
        await client.connect();
        expect(await client.ping()).toBe('PONG');
        // Rotate: the user gets the new password and loses the old one, then the mounted file changes.
        const next = `redis-${run}-password-2`;
        await admin.call('ACL', 'SETUSER', REDIS_USER.name, `>${next}`, `<${REDIS_USER.password}`);
        await secretFile('redis-password-rotating', next);
        // Drop the client's connection: ioredis reconnects on its own, reading the password again.
        expect(Number(await admin.call('CLIENT', 'KILL', 'USER', REDIS_USER.name))).toBeGreaterThanOrEqual(1);
        expect(await eventually('the reconnected client', () => client.call('ACL', 'WHOAMI').catch(() => undefined), 10_000)).toBe(REDIS_USER.name);
        // The old password no longer opens a connection, so the reconnect really used the new one.
        const stale = new Redis(redis.url, { tls: { ca: ca.caPem }, username: REDIS_USER.name, password: REDIS_USER.password, lazyConnect: true, retryStrategy: () => null });
        stale.on('error', () => undefined);
        await expect(stale.connect()).rejects.toThrow();
        stale.disconnect();
      } finally {
        client.disconnect();
        admin.disconnect();
      }
    });
  });

  describe('temporal TLS and mTLS (dev server behind a TLS-terminating proxy)', () => {
    it('server TLS > a client verifying the proxy certificate by name reads the server, and a worker connects', async () => {
      const c = loadConfig({ TEMPORAL_TLS_CA: ca.caFile, TEMPORAL_TLS_SERVER_NAME: 'localhost' });
      const connection = await Connection.connect(temporalConnectionOptions(c.connections.temporal, tlsProxy.address));
      try {
        expect((await connection.workflowService.getSystemInfo({})).serverVersion).toMatch(/^\d+\.\d+/);
      } finally {
        await connection.close();
      }
      const worker = await connectTemporalWorker(c.connections.temporal, tlsProxy.address);
      await worker.close();
    });

    it('mTLS > without a client certificate the proxy refuses both the client and the worker', async () => {
      const c = loadConfig({ TEMPORAL_TLS_CA: ca.caFile, TEMPORAL_TLS_SERVER_NAME: 'localhost' });
      const refusedBefore = mtlsProxy.stats.refused;
      const probe = Connection.connect({ ...temporalConnectionOptions(c.connections.temporal, mtlsProxy.address), connectTimeout: 3_000 }).then(async (conn) => {
        try {
          await conn.workflowService.getSystemInfo({});
        } finally {
          await conn.close();
        }
      });
      await expect(probe).rejects.toThrow();
      // Refused in the TLS handshake, not for another reason: the proxy counted a client error.
      const refusedClient = mtlsProxy.stats.refused;
      expect(refusedClient).toBeGreaterThan(refusedBefore);
      // Under TLS 1.3 the client may see the server's alert (CertificateRequired), the closed
      // connection, or a broken pipe when its first write races the close, whichever comes first;
      // the proxy's count says which side refused.
      await expect(connectTemporalWorker(c.connections.temporal, mtlsProxy.address)).rejects.toThrow(
        /CertificateRequired|connection closed|broken pipe|BrokenPipe/,
      );
      expect(mtlsProxy.stats.refused).toBeGreaterThan(refusedClient);
    });

    it('mTLS > the pipeline runs over all three: Kafka SASL_SSL, Redis TLS + ACL, Temporal mTLS; an event goes from the gateway to the app', async () => {
      const accepted = mtlsProxy.stats.accepted;
      await joinerThroughPipeline('mtls', mtlsProxy.address, {
        ...(await secureKafkaAndRedisEnv('scram-sha-512')),
        TEMPORAL_TLS_CA: ca.caFile,
        TEMPORAL_TLS_SERVER_NAME: 'localhost',
        TEMPORAL_TLS_CERT: client.certFile,
        TEMPORAL_TLS_KEY: JSON.stringify({ file: client.keyFile }),
      });
      // The client and both workers came through the mTLS proxy.
      expect(mtlsProxy.stats.accepted - accepted).toBeGreaterThanOrEqual(3);
    }, 90_000);

    it('API key > a wrong key is refused; after the file changes, the same client and worker connections use the new key', async () => {
      const keyFile = 'temporal-api-key';
      const c = loadConfig({ TEMPORAL_TLS_CA: ca.caFile, TEMPORAL_TLS_SERVER_NAME: 'localhost', TEMPORAL_API_KEY: await secretFile(keyFile, acceptedApiKey) });
      const connection = await Connection.connect(temporalConnectionOptions(c.connections.temporal, apiKeyProxy.address));
      const worker = await connectTemporalWorker(c.connections.temporal, apiKeyProxy.address, { refreshMs: 100 });
      try {
        expect((await connection.workflowService.getSystemInfo({})).serverVersion).toMatch(/^\d+\./);
        expect((await worker.connection.workflowService.getSystemInfo({})).serverVersion).toMatch(/^\d+\./);
        // The server's key changes first: both connections are now refused with the old one.
        acceptedApiKey = `api-key-${run}-2`;
        await expect(connection.workflowService.getSystemInfo({})).rejects.toThrow(/UNAUTHENTICATED/);
        await expect(worker.connection.workflowService.getSystemInfo({})).rejects.toThrow(/API key refused/);
        // Then the mounted file: no reconnect, no restart.
        await secretFile(keyFile, acceptedApiKey);
        expect((await connection.workflowService.getSystemInfo({})).serverVersion).toMatch(/^\d+\./);
        await eventually('the worker connection using the new key', () => worker.connection.workflowService.getSystemInfo({}).catch(() => undefined), 5_000);
      } finally {
        await Promise.allSettled([connection.close(), worker.close()]);
      }
    });

    it('API key > the pipeline (client and workers) runs an event with a key from a file', async () => {
      const refused = apiKeyProxy.stats.refused;
      await joinerThroughPipeline('api-key', apiKeyProxy.address, {
        ...(await secureKafkaAndRedisEnv('scram-sha-256')),
        TEMPORAL_TLS_CA: ca.caFile,
        TEMPORAL_TLS_SERVER_NAME: 'localhost',
        TEMPORAL_API_KEY: await secretFile('pipeline-temporal-api-key', acceptedApiKey),
      });
      expect(apiKeyProxy.stats.refused).toBe(refused);
    }, 90_000);
  });
});
