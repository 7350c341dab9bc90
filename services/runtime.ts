import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, Runtime, type WorkflowBundleOption } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
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
import { processMetrics, type ProcessMetrics } from './metrics';
import { startOpsServer } from './metrics/ops-server';
import { startWatch } from './metrics/watch';
import { disposeConnectors, type AppInstance } from './policy/app';
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
import { redisLetterCap } from './gateway/unknown-tenant';
import { FAILURE_CONVERTER_PATH, temporalDataConverter } from './temporal/data-converter';
import { createReconcileActivities } from './reconcile/activities';
import { ensureReconcileSchedules } from './reconcile/schedules';
import { clientInterceptors, WORKFLOW_INTERCEPTOR_MODULES } from './tracing/temporal';

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
  /** Which dispatchers run: the complete log (`events`), the leaver lane (`priority`) and security actions (`security`); all by default. */
  dispatcherLanes?: Array<'events' | 'priority' | 'security'>;
  /** Where a dispatcher without committed offsets starts; see DispatcherDeps.startAt. */
  dispatcherStartAt?: 'committed' | 'now';
  /** Environment for resolving the policy's secret references (process.env by default). */
  env?: NodeJS.ProcessEnv;
  /** Connectors the policy may name (the registry by default; tests add their own). */
  connectors?: Readonly<Record<string, () => AnyConnector>>;
  /** `production` never falls back to the development apps: a worker without a policy refuses to start. Development by default. */
  mode?: 'development' | 'production';
  /** The policy, already loaded (the production roles load it with the rest of the configuration); else read from JML_CONFIG_FILE. */
  policy?: LoadedPolicy;
  /** How long the workers let running activities finish on stop (services/worker/worker.ts); the SDK's default otherwise. */
  workerShutdownGraceMs?: number;
  /** Serve the ops port (/metrics, /healthz, /readyz; services/metrics/ops-server.ts) here: the roles without a gateway, and `all`. */
  ops?: { host: string; port: number };
  /**
   * Where the Temporal SDK's own Prometheus exporter listens (`host:port`), for a process that runs a
   * worker. Part of the Temporal runtime, which is installed once per process: only the first
   * process-wide call can set it.
   */
  temporalMetricsAddress?: string;
}

export interface Pipeline extends RunningParts {
  temporal: Client;
}

let runtimeInstalled = false;

/**
 * Route the Temporal Core runtime's logs through pino and, when asked, export the SDK's metrics
 * (workers' task latencies, slots, polls, workflow end-to-end latency) in the Prometheus format on
 * `metricsAddress`, with Prometheus naming (`_total` counters, durations in `_seconds`). Once per
 * process, before any worker or native connection exists (those would install a default runtime).
 */
