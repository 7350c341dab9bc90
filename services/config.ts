import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { cacheDir, DEFAULT_PORTS } from './local-stack-defaults';
import type { TopicSettings } from './kafka/topics';
import type { RedisTimeouts } from './redis';
import { hmacKeyProblem, resolveSecret, SecretRef } from './secrets';

/**
 * The one place that reads `process.env`. Everything else receives a parsed, frozen {@link Config}.
 * Parsing lists every problem at once so a misconfigured deployment fails at boot with all of them.
 */
const port = z.coerce.number().int().min(1).max(65_535);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** One secret or, during a rotation, several (any one may verify a delivery). */
const SecretRefs = z.union([SecretRef, z.array(SecretRef).min(1)]);

/** One key of the canonical API (`JML_CANONICAL_SECRETS`) and what it may speak for. */
const CanonicalKey = z.strictObject({
  secret: SecretRef,
  /** Prefixes of the event `source` this key may send (`/hr/bamboohr/`); any source when absent. */
  sources: z.array(z.string().min(1)).min(1).optional(),
  /** Prefixes of the event `subject` (person key) this key may send (`bamboohr:`); any subject when absent. */
  subjects: z.array(z.string().min(1)).min(1).optional(),
});

/** One BambooHR account the gateway takes webhooks from (`POST /webhooks/bamboohr/<tenant>`). */
const BambooHrTenant = z.strictObject({
  /** The webhook's private key (signature); a list during rotation. */
  webhookKey: SecretRefs,
  /** API key for hydration and reconciliation. */
  apiKey: SecretRef,
  /** API root ending in /v1; default `https://api.bamboohr.com/api/gateway.php/<companyDomain>/v1`. */
  apiBaseUrl: z.string().url().optional(),
  companyDomain: z.string().min(1).optional(),
  /** IANA zone of the tenant's calendar dates (hire and termination dates); UTC when absent. */
  timeZone: z.string().min(1).optional(),
});
const TenantName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);
const BambooHrTenants = z.record(TenantName, BambooHrTenant);

/** The RaaS report the Workday reconciliation poller runs (docs/workday-contract.md#raas-reconciliation). */
const WorkdayRaas = z.strictObject({
  /** `https://<host>/ccx/service/customreport2/<tenant>/<owner>/<report>`, without a query. */
  reportUrl: z.string().url().refine((u) => !URL.canParse(u) || new URL(u).search === '', 'must not carry a query; put report prompts in `prompts`'),
  /** The integration system user (`ISU_JML@acme`); not a secret. */
  user: z.string().min(1),
  password: SecretRef,
  /** Report prompts sent as query parameters. */
  prompts: z.record(z.string().min(1), z.string()).optional(),
});

/** One Workday tenant posting the documented contract (`POST /webhooks/workday/<tenant>`). */
const WorkdayTenant = z.strictObject({
  /** Shared HMAC secret; a list during rotation (any one may match). */
  secret: SecretRefs,
  /** Zone for effective dates of workers without a Time_Zone. Required: never the host's zone. */
  defaultTimeZone: z.string().min(1),
  /** With it, a poller reconciles the tenant against this report. */
  raas: WorkdayRaas.optional(),
});
const WorkdayTenants = z.record(TenantName, WorkdayTenant);

const jsonText = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (!text || text.trim() === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema.optional());

