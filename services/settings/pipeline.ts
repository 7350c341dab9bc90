import { z } from 'zod';
import { optionalString } from '../../sources/sdk/settings';
import type { TopicSettings } from '../kafka/topics';
import type { RedisTimeouts } from '../redis';

/**
 * Settings of the pipeline itself: Temporal, the gateway's server, Kafka producing and topics, the
 * dispatcher, leavers, Redis deadlines, the policy file and logging. The HR sources' settings are
 * theirs (sources/<id>/settings.ts, composed in services/settings/sources.ts); the development
 * stack's are in stack.ts.
 */
export interface PipelineSettings {
  readonly temporal: { readonly namespace: string; readonly taskQueue: string; readonly maxCachedWorkflows?: number };
  readonly gateway: {
    readonly host: string;
    readonly port: number;
    readonly bodyLimitBytes: number;
    readonly maxEventBytes: number;
    /** Fastify/Node server timeouts, in ms. */
    readonly timeouts: { readonly requestMs: number; readonly connectionMs: number; readonly keepAliveMs: number; readonly headersMs: number };
  };
  /** Producer tuning (services/kafka/coalescing-producer.ts) and topic settings (services/kafka/topics.ts). */
  readonly kafka: {
    readonly produceLingerMs: number;
    readonly produceDeadlineMs: number;
    readonly maxQueuedCalls: number;
    readonly maxQueuedBytes: number;
    readonly maxBatchBytes: number;
    readonly topics: TopicSettings;
  };
  /** Backpressure of the complete-log dispatcher (services/dispatcher/backlog-gate.ts); 0 = off. */
  readonly dispatcher: { readonly maxBacklog: number };
  /** Leavers retrying longer than this are flagged NeedsAttention. */
  readonly leaverAttentionAfterMs: number;
  /** Re-drives of more events than this at once wait for a confirmation (services/redrive, docs/operations.md). */
  readonly redrive: { readonly confirmAbove: number };
  /** How far an app's clock may lag ours when its creation times are compared with a step's (services/worker/origin.ts). */
  readonly appClockMarginMs: number;
  /** Deadlines of the services' Redis clients (services/redis.ts). */
  readonly redis: RedisTimeouts;
  /** Path of the policy file, when one is configured. */
  readonly policyFile?: string;
  /** Apps of the development connector (dev-redis) that the development policy grants everyone when no policy file is set (services/policy/development.ts). */
  readonly devApps: readonly string[];
  readonly logLevel: string;
}

const port = z.coerce.number().int().min(1).max(65_535);