function installTemporalRuntime(log: Logger, metricsAddress?: string): void {
  if (runtimeInstalled) {
    if (metricsAddress) log.warn({ metricsAddress }, 'the Temporal runtime was installed earlier in this process; its metrics settings stay as they were');
    return;
  }
  runtimeInstalled = true;
  const tlog = log.child({ component: 'temporal' });
  try {
    Runtime.install({
      ...(metricsAddress
        ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } } }
        : {}),
      // Signals are the roles' to handle (services/roles/supervise.ts): they stop the parts in order, within a deadline.
      shutdownSignals: [],
      logger: {
        log: (level, message, meta) => tlog[level === 'TRACE' ? 'trace' : (level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error')](meta ?? {}, message),
        trace: (m, meta) => tlog.trace(meta ?? {}, m),
        debug: (m, meta) => tlog.debug(meta ?? {}, m),
        info: (m, meta) => tlog.info(meta ?? {}, m),
        warn: (m, meta) => tlog.warn(meta ?? {}, m),
        error: (m, meta) => tlog.error(meta ?? {}, m),
      },
    });
  } catch (err) {
    // Already installed by someone else in this process: keep theirs. Anything else (the metrics
    // port taken) is the role's to fail on.
    if ((err as Error).name !== 'IllegalStateError') {
      runtimeInstalled = false;
      throw new Error(`the Temporal runtime could not start: ${(err as Error).message}${metricsAddress ? ` (JML_TEMPORAL_METRICS_PORT, ${metricsAddress})` : ''}`, { cause: err });
    }
    if (metricsAddress) log.warn({ metricsAddress }, 'the Temporal runtime was installed earlier in this process; its metrics settings stay as they were');
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

/** Which parts run in a process; see {@link startParts}. */
export interface Parts {
  gateway: boolean;
  dispatcher: boolean;
  worker: boolean;
  /** Makes sure the reconciliation poller workflows run (the worker runs their activities). */
  pollers: boolean;
}

/** Parts started by {@link startParts}, stopped together. */
export interface RunningParts {
  gatewayUrl?: string;
  /** The ops server's base URL (/metrics, /healthz, /readyz), when this process serves one. */
  opsUrl?: string;
  gateway?: FastifyInstance;
  /** Connected when a part uses Temporal (dispatcher, worker, pollers) or when asked for. */
  temporal?: Client;
  /** /readyz answers 503 from now on, so load balancers stop sending; the gateway still serves. */
  stopAccepting(): void;
  /** Stops the parts in reverse order of their start, then closes the connections. */
  stop(): Promise<void>;
  /** Resolves with the first error that ended a part (the worker's run, a consumer's final crash, the server); never otherwise. */
  failed: Promise<Error>;
}

/** Connections the parts share: one Kafka client and producer, one Redis, one Temporal client. */
interface Shared {
  kafka?: Kafka;
  producer?: CoalescingProducer;
  redis?: Redis;
  temporal?: Client;
  topicLimits?: TopicReport;
  /** What the gateway and the poller publisher produce with: the producer, recording BambooHR events when pollers reconcile them. */
  sink?: CoalescingProducer | ReturnType<typeof recordingSink>;
  edgeDedupe?: ReturnType<typeof redisDedupe>;
  ledger?: ReturnType<typeof redisPublishedState>;
  counters: ProcessMetrics['gateway'];
  /** This process's metric registry and families (services/metrics). */
  metrics: ProcessMetrics;
  /** Codec and failure converter of every Temporal client and worker here (services/temporal/data-converter.ts). */
  dataConverter?: DataConverter;
}

/** A part that has started: how to stop it, and how it reports that it died. */
interface Part {
  stop(): Promise<void>;
  failed?: Promise<Error>;
}

/** How often the pollers part makes sure its poller workflows still run (one terminated by hand comes back). */
const POLLERS_RECHECK_MS = 5 * 60_000;

/**
 * Opens the connections the parts need: Kafka (with topics prepared) for gateway, dispatcher and
 * worker; Redis for gateway and worker; a Temporal client for dispatcher, worker (reconciliation reads
 * the person workflows and keeps the schedules) and pollers (or when asked).
 * Each close is pushed to `stops`.
 */
async function connectShared(
  opts: PipelineOptions,
  parts: Parts,
  temporalClient: boolean,
  dataConverter: DataConverter | undefined,
  stops: Array<() => Promise<void>>,
  metrics: ProcessMetrics,
): Promise<Shared> {
  const { config, endpoints, log } = opts;
  const shared: Shared = { counters: metrics.gateway, metrics, ...(dataConverter ? { dataConverter } : {}) };
  if (parts.gateway || parts.dispatcher || parts.worker) {
    const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'jml-pipeline', log, security: config.connections.kafka });
    shared.kafka = kafka;
    const topicLimits = await prepareTopics({ kafka, config, log, gateway: parts.gateway });
    shared.topicLimits = topicLimits;

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
    shared.producer = producer;
    stops.push(() => producer.disconnect());
  }

  if (temporalClient || parts.dispatcher || parts.worker || parts.pollers) {
    const temporalConnection = await Connection.connect(temporalConnectionOptions(config.connections.temporal, endpoints.temporalAddress));
    stops.push(() => temporalConnection.close());
    // The interceptors carry the trace of an event into the workflows it starts or signals (services/tracing/temporal.ts).
    shared.temporal = new Client({ connection: temporalConnection, namespace: config.temporal.namespace, interceptors: clientInterceptors(), ...(dataConverter ? { dataConverter } : {}) });
  }

  if (parts.gateway || parts.worker) {
    // Shared by edge dedupe and rate limits; both degrade gracefully when Redis is away.
    // Every command has a deadline (services/redis.ts): a Redis that stops answering fails fast.
    const redis = createRedis(endpoints.redisUrl, config.connections.redis, serviceRedisOptions(config.redis));
    redis.on('error', (err: Error) => log.debug({ err: err.message }, 'redis connection error'));
    await redis.connect().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'redis unavailable at start; dedupe and rate limits degrade'));
    stops.push(async () => void redis.disconnect());
    shared.redis = redis;

    // Reconciliation pollers (services/pollers/README.md). Whatever publishes the events of a source
    // whose poll reads the published-state ledger (BambooHR) records them in it, so a poll can tell
    // a delivered change from a missed one.
    const producer = shared.producer as CoalescingProducer;
    const ledger = redisPublishedState(redis);
    shared.ledger = ledger;
    const tracked = ledgerSourcePrefixes(pollerSpecs(config));
    shared.sink = tracked.length > 0 ? recordingSink(producer, ledger, { track: (source) => tracked.some((prefix) => source.startsWith(prefix)), log }) : producer;
    shared.edgeDedupe = redisDedupe(redis, { ttlSeconds: 7 * 24 * 3600 });
  }
  return shared;
}