const EnvSchema = z.object({
  JML_CACHE_DIR: optionalString,
  JML_STACK_DIR: optionalString,
  KAFKA_BROKERS: optionalString,
  TEMPORAL_ADDRESS: optionalString,
  REDIS_URL: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('jml'),
  /** Workflow executions the main worker keeps in memory between tasks (its sticky cache); unset = the SDK's default, from the heap size. */
  TEMPORAL_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(2).optional(),
  KAFKA_PORT: port.default(DEFAULT_PORTS.kafka),
  KAFKA_CONTROLLER_PORT: port.default(DEFAULT_PORTS.kafkaController),
  TEMPORAL_PORT: port.default(DEFAULT_PORTS.temporal),
  TEMPORAL_UI_PORT: port.default(DEFAULT_PORTS.temporalUi),
  TEMPORAL_HTTP_PORT: port.default(DEFAULT_PORTS.temporalHttp),
  TEMPORAL_METRICS_PORT: port.default(DEFAULT_PORTS.temporalMetrics),
  REDIS_PORT: port.default(DEFAULT_PORTS.redis),
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
  /** The canonical API's one key, unscoped (`whsec_<base64>`). */
  JML_CANONICAL_SECRET: optionalString,
  /** JSON: [{ secret: {env|file}, sources?: [prefix…], subjects?: [prefix…] }, …]: several keys (rotation, per-sender scopes). */
  JML_CANONICAL_SECRETS: jsonText(z.array(CanonicalKey).min(1)),
  JML_DEV_APPS: z.string().default('directory,chat,wiki'),
  /** Policy file (YAML or JSON): apps, rules, leaver policies. Without it, the dev apps are used. */
  JML_CONFIG_FILE: optionalString,
  /** JSON: { "<tenant>": { webhookKey: {env|file} | [{env|file}, …], apiKey: {env|file}, apiBaseUrl?, companyDomain?, timeZone? } } */
  JML_BAMBOOHR_TENANTS: jsonText(BambooHrTenants),
  /** JSON: { "<tenant>": { secret: {env|file} | [{env|file}, …], defaultTimeZone, raas?: { reportUrl, user, password: {env|file}, prompts? } } } */
  JML_WORKDAY_TENANTS: jsonText(WorkdayTenants),
  /** Seconds between BambooHR reconciliation polls per tenant; 0 turns them off. */
  JML_BAMBOOHR_POLL_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(300),
  /** Seconds between Workday RaaS polls per tenant with `raas`; 0 turns them off. */
  JML_WORKDAY_POLL_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(900),
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
  /** The complete-log dispatcher hands events to Temporal while the task queue's backlog is under this; 0 turns backpressure off. */
  JML_DISPATCH_MAX_BACKLOG: z.coerce.number().int().min(0).default(30),
  /** A leaver still retrying an app after this many seconds is flagged NeedsAttention (it keeps retrying). */
  JML_LEAVER_ATTENTION_AFTER_SECONDS: z.coerce.number().int().min(1).default(900),
  JML_APP_CLOCK_MARGIN_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  /** Deadline of every Redis command (services/redis.ts): a Redis that stops answering fails commands instead of hanging them. */
  JML_REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
  /** Deadline of a Redis TCP connect (and of closing a connection that stopped answering). */
  JML_REDIS_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(3_000),
  JML_TEST_STACK: z.enum(['auto', 'native']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  readonly cacheDir: string;
  readonly stackDir: string;
  readonly ports: {
    readonly kafka: number;
    readonly kafkaController: number;
    readonly temporal: number;
    readonly temporalUi: number;
    readonly temporalHttp: number;
    readonly temporalMetrics: number;
    readonly redis: number;
  };
  /** Services to reuse instead of starting them (set by KAFKA_BROKERS, TEMPORAL_ADDRESS, REDIS_URL). */
  readonly reuse: { readonly kafkaBrokers?: string; readonly temporalAddress?: string; readonly redisUrl?: string };
  readonly temporal: { readonly namespace: string; readonly taskQueue: string; readonly maxCachedWorkflows?: number };
  readonly gateway: {
    readonly host: string;
    readonly port: number;
    readonly bodyLimitBytes: number;
    readonly maxEventBytes: number;
    /** Fastify/Node server timeouts, in ms. */
    readonly timeouts: { readonly requestMs: number; readonly connectionMs: number; readonly keepAliveMs: number; readonly headersMs: number };
    /** Keys of the canonical API (`POST /v1/events`); empty when none is configured, and then the gateway refuses to start. */
    readonly canonicalKeys: readonly CanonicalKeyConfig[];
  };
  /** BambooHR tenants with their secrets resolved. */
  readonly bamboohr: Readonly<Record<string, BambooHrTenantConfig>>;
  /** Workday tenants with their secrets resolved. */
  readonly workday: Readonly<Record<string, WorkdayTenantConfig>>;
  /** Reconciliation poll intervals (0 = off); see services/pollers/README.md. */
  readonly pollers: { readonly bamboohrIntervalMs: number; readonly workdayIntervalMs: number };
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
  /** How far an app's clock may lag ours when its creation times are compared with a step's (services/worker/origin.ts). */
  readonly appClockMarginMs: number;
  /** Deadlines of the services' Redis clients (services/redis.ts). */
  readonly redis: RedisTimeouts;
  /** Path of the policy file, when one is configured. */
  readonly policyFile?: string;
  /** Instances of the development connector that every event is applied to, until policy lands. */
  readonly devApps: readonly string[];
  readonly logLevel: string;
  /** Tests and benchmarks: `native` skips the testcontainers probe. */
  readonly testStack: 'auto' | 'native';
}

/** A key of the canonical API, resolved, with the prefixes it may speak for (any when absent). */
export interface CanonicalKeyConfig {
  /** Where it was configured (`JML_CANONICAL_SECRET`, `JML_CANONICAL_SECRETS[1]`): safe to log, unlike the key. */
  readonly name: string;
  readonly secret: string;
  readonly sources?: readonly string[];
  readonly subjects?: readonly string[];
}

export interface BambooHrTenantConfig {
  /** The webhook's private keys: one, or several during a rotation. */
  readonly webhookKeys: readonly string[];
  readonly apiKey: string;
  readonly apiBaseUrl: string;
  readonly timeZone?: string;
}

export interface WorkdayTenantConfig {
  readonly secrets: readonly string[];
  readonly defaultTimeZone: string;
  /** The reconciliation report, password resolved. */
  readonly raas?: { readonly reportUrl: string; readonly user: string; readonly password: string; readonly prompts?: Readonly<Record<string, string>> };
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const cache = cacheDir({ JML_CACHE_DIR: e.JML_CACHE_DIR, XDG_CACHE_HOME: env.XDG_CACHE_HOME });
  const problems: string[] = [];
  const bamboohr: Record<string, BambooHrTenantConfig> = {};
  for (const [tenant, t] of Object.entries(e.JML_BAMBOOHR_TENANTS ?? {})) {
    const webhookKeys = resolveKeys(t.webhookKey, `JML_BAMBOOHR_TENANTS.${tenant}.webhookKey`, env, 'utf8', problems);
    const apiKey = resolveSecret(t.apiKey, env);
    if ('error' in apiKey) problems.push(`JML_BAMBOOHR_TENANTS.${tenant}.apiKey: ${apiKey.error}`);
    const apiBaseUrl = t.apiBaseUrl ?? (t.companyDomain ? `https://api.bamboohr.com/api/gateway.php/${encodeURIComponent(t.companyDomain)}/v1` : undefined);
    if (!apiBaseUrl) problems.push(`JML_BAMBOOHR_TENANTS.${tenant}: set apiBaseUrl or companyDomain`);
    if (webhookKeys && 'value' in apiKey && apiBaseUrl) {
      bamboohr[tenant] = { webhookKeys, apiKey: apiKey.value, apiBaseUrl, ...(t.timeZone ? { timeZone: t.timeZone } : {}) };
    }
  }
  const workday: Record<string, WorkdayTenantConfig> = {};
  for (const [tenant, t] of Object.entries(e.JML_WORKDAY_TENANTS ?? {})) {
    const secrets = resolveKeys(t.secret, `JML_WORKDAY_TENANTS.${tenant}.secret`, env, 'utf8', problems);
    const password = t.raas ? resolveSecret(t.raas.password, env) : undefined;
    if (password && 'error' in password) problems.push(`JML_WORKDAY_TENANTS.${tenant}.raas.password: ${password.error}`);
    if (secrets && !(password && 'error' in password)) {
      workday[tenant] = {
        secrets,
        defaultTimeZone: t.defaultTimeZone,
        ...(t.raas && password && 'value' in password
          ? { raas: { reportUrl: t.raas.reportUrl, user: t.raas.user, password: password.value, ...(t.raas.prompts ? { prompts: t.raas.prompts } : {}) } }
          : {}),
      };
    }
  }
  const canonicalKeys = canonicalKeysOf(e.JML_CANONICAL_SECRET, e.JML_CANONICAL_SECRETS, env, problems);
  const devApps = e.JML_DEV_APPS.split(',').map((s) => s.trim()).filter(Boolean);
  const badApp = devApps.find((a) => !/^[a-z][a-z0-9-]{0,62}$/.test(a));
  if (badApp) problems.push(`JML_DEV_APPS: '${badApp}' is not an app id (lowercase letters, digits, dashes)`);
  if (e.KAFKA_MIN_INSYNC_REPLICAS > e.KAFKA_REPLICATION_FACTOR) {
    problems.push(`KAFKA_MIN_INSYNC_REPLICAS: ${e.KAFKA_MIN_INSYNC_REPLICAS} is more than KAFKA_REPLICATION_FACTOR (${e.KAFKA_REPLICATION_FACTOR}); no produce could ever be acknowledged`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({
    cacheDir: cache,
    stackDir: e.JML_STACK_DIR ?? join(cache, 'stacks', 'default'),
    ports: {
      kafka: e.KAFKA_PORT,
      kafkaController: e.KAFKA_CONTROLLER_PORT,
      temporal: e.TEMPORAL_PORT,
      temporalUi: e.TEMPORAL_UI_PORT,
      temporalHttp: e.TEMPORAL_HTTP_PORT,
      temporalMetrics: e.TEMPORAL_METRICS_PORT,
      redis: e.REDIS_PORT,
    },
    reuse: { kafkaBrokers: e.KAFKA_BROKERS, temporalAddress: e.TEMPORAL_ADDRESS, redisUrl: e.REDIS_URL },
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
      canonicalKeys,
    },
    bamboohr,
    workday,
    pollers: { bamboohrIntervalMs: e.JML_BAMBOOHR_POLL_INTERVAL_SECONDS * 1000, workdayIntervalMs: e.JML_WORKDAY_POLL_INTERVAL_SECONDS * 1000 },
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
        },
      },
    },
    dispatcher: { maxBacklog: e.JML_DISPATCH_MAX_BACKLOG },
    leaverAttentionAfterMs: e.JML_LEAVER_ATTENTION_AFTER_SECONDS * 1000,
    appClockMarginMs: e.JML_APP_CLOCK_MARGIN_SECONDS * 1000,
    redis: { commandTimeoutMs: e.JML_REDIS_COMMAND_TIMEOUT_MS, connectTimeoutMs: e.JML_REDIS_CONNECT_TIMEOUT_MS },
    ...(e.JML_CONFIG_FILE ? { policyFile: e.JML_CONFIG_FILE } : {}),
    devApps,
    logLevel: e.LOG_LEVEL,
    testStack: e.JML_TEST_STACK,
  });
}

