import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, Runtime, type WorkflowBundleOption } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { CONNECTOR_FACTORIES } from '../connectors/registry';
import type { AnyConnector } from '../connectors/sdk';
import type { Config } from './config';
import { backlogGate, temporalBacklogReader } from './dispatcher/backlog-gate';
import { createDispatcher, type Dispatcher } from './dispatcher/dispatcher';
import { buildGateway } from './gateway/app';
import { createKafka } from './kafka/client';
import { CoalescingProducer } from './kafka/coalescing-producer';
import { describeClusterProbe, kafkaReadiness } from './kafka/readiness';
import { ensureTopics, sizeLimitProblems, TOPICS, TopicSetupError, type TopicReport } from './kafka/topics';
import { redisMassChangeGuard } from './worker/guard';
import { createRateLimiter } from './worker/rate-limit';
import { loadPolicyFile, type LoadedPolicy } from './policy/load';
import { redisDedupe } from './gateway/dedupe';
import { redisDeliveryMemory } from './gateway/replay-guard';
import { gatewayCounters } from './metrics';
import type { AppInstance } from './policy/app';
import { createActivities } from './worker/activities';
import { startWorker, WORKFLOWS_PATH, type RunningWorker } from './worker/worker';
import { leaverTaskQueue } from '../schemas/contracts';
import { createPollerActivities } from './pollers/activities';
import { recordingSink, redisPublishedState } from './pollers/published-state';
import { ingestPublisher } from './pollers/publish';
import { redisSnapshotStore } from './pollers/snapshot-store';
import { serviceRedisOptions } from './redis';
import { createRedis } from './connections/redis';
import { temporalConnectionOptions } from './connections/temporal';
import { ensurePollers, ledgerSourcePrefixes, pollerSpecs } from './pollers/start';
import { registeredSourceRoutes } from './gateway/source-route';
import { FAILURE_CONVERTER_PATH, temporalDataConverter } from './temporal/data-converter';

/** Where the pipeline reaches Kafka, Temporal and Redis (the launcher's stack, or services configured to be reused). */
export interface PipelineEndpoints {
  kafkaBrokers: string;
  temporalAddress: string;
  redisUrl: string;
}

export interface PipelineOptions {
  config: Config;
  endpoints: PipelineEndpoints;
  log: Logger;
  /** Which parts run in this process (all by default). */
  parts?: { gateway?: boolean; dispatcher?: boolean; worker?: boolean; pollers?: boolean };
  /** Listen port for the gateway (0 picks a free one). */
  gatewayPort?: number;
  workflowBundle?: WorkflowBundleOption;
  /** Consumer group of the dispatcher (tests use their own). */
  dispatcherGroupId?: string;
  /** Which dispatchers run: the complete log (`events`) and the leaver lane (`priority`); both by default. */
  dispatcherLanes?: Array<'events' | 'priority'>;
  /** Where a dispatcher without committed offsets starts; see DispatcherDeps.startAt. */
  dispatcherStartAt?: 'committed' | 'now';
  /** Environment for resolving the policy's secret references (process.env by default). */
  env?: NodeJS.ProcessEnv;
  /** Connectors the policy may name (the registry by default; tests add their own). */
  connectors?: Readonly<Record<string, () => AnyConnector>>;
}