/** The worker part: both workers (main and leaver queues) over the policy's apps, or the development apps without a policy. */
async function startWorkerPart(opts: PipelineOptions, shared: Shared, policy: LoadedPolicy | undefined): Promise<Part> {
  const { config, endpoints, log } = opts;
  const redis = shared.redis as Redis;
  const producer = shared.producer as CoalescingProducer;
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
    ...(shared.metrics.worker ? { metrics: shared.metrics.worker } : {}),
    audit: {
      record: (r) => producer.send([{ topic: TOPICS.audit, message: { key: r.personKey, value: JSON.stringify(r) } }]),
    },
  });
  const pollerActivities = createPollerActivities({
    tenants: Object.fromEntries(Object.entries(config.sources).map(([id, s]) => [id, s.tenants])),
    publisher: ingestPublisher({
      producer: shared.sink ?? producer,
      dedupe: shared.edgeDedupe as ReturnType<typeof redisDedupe>,
      maxEventBytes: config.gateway.maxEventBytes,
      metrics: shared.counters,
      log: log.child({ component: 'pollers' }),
      now: Date.now,
    }),
    ledger: shared.ledger as ReturnType<typeof redisPublishedState>,
    snapshots: redisSnapshotStore(redis),
    log,
    ...(shared.metrics.pollers ? { metrics: shared.metrics.pollers } : {}),
  });
  // One bundle for both workers: the main one, and the leavers' own (leaverTaskQueue in schemas/contracts/workflows.ts).
  const workflowBundle = opts.workflowBundle ?? { code: (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES] })).code };
  const workerDeps = {
    address: endpoints.temporalAddress,
    temporalSecurity: config.connections.temporal,
    namespace: config.temporal.namespace,
    activities: {
      ...activities,
      ...pollerActivities,
      // Reconciliation compares the apps with the policy: not offered to the development apps, which have none.
      ...(policy ? createReconcileActivities({ policy, client: shared.temporal as Client, taskQueue: config.temporal.taskQueue, sink: producer, log }) : {}),
    },
    log,
    workflowBundle,
    ...(shared.dataConverter ? { dataConverter: shared.dataConverter } : {}),
    shutdownGraceTimeMs: opts.workerShutdownGraceMs,
  };
  const [worker, leaverWorker]: RunningWorker[] = await Promise.all([
    startWorker({ ...workerDeps, taskQueue: config.temporal.taskQueue, maxCachedWorkflows: config.temporal.maxCachedWorkflows }),
    startWorker({ ...workerDeps, taskQueue: leaverTaskQueue(config.temporal.taskQueue) }),
  ]);
  // Schedules follow the policy the workers run with (several workers may do this at once: idempotent).
  // A schedule that cannot be kept is an error to see, not a reason to stop provisioning.
  if (policy) {
    await ensureReconcileSchedules({ client: shared.temporal as Client, policy, taskQueue: config.temporal.taskQueue, log: log.child({ component: 'reconcile' }) }).catch((err: unknown) =>
      log.error({ err: (err as Error).message }, 'could not create or update the reconciliation schedules; reconcile on demand (jml reconcile) until the next start'),
    );
  }
  let stopping = false;
  // A worker whose run ends while nobody asked it to stop has died, with or without an error.
  const ended = (name: string) => (w: RunningWorker) =>
    w.done.then(
      () => new Error(`the ${name} worker stopped`),
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
  const failed = Promise.race([ended('main')(worker as RunningWorker), ended('leaver')(leaverWorker as RunningWorker)]).then((err) =>
    stopping ? new Promise<Error>(() => undefined) : err,
  );
  return {
    failed,
    stop: async () => {
      stopping = true;
      await Promise.all([worker?.shutdown(), leaverWorker?.shutdown()]);
      await disposeConnectors(apps.values());
    },
  };
}