/**
 * Resolves one secret reference or a rotation list of them into signing keys, adding a problem for
 * each one that cannot be read or is too weak; undefined when any of them is unusable.
 */
function resolveKeys(
  refs: SecretRef | SecretRef[],
  path: string,
  env: NodeJS.ProcessEnv,
  encoding: 'standard-webhooks' | 'utf8',
  problems: string[],
): string[] | undefined {
  const list = Array.isArray(refs) ? refs : [refs];
  const keys: string[] = [];
  list.forEach((ref, i) => {
    const where = Array.isArray(refs) ? `${path}[${i}]` : path;
    const r = resolveSecret(ref, env);
    const weak = 'value' in r ? hmacKeyProblem(r.value, encoding) : undefined;
    if ('error' in r) problems.push(`${where}: ${r.error}`);
    else if (weak) problems.push(`${where}: the key ${weak}`);
    else keys.push(r.value);
  });
  return keys.length === list.length ? keys : undefined;
}

/** The canonical API's keys: `JML_CANONICAL_SECRET` (one, unscoped) or `JML_CANONICAL_SECRETS` (a list), not both. */
function canonicalKeysOf(
  single: string | undefined,
  list: z.infer<typeof CanonicalKey>[] | undefined,
  env: NodeJS.ProcessEnv,
  problems: string[],
): CanonicalKeyConfig[] {
  if (single !== undefined && list !== undefined) {
    problems.push('JML_CANONICAL_SECRET and JML_CANONICAL_SECRETS are both set; set one (put the single key into the list)');
    return [];
  }
  if (single !== undefined) {
    const weak = hmacKeyProblem(single, 'standard-webhooks');
    if (weak) problems.push(`JML_CANONICAL_SECRET: the key ${weak}`);
    return weak ? [] : [{ name: 'JML_CANONICAL_SECRET', secret: single }];
  }
  return (list ?? []).flatMap((k, i) => {
    const name = `JML_CANONICAL_SECRETS[${i}]`;
    const [secret] = resolveKeys(k.secret, `${name}.secret`, env, 'standard-webhooks', problems) ?? [];
    if (secret === undefined) return [];
    return [{ name, secret, ...(k.sources ? { sources: k.sources } : {}), ...(k.subjects ? { subjects: k.subjects } : {}) }];
  });
}

const hours = (h: number): number => Math.round(h * 3_600_000);

/**
 * `env` with Kafka replication defaulted for a single-broker development cluster (1 copy, 1 in
 * sync) where it does not say otherwise. Only the entry points that run such a cluster use it:
 * `npm start` with its own local stack, the test harness and the benchmarks.
 */
export function withSingleBrokerDefaults(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { KAFKA_REPLICATION_FACTOR: '1', KAFKA_MIN_INSYNC_REPLICAS: '1', ...definedOnly(env) };
}

function definedOnly(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Loads `./.env` into process.env when the file exists (variables already set win). Entry points
 * (npm start, the stack and jml CLIs) call it before {@link loadConfig}; tests do not.
 */
export function loadDotEnv(path = '.env'): void {
  if (!existsSync(path)) return;
  const before = { ...process.env };
  process.loadEnvFile(path);
  Object.assign(process.env, before);
}