/** The pipeline's variables. */
export const pipelineEnv = {
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('jml'),
  /** Workflow executions the main worker keeps in memory between tasks (its sticky cache); unset = the SDK's default, from the heap size. */
  TEMPORAL_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(2).optional(),
  GATEWAY_HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: port.default(8080),
  /** Largest body the gateway reads; must fit Kafka's max.message.bytes with headroom (checked at boot). */
  GATEWAY_BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_000_000),
  /** Largest serialized event (canonical, or one normalized from a source) the gateway accepts; larger is refused 413 `event-too-large`. */
  GATEWAY_MAX_EVENT_BYTES: z.coerce.number().int().positive().default(64 * 1024),
  /** Fastify `requestTimeout`: the most a client may take to send a whole request. */
  GATEWAY_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** Fastify `connectionTimeout`: a socket idle this long is closed; above the keep-alive timeout, which it would otherwise cut short. */
  GATEWAY_CONNECTION_TIMEOUT_MS: z.coerce.number().int().positive().default(70_000),
  /** Fastify `keepAliveTimeout`: how long an idle keep-alive connection stays open (above a load balancer's idle timeout). */
  GATEWAY_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().positive().default(65_000),
  /** Node `headersTimeout`: the most a client may take to send the request headers. */
  GATEWAY_HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  JML_DEV_APPS: z.string().default('directory,chat,wiki'),
  /** Policy file (YAML or JSON): apps, rules, leaver policies. Without it, the dev apps are used. */
  JML_CONFIG_FILE: optionalString,
  /** Under load, the gateway waits this long between produce requests so that each carries more events (0 = never). */
  JML_PRODUCE_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(3),
  /** A produce not acknowledged this long after it was asked fails, and the gateway answers 503 + Retry-After. */
  JML_PRODUCE_DEADLINE_MS: z.coerce.number().int().min(100).default(5_000),
  /** Produce calls waiting for a request above which the gateway answers 503 + Retry-After at once. */
  JML_PRODUCE_MAX_QUEUED_CALLS: z.coerce.number().int().positive().default(10_000),
  /** Bytes of produce calls waiting for a request above which the gateway answers 503 + Retry-After at once. */
  JML_PRODUCE_MAX_QUEUED_BYTES: z.coerce.number().int().positive().default(64 * 1024 * 1024),
  /** Largest produce request, in estimated bytes (also cut at 2,000 records). */
  JML_PRODUCE_MAX_BATCH_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  /** Copies of each partition of the pipeline's topics; 1 only for a single-broker development cluster. */
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().positive().default(3),
  /** Copies that must hold a record before Kafka acknowledges it; at most KAFKA_REPLICATION_FACTOR. */
  KAFKA_MIN_INSYNC_REPLICAS: z.coerce.number().int().positive().default(2),
  /** Raw deliveries hold personal data as HR sent it: kept only as long as re-normalizing needs. */
  KAFKA_RETENTION_HOURS_RAW: z.coerce.number().positive().default(7 * 24),
  KAFKA_RETENTION_HOURS_EVENTS: z.coerce.number().positive().default(30 * 24),
  KAFKA_RETENTION_HOURS_PRIORITY: z.coerce.number().positive().default(7 * 24),
  KAFKA_RETENTION_HOURS_DLQ: z.coerce.number().positive().default(30 * 24),
  KAFKA_RETENTION_HOURS_AUDIT: z.coerce.number().positive().default(365 * 24),
  KAFKA_RETENTION_HOURS_RECONCILE: z.coerce.number().positive().default(90 * 24),
  KAFKA_RETENTION_HOURS_SECURITY: z.coerce.number().positive().default(30 * 24),
  /** The complete-log dispatcher hands events to Temporal while the task queue's backlog is under this; 0 turns backpressure off. */
  JML_DISPATCH_MAX_BACKLOG: z.coerce.number().int().min(0).default(30),
  /** A leaver still retrying an app after this many seconds is flagged NeedsAttention (it keeps retrying). */
  JML_LEAVER_ATTENTION_AFTER_SECONDS: z.coerce.number().int().min(1).default(900),
  /** `jml redrive --all` of more events than this is held until confirmed (`--yes`); 0 = always confirm. */
  JML_REDRIVE_CONFIRM_ABOVE: z.coerce.number().int().min(0).default(20),
  /** How far an app's clock may lag ours (seconds) when a lost create's account is judged by its creation time. */
  JML_APP_CLOCK_MARGIN_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  /** Deadline of every Redis command (services/redis.ts): a Redis that stops answering fails commands instead of hanging them. */
  JML_REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
  /** Deadline of a Redis TCP connect (and of closing a connection that stopped answering). */
  JML_REDIS_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(3_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

type PipelineEnv = z.output<z.ZodObject<typeof pipelineEnv>>;

/** The pipeline's settings from its parsed variables; cross-variable problems are added to `problems`. */
export function pipelineSettings(e: PipelineEnv, problems: string[]): PipelineSettings {
  const devApps = e.JML_DEV_APPS.split(',').map((s) => s.trim()).filter(Boolean);
  const badApp = devApps.find((a) => !/^[a-z][a-z0-9-]{0,62}$/.test(a));
  if (badApp) problems.push(`JML_DEV_APPS: '${badApp}' is not an app id (lowercase letters, digits, dashes)`);
  if (e.KAFKA_MIN_INSYNC_REPLICAS > e.KAFKA_REPLICATION_FACTOR) {
    problems.push(`KAFKA_MIN_INSYNC_REPLICAS: ${e.KAFKA_MIN_INSYNC_REPLICAS} is more than KAFKA_REPLICATION_FACTOR (${e.KAFKA_REPLICATION_FACTOR}); no produce could ever be acknowledged`);
  }
  return {
    temporal: {
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      ...(e.TEMPORAL_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: e.TEMPORAL_MAX_CACHED_WORKFLOWS } : {}),
    },
    gateway: {
      host: e.GATEWAY_HOST,
      port: e.GATEWAY_PORT,
      bodyLimitBytes: e.GATEWAY_BODY_LIMIT_BYTES,
      maxEventBytes: e.GATEWAY_MAX_EVENT_BYTES,
      timeouts: {
        requestMs: e.GATEWAY_REQUEST_TIMEOUT_MS,
        connectionMs: e.GATEWAY_CONNECTION_TIMEOUT_MS,
        keepAliveMs: e.GATEWAY_KEEP_ALIVE_TIMEOUT_MS,
        headersMs: e.GATEWAY_HEADERS_TIMEOUT_MS,
      },
    },
    kafka: {
      produceLingerMs: e.JML_PRODUCE_LINGER_MS,
      produceDeadlineMs: e.JML_PRODUCE_DEADLINE_MS,
      maxQueuedCalls: e.JML_PRODUCE_MAX_QUEUED_CALLS,
      maxQueuedBytes: e.JML_PRODUCE_MAX_QUEUED_BYTES,
      maxBatchBytes: e.JML_PRODUCE_MAX_BATCH_BYTES,
      topics: {
        partitions: 6,
        replicationFactor: e.KAFKA_REPLICATION_FACTOR,
        minInsyncReplicas: e.KAFKA_MIN_INSYNC_REPLICAS,
        retentionMs: {
          raw: hours(e.KAFKA_RETENTION_HOURS_RAW),
          events: hours(e.KAFKA_RETENTION_HOURS_EVENTS),
          priority: hours(e.KAFKA_RETENTION_HOURS_PRIORITY),
          dlq: hours(e.KAFKA_RETENTION_HOURS_DLQ),
          audit: hours(e.KAFKA_RETENTION_HOURS_AUDIT),
          reconcile: hours(e.KAFKA_RETENTION_HOURS_RECONCILE),
          security: hours(e.KAFKA_RETENTION_HOURS_SECURITY),
        },
      },
    },
    dispatcher: { maxBacklog: e.JML_DISPATCH_MAX_BACKLOG },
    leaverAttentionAfterMs: e.JML_LEAVER_ATTENTION_AFTER_SECONDS * 1000,
    redrive: { confirmAbove: e.JML_REDRIVE_CONFIRM_ABOVE },
    appClockMarginMs: e.JML_APP_CLOCK_MARGIN_SECONDS * 1000,
    redis: { commandTimeoutMs: e.JML_REDIS_COMMAND_TIMEOUT_MS, connectTimeoutMs: e.JML_REDIS_CONNECT_TIMEOUT_MS },
    ...(e.JML_CONFIG_FILE ? { policyFile: e.JML_CONFIG_FILE } : {}),
    devApps,
    logLevel: e.LOG_LEVEL,
  };
}

const hours = (h: number): number => Math.round(h * 3_600_000);