/** The pollers part: starts (or re-configures) each configured poller workflow now and every few minutes. */
async function startPollersPart(opts: PipelineOptions, temporal: Client, metrics: ProcessMetrics): Promise<Part> {
  const { config, log } = opts;
  // What the "poller silent" alert compares the last success with (infra/observability/alerts.yml).
  for (const spec of pollerSpecs(config)) metrics.pollerSchedule?.set('jml_poller_interval_seconds', { source: spec.source, tenant: spec.tenant }, spec.intervalMs / 1000);
  const ensure = () => ensurePollers({ temporal, taskQueue: config.temporal.taskQueue, specs: pollerSpecs(config), log });
  await ensure();
  const timer = setInterval(() => void ensure().catch((err: unknown) => log.warn({ err }, 'could not check the reconciliation pollers; trying again later')), POLLERS_RECHECK_MS);
  timer.unref();
  return { stop: async () => clearInterval(timer) };
}

/** The dispatcher part: one consumer group per lane. */
async function startDispatcherPart(opts: PipelineOptions, shared: Shared): Promise<Part> {
  const { config, log } = opts;
  const temporal = shared.temporal as Client;
  // Three consumer groups: the complete log, the leaver lane that no joiner backlog can delay, and security actions.
  const groupId = opts.dispatcherGroupId ?? 'jml-dispatcher';
  const lanes = opts.dispatcherLanes ?? ['events', 'priority', 'security'];
  const dispatchers: Dispatcher[] = [];
  const metrics = shared.metrics.dispatcher;
  const watch = shared.metrics.watch && startWatch({
      kafka: shared.kafka as Kafka,
      temporal,
      dlqTopic: TOPICS.dlq,
      metrics: shared.metrics.watch,
      log: log.child({ component: 'watch' }),
      taskQueues: [config.temporal.taskQueue, leaverTaskQueue(config.temporal.taskQueue)],
    });
  const stopAll = async () => {
    for (const d of dispatchers.reverse()) await d.stop();
    await watch?.stop();
  };
  try {
    for (const lane of lanes) {
      const gate =
        lane === 'events' && config.dispatcher.maxBacklog > 0
          ? backlogGate({
              read: temporalBacklogReader(temporal, { namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue }),
              maxBacklog: config.dispatcher.maxBacklog,
              log: log.child({ component: 'dispatcher' }),
              onWaited: (seconds) => {
                metrics?.inc('jml_dispatcher_backlog_gate_waits_total', { topic: TOPICS[lane] });
                metrics?.observe('jml_dispatcher_backlog_gate_wait_seconds', { topic: TOPICS[lane] }, seconds);
              },
            })
          : undefined;
      const dispatcher: Dispatcher = createDispatcher({
        kafka: shared.kafka as Kafka,
        temporal,
        producer: shared.producer as CoalescingProducer,
        taskQueue: config.temporal.taskQueue,
        groupId: lane === 'events' ? groupId : `${groupId}.${lane}`,
        topic: TOPICS[lane],
        log,
        partitionsConcurrently: 6,
        startAt: opts.dispatcherStartAt,
        ...(gate ? { gate } : {}),
        ...(metrics ? { metrics } : {}),
      });
      dispatchers.push(dispatcher);
      await dispatcher.start();
    }
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
  return { stop: stopAll, failed: Promise.race(dispatchers.map((d) => d.failed)) };
}

/** The gateway part: listens until stopped; `accepting` false turns /readyz to 503 while it still serves. */
async function startGatewayPart(
  opts: PipelineOptions,
  shared: Shared,
  accepting: () => boolean,
): Promise<Part & { gateway: FastifyInstance; gatewayUrl: string }> {
  const { config, endpoints, log } = opts;
  const redis = shared.redis as Redis;
  const stops: Array<() => Promise<void>> = [];
  // Readiness asks the cluster for real, with its own client: short requests, no retries.
  const probeAdmin = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'jml-readiness', log, security: config.connections.kafka, requestTimeoutMs: 2_000, connectionTimeoutMs: 1_000, retries: 0 }).admin();
  await probeAdmin.connect();
  stops.push(() => probeAdmin.disconnect());
  const readiness = kafkaReadiness({ probe: describeClusterProbe(probeAdmin) });
  const gateway = buildGateway({
    producer: shared.sink ?? (shared.producer as CoalescingProducer),
    dedupe: shared.edgeDedupe,
    deliveries: redisDeliveryMemory(redis),
    metrics: shared.counters,
    isReady: () => accepting() && readiness.ready(),
    log: log.child({ component: 'gateway' }),
    canonicalKeys: config.gateway.canonicalKeys,
    bodyLimitBytes: config.gateway.bodyLimitBytes,
    maxEventBytes: config.gateway.maxEventBytes,
    timeouts: config.gateway.timeouts,
    routes: registeredSourceRoutes(config.sources),
    unknownTenantCap: redisLetterCap(redis),
  });
  let listening = false;
  const failed = new Promise<Error>((resolve) => gateway.server.on('error', (err: Error) => listening && resolve(err)));
  const stopAll = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const gatewayUrl = await gateway.listen({ host: config.gateway.host, port: opts.gatewayPort ?? config.gateway.port });
    listening = true;
    // close() stops accepting connections and answers the requests it holds before it resolves.
    stops.push(() => gateway.close());
    return { gateway, gatewayUrl, failed, stop: stopAll };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}