export interface Pipeline {
  gatewayUrl?: string;
  gateway?: FastifyInstance;
  temporal: Client;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/** Route the Temporal Core runtime's logs through pino, once per process. */
function installTemporalRuntime(log: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const tlog = log.child({ component: 'temporal' });
  try {
    Runtime.install({
      logger: {
        log: (level, message, meta) => tlog[level === 'TRACE' ? 'trace' : (level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error')](meta ?? {}, message),
        trace: (m, meta) => tlog.trace(meta ?? {}, m),
        debug: (m, meta) => tlog.debug(meta ?? {}, m),
        info: (m, meta) => tlog.info(meta ?? {}, m),
        warn: (m, meta) => tlog.warn(meta ?? {}, m),
        error: (m, meta) => tlog.error(meta ?? {}, m),
      },
    });
  } catch {
    // Already installed by someone else in this process; keep theirs.
  }
}

/** The app instances of the walking skeleton: each configured dev app is a dev-redis instance. */
export function devAppInstances(config: Config, redisUrl: string): Map<string, AppInstance> {
  const connector: AnyConnector = CONNECTOR_FACTORIES['dev-redis']();
  return new Map(
    config.devApps.map((appId) => [appId, { appId, connector, config: connector.config.parse({ url: redisUrl }), secrets: {} }]),
  );
}

/**
 * Creates missing topics, warns (once per topic setting) where existing ones differ from the
 * configuration, and refuses gateway size limits Kafka would not hold. Throws {@link TopicSetupError}
 * with a one-line message naming the variable.
 */
async function prepareTopics(opts: { kafka: Kafka; config: Config; log: Logger; gateway: boolean }): Promise<TopicReport> {
  const admin = opts.kafka.admin();
  await admin.connect();
  try {
    const report = await ensureTopics(admin, opts.config.kafka.topics);
    for (const mismatch of report.mismatches) opts.log.warn({ mismatch }, 'existing Kafka topic differs from the configuration; not altered');
    if (report.created.length > 0) opts.log.info({ topics: report.created }, 'created Kafka topics');
    const problems = opts.gateway ? sizeLimitProblems(opts.config.gateway, report.maxMessageBytes) : [];
    if (problems.length > 0) throw new TopicSetupError(problems.join('; '));
    return report;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Starts gateway, dispatcher and worker against running Kafka, Temporal and Redis. `stop()` closes
 * them in the reverse order: stop taking webhooks, then stop dispatching, then finish activities.
 */
export async function startPipeline(opts: PipelineOptions): Promise<Pipeline> {
  const { config, endpoints, log } = opts;
  // Pollers run with the worker (it executes their activities): off when the worker is.
  const parts = { gateway: true, dispatcher: true, worker: true, pollers: true, ...opts.parts };
  // Before any connection: a gateway without a key is a configuration error, not a runtime one.
  if (parts.gateway && config.gateway.canonicalKeys.length === 0) throw new Error('JML_CANONICAL_SECRET is not set; the gateway does not start without it');
  // Before any connection too: what goes to Temporal is sealed, or in clear only when configured so
  // (a gateway alone hands nothing to Temporal).
  const dataConverter = parts.dispatcher || parts.worker ? temporalDataConverter(config.codec) : undefined;
  installTemporalRuntime(log);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => log.warn({ err }, 'error while stopping'));
  };

  try {
    const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'jml-pipeline', log, security: config.connections.kafka });
    const topicLimits = await prepareTopics({ kafka, config, log, gateway: parts.gateway });

    const temporalConnection = await Connection.connect(temporalConnectionOptions(config.connections.temporal, endpoints.temporalAddress));
    stops.push(() => temporalConnection.close());
    const temporal = new Client({ connection: temporalConnection, namespace: config.temporal.namespace, ...(dataConverter ? { dataConverter } : {}) });

    const connectProducer = async (): Promise<Producer> => {
      const p = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2_000 },
      });
      await p.connect();
      return p;
    };
    const rawProducer = await connectProducer();
    // Under load, wait a few ms between produce requests so that each carries more requests: per
    // request kafkajs costs about as much CPU as 20 records (bench/ingest.ts measures the effect).
    // Bounded queue and a deadline per call: a broker that stops answering makes callers fail fast.
    const producer = new CoalescingProducer(rawProducer, {
      lingerMs: config.kafka.produceLingerMs,
      deadlineMs: config.kafka.produceDeadlineMs,
      maxQueuedCalls: config.kafka.maxQueuedCalls,
      maxQueuedBytes: config.kafka.maxQueuedBytes,
      maxBatchBytes: config.kafka.maxBatchBytes,
      maxRecordBatchBytes: Math.min(...Object.values(topicLimits.maxMessageBytes)),
      newProducer: connectProducer,
    });
    stops.push(() => producer.disconnect());

    // Shared by edge dedupe and rate limits; both degrade gracefully when Redis is away.
    // Every command has a deadline (services/redis.ts): a Redis that stops answering fails fast.
    const redis = createRedis(endpoints.redisUrl, config.connections.redis, serviceRedisOptions(config.redis));
    redis.on('error', (err: Error) => log.debug({ err: err.message }, 'redis connection error'));
    await redis.connect().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'redis unavailable at start; dedupe and rate limits degrade'));
    stops.push(async () => void redis.disconnect());

    // Reconciliation pollers (services/pollers/README.md). Whatever publishes the events of a source
    // whose poll reads the published-state ledger (BambooHR) records them in it, so a poll can tell
    // a delivered change from a missed one.
    const counters = gatewayCounters();
    const ledger = redisPublishedState(redis);
    const tracked = ledgerSourcePrefixes(pollerSpecs(config));
    const sink = tracked.length > 0 ? recordingSink(producer, ledger, { track: (source) => tracked.some((prefix) => source.startsWith(prefix)), log }) : producer;
    const edgeDedupe = redisDedupe(redis, { ttlSeconds: 7 * 24 * 3600 });

    if (parts.worker) {
      // A bad policy fails here, at boot, with every problem listed.
      const policy: LoadedPolicy | undefined = config.policyFile
        ? loadPolicyFile({ path: config.policyFile, env: opts.env ?? process.env, connectors: opts.connectors ?? CONNECTOR_FACTORIES })
        : undefined;
      const apps = policy ? policy.apps : devAppInstances(config, endpoints.redisUrl);
      const activityLog = log.child({ component: 'activities' });
      const activities = createActivities({
        apps,
        ...(policy ? { policy } : {}),
        log: activityLog,
        rateLimiter: createRateLimiter({ redis, log: activityLog }),
        // One window per task queue: pipelines sharing a Redis but not a queue count separately.
        guard: redisMassChangeGuard(redis, { key: `jml:guard:${config.temporal.taskQueue}` }),
        leaverAttentionAfterMs: config.leaverAttentionAfterMs,
        appClockMarginMs: config.appClockMarginMs,
        audit: {
          record: (r) => producer.send([{ topic: TOPICS.audit, message: { key: r.personKey, value: JSON.stringify(r) } }]),
        },
      });
      const pollerActivities = createPollerActivities({
        tenants: Object.fromEntries(Object.entries(config.sources).map(([id, s]) => [id, s.tenants])),
        publisher: ingestPublisher({ producer: sink, dedupe: edgeDedupe, maxEventBytes: config.gateway.maxEventBytes, metrics: counters, log: log.child({ component: 'pollers' }), now: Date.now }),
        ledger,
        snapshots: redisSnapshotStore(redis),
        log,
      });
      // One bundle for both workers: the main one, and the leavers' own (leaverTaskQueue in schemas/contracts/workflows.ts).
      const workflowBundle = opts.workflowBundle ?? { code: (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH })).code };
      const workerDeps = { address: endpoints.temporalAddress, temporalSecurity: config.connections.temporal, namespace: config.temporal.namespace, activities: { ...activities, ...pollerActivities }, log, workflowBundle, dataConverter };
      const [worker, leaverWorker]: RunningWorker[] = await Promise.all([
        startWorker({ ...workerDeps, taskQueue: config.temporal.taskQueue, maxCachedWorkflows: config.temporal.maxCachedWorkflows }),
        startWorker({ ...workerDeps, taskQueue: leaverTaskQueue(config.temporal.taskQueue) }),
      ]);
      if (parts.pollers) await ensurePollers({ temporal, taskQueue: config.temporal.taskQueue, specs: pollerSpecs(config), log });
      stops.push(async () => {
        await Promise.all([worker?.shutdown(), leaverWorker?.shutdown()]);
        await Promise.all([...new Set([...apps.values()].map((a) => a.connector))].map((c) => c.dispose?.()));
      });
    }

    if (parts.dispatcher) {
      // Two consumer groups: the complete log, and the leaver lane that no joiner backlog can delay.
      const groupId = opts.dispatcherGroupId ?? 'jml-dispatcher';
      const lanes = opts.dispatcherLanes ?? ['events', 'priority'];
      for (const lane of lanes) {
        const gate =
          lane === 'events' && config.dispatcher.maxBacklog > 0
            ? backlogGate({
                read: temporalBacklogReader(temporal, { namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue }),
                maxBacklog: config.dispatcher.maxBacklog,
                log: log.child({ component: 'dispatcher' }),
              })
            : undefined;
        const dispatcher: Dispatcher = createDispatcher({
          kafka,
          temporal,
          producer,
          taskQueue: config.temporal.taskQueue,
          groupId: lane === 'events' ? groupId : `${groupId}.priority`,
          topic: TOPICS[lane],
          log,
          partitionsConcurrently: 6,
          startAt: opts.dispatcherStartAt,
          ...(gate ? { gate } : {}),
        });
        await dispatcher.start();
        stops.push(() => dispatcher.stop());
      }
    }

    let gateway: FastifyInstance | undefined;
    let gatewayUrl: string | undefined;
    if (parts.gateway) {
      // Readiness asks the cluster for real, with its own client: short requests, no retries.
      const probeAdmin = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'jml-readiness', log, security: config.connections.kafka, requestTimeoutMs: 2_000, connectionTimeoutMs: 1_000, retries: 0 }).admin();
      await probeAdmin.connect();
      stops.push(() => probeAdmin.disconnect());
      const readiness = kafkaReadiness({ probe: describeClusterProbe(probeAdmin) });
      gateway = buildGateway({
        producer: sink,
        dedupe: edgeDedupe,
        deliveries: redisDeliveryMemory(redis),
        metrics: counters,
        isReady: () => readiness.ready(),
        log: log.child({ component: 'gateway' }),
        canonicalKeys: config.gateway.canonicalKeys,
        bodyLimitBytes: config.gateway.bodyLimitBytes,
        maxEventBytes: config.gateway.maxEventBytes,
        timeouts: config.gateway.timeouts,
        routes: registeredSourceRoutes(config.sources),
      });
      gatewayUrl = await gateway.listen({ host: config.gateway.host, port: opts.gatewayPort ?? config.gateway.port });
      const g = gateway;
      stops.push(() => g.close());
    }

    return { gateway, gatewayUrl, temporal, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
