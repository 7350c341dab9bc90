import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaSecurityOptions } from '../../services/connections/kafka';
import { createRedis } from '../../services/connections/redis';
import { temporalConnectionOptions } from '../../services/connections/temporal';
import type { KafkaSecurity, RedisSecurity, TemporalSecurity } from '../../services/settings/connections';
import { run } from './exec';
import type { StartSpec } from './process';
import { SEARCH_ATTRIBUTES } from './versions';

/** One server of the stack: how to prepare its data, how to start it, how to know it is ready. */
export interface ServerDef {
  name: 'kafka' | 'temporal' | 'redis';
  port: number;
  /** Extra ports the server binds (the Kafka controller, the Temporal UI). */
  extraPorts: number[];
  prepare(): Promise<void>;
  spec(): StartSpec;
  ready(): Promise<boolean>;
  readyTimeoutMs: number;
}

export interface InstanceLayout {
  dir: string;
  logs: string;
  pids: string;
  persistent: boolean;
}

export function kafkaServer(opts: { layout: InstanceLayout; libs: string; port: number; controllerPort: number }): ServerDef {
  const { layout, libs, port, controllerPort } = opts;
  const dataDir = join(layout.dir, 'kafka');
  const configDir = join(layout.dir, 'kafka-config');
  const props = join(configDir, 'server.properties');
  const log4j = join(configDir, 'log4j.properties');
  const classpath = `${libs}/*`;
  const jvmLogging = [`-Dlog4j.configuration=file:${log4j}`, `-Dkafka.logs.dir=${layout.logs}`];
  return {
    name: 'kafka',
    port,
    extraPorts: [controllerPort],
    readyTimeoutMs: 90_000,
    async prepare() {
      await mkdir(configDir, { recursive: true });
      await writeFile(
        props,
        [
          'process.roles=broker,controller',
          'node.id=1',
          `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
          `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
          `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
          'controller.listener.names=CONTROLLER',
          'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
          `log.dirs=${dataDir}`,
          'num.partitions=6',
          'auto.create.topics.enable=false',
          'offsets.topic.replication.factor=1',
          'offsets.topic.num.partitions=6',
          'transaction.state.log.replication.factor=1',
          'transaction.state.log.min.isr=1',
          'group.initial.rebalance.delay.ms=0',
          '',
        ].join('\n'),
      );
      await writeFile(
        log4j,
        [
          'log4j.rootLogger=WARN, stdout',
          'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
          'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
          'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
          '',
        ].join('\n'),
      );
      if (!existsSync(join(dataDir, 'meta.properties'))) {
        // base64url of 16 random bytes, like Kafka's own ids; never starting with '-', which the
        // storage tool's argument parser would take for an option (about one run in 64 failed so).
        let clusterId = randomBytes(16).toString('base64url');
        while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
        await run('java', [...jvmLogging, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props], {
          logFile: join(layout.logs, 'kafka.log'),
        });
      }
    },
    spec: () => ({
      name: 'kafka',
      cmd: 'java',
      args: ['-Xms256m', '-Xmx768m', '-XX:+UseG1GC', '-Djava.awt.headless=true', ...jvmLogging, '-cp', classpath, 'kafka.Kafka', props],
      logFile: join(layout.logs, 'kafka.log'),
      pidFile: join(layout.pids, 'kafka.pid'),
    }),
    ready: () => kafkaReady(`127.0.0.1:${port}`),
  };
}

/** `security`: the pipeline's TLS/SASL settings, for a reused cluster that requires them. */
export async function kafkaReady(brokers: string, security?: KafkaSecurity): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'jml-stack-probe',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2_000,
    ...(security ? kafkaSecurityOptions(security) : {}),
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export function temporalServer(opts: {
  layout: InstanceLayout;
  bin: string;
  port: number;
  uiPort: number;
  httpPort: number;
  metricsPort: number;
  ui: boolean;
  /** Where the UI sends payloads to be decoded (our codec server); the browser calls it directly. */
  uiCodecEndpoint?: string | undefined;
}): ServerDef {
  const { layout, bin, port, uiPort, httpPort, metricsPort, ui } = opts;
  const attributes = Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
  const persistence = layout.persistent
    ? [
        '--db-filename',
        join(layout.dir, 'temporal.db'),
        '--sqlite-pragma',
        'journal_mode=WAL',
        // No fsync per commit (WAL still survives a crash of the server; not of the machine): the
        // dev server's history writes are what bounds local throughput.
        '--sqlite-pragma',
        'synchronous=NORMAL',
      ]
    : [];
  return {
    name: 'temporal',
    port,
    extraPorts: ui ? [uiPort, httpPort, metricsPort] : [httpPort, metricsPort],
    readyTimeoutMs: 60_000,
    async prepare() {},
    spec: () => ({
      name: 'temporal',
      cmd: bin,
      args: [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--http-port',
        String(httpPort),
        '--metrics-port',
        String(metricsPort),
        ...(ui ? ['--ui-port', String(uiPort)] : ['--headless']),
        ...(ui && opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
        ...persistence,
        '--log-level',
        'warn',
        // Task-queue priority (the leaver lane) needs the new matcher on the dev server.
        '--dynamic-config-value',
        'matching.useNewMatcher=true',
        // The dispatcher's backpressure reads task-queue backlogs (DescribeTaskQueue); the server
        // caches them for 5 s by default, too stale to hold a backlog near its limit.
        '--dynamic-config-value',
        'matching.TaskQueueInfoByBuildIdTTL="500ms"',
        // One partition per task queue: partitions spread a queue over matching hosts, and the dev
        // server is one host. With the default four, a task could wait in a partition no poller was
        // visiting, and task priority only ordered tasks within a partition.
        '--dynamic-config-value',
        'matching.numTaskqueueReadPartitions=1',
        '--dynamic-config-value',
        'matching.numTaskqueueWritePartitions=1',
        // Activities scheduled by a workflow task go straight back to the worker that completed it
        // (up to its eager slots) instead of through the transfer queue and matching.
        '--dynamic-config-value',
        'system.enableActivityEagerExecution=true',
        ...attributes,
      ],
      logFile: join(layout.logs, 'temporal.log'),
      pidFile: join(layout.pids, 'temporal.pid'),
    }),
    ready: async () => (await temporalReady(`127.0.0.1:${port}`)) && (!ui || (await httpOk(`http://127.0.0.1:${uiPort}/`))),
  };
}

export async function temporalReady(address: string, security?: TemporalSecurity): Promise<boolean> {
  const connection = await Connection.connect({ ...temporalConnectionOptions(security ?? {}, address), connectTimeout: 2_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    const attrs = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    return Object.keys(SEARCH_ATTRIBUTES).every((name) => name in (attrs.customAttributes ?? {}));
  } finally {
    await connection.close();
  }
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return res.ok;
}

export function redisServer(opts: { layout: InstanceLayout; port: number; bin: string }): ServerDef {
  const { layout, port, bin } = opts;
  const dataDir = join(layout.dir, 'redis');
  const durability = layout.persistent ? ['--appendonly', 'yes', '--save', '60 1'] : ['--appendonly', 'no', '--save', ''];
  return {
    name: 'redis',
    port,
    extraPorts: [],
    readyTimeoutMs: 15_000,
    async prepare() {
      await mkdir(dataDir, { recursive: true });
    },
    spec: () => ({
      name: 'redis',
      cmd: bin,
      args: ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, ...durability, '--daemonize', 'no'],
      logFile: join(layout.logs, 'redis.log'),
      pidFile: join(layout.pids, 'redis.pid'),
    }),
    ready: () => redisReady(`redis://127.0.0.1:${port}`),
  };
}

export async function redisReady(url: string, security?: RedisSecurity): Promise<boolean> {
  const redis = createRedis(url, security ?? {}, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000, commandTimeout: 2_000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } finally {
    redis.disconnect();
  }
}