/**
 * Starts the given parts against running Kafka, Temporal and Redis, each over the connections it
 * needs. `stop()` closes them in the reverse order: stop taking webhooks, then stop dispatching,
 * then finish activities, then close the connections. A bad policy fails before any connection.
 */
export async function startParts(opts: PipelineOptions & { parts: Parts; temporalClient?: boolean }): Promise<RunningParts> {
  const { config, log, parts } = opts;
  // Before any connection: a gateway without a key is a configuration error, not a runtime one.
  if (parts.gateway && config.gateway.canonicalKeys.length === 0) throw new Error('JML_CANONICAL_SECRET is not set; the gateway does not start without it');
  // A bad policy fails here, at boot, with every problem listed.
  const policy: LoadedPolicy | undefined =
    opts.policy ?? (parts.worker && config.policyFile ? loadPolicyFile({ path: config.policyFile, env: opts.env ?? process.env, connectors: opts.connectors ?? CONNECTOR_FACTORIES }) : undefined);
  if (parts.worker && !policy && opts.mode === 'production') throw new Error('JML_CONFIG_FILE is not set; a production worker needs a policy file');
  // Before any connection too: what goes to Temporal is sealed, or in clear only when configured so.
  // Every part that hands payloads to Temporal needs the codec decided; a gateway alone does not.
  const usesPayloads = parts.dispatcher || parts.worker || parts.pollers;
  const dataConverter = usesPayloads || config.codec.mode !== 'unset' ? temporalDataConverter(config.codec) : undefined;
  installTemporalRuntime(log, parts.worker ? opts.temporalMetricsAddress : undefined);
  const metrics = processMetrics(parts);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => log.warn({ err }, 'error while stopping'));
  };
  let accepting = true;
  let started = false;

  try {
    // First up and last down: /healthz answers while the parts connect, /readyz once they all run.
    const ops = opts.ops && (await startOpsServer({ ...opts.ops, registry: metrics.registry, ready: () => started && accepting, log }));
    if (ops) stops.push(() => ops.close());
    const shared = await connectShared(opts, parts, opts.temporalClient ?? false, dataConverter, stops, metrics);
    const running: Part[] = ops ? [{ stop: async () => undefined, failed: ops.failed }] : [];
    const add = <P extends Part>(part: P): P => {
      running.push(part);
      stops.push(() => part.stop());
      return part;
    };
    if (parts.worker) add(await startWorkerPart(opts, shared, policy));
    if (parts.pollers) add(await startPollersPart(opts, shared.temporal as Client, metrics));
    if (parts.dispatcher) add(await startDispatcherPart(opts, shared));
    const gateway = parts.gateway ? add(await startGatewayPart(opts, shared, () => accepting)) : undefined;
    const failures = running.flatMap((p) => (p.failed ? [p.failed] : []));
    started = true;
    return {
      ...(gateway ? { gateway: gateway.gateway, gatewayUrl: gateway.gatewayUrl } : {}),
      ...(ops ? { opsUrl: ops.url } : {}),
      ...(shared.temporal ? { temporal: shared.temporal } : {}),
      stopAccepting: () => void (accepting = false),
      stop,
      failed: failures.length > 0 ? Promise.race(failures) : new Promise<Error>(() => undefined),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Starts gateway, dispatcher and worker (all by default; see {@link PipelineOptions.parts}) in this
 * process, with a Temporal client whatever runs. Tests, benchmarks and the development launcher use
 * it; the production roles (services/roles) start their parts with {@link startParts}.
 */
export async function startPipeline(opts: PipelineOptions): Promise<Pipeline> {
  const all = { gateway: true, dispatcher: true, worker: true, pollers: true, ...opts.parts };
  // Pollers run with the worker (it executes their activities): off when the worker is.
  const parts: Parts = { ...all, pollers: all.pollers && all.worker };
  const running = await startParts({ ...opts, parts, temporalClient: true });
  return { ...running, temporal: running.temporal as Client };
}
