import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { cacheDir } from '../infra/stack/paths';
import { DEFAULT_PORTS } from '../infra/stack/stack';
import type { RedisTimeouts } from './redis';
import { resolveSecret, SecretRef } from './secrets';

/**
 * The one place that reads `process.env`. Everything else receives a parsed, frozen {@link Config}.
 * Parsing lists every problem at once so a misconfigured deployment fails at boot with all of them.
 */
const port = z.coerce.number().int().min(1).max(65_535);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** One BambooHR account the gateway takes webhooks from (`POST /webhooks/bamboohr/<tenant>`). */
const BambooHrTenant = z.strictObject({
  /** The webhook's private key (signature). */
  webhookKey: SecretRef,
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
  secret: z.union([SecretRef, z.array(SecretRef).min(1)]),
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
  GATEWAY_BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  JML_CANONICAL_SECRET: optionalString,
  JML_DEV_APPS: z.string().default('directory,chat,wiki'),
  /** Policy file (YAML or JSON): apps, rules, leaver policies. Without it, the dev apps are used. */
  JML_CONFIG_FILE: optionalString,
  /** JSON: { "<tenant>": { webhookKey: {env|file}, apiKey: {env|file}, apiBaseUrl?, companyDomain?, timeZone? } } */
  JML_BAMBOOHR_TENANTS: jsonText(BambooHrTenants),
  /** JSON: { "<tenant>": { secret: {env|file} | [{env|file}, …], defaultTimeZone, raas?: { reportUrl, user, password: {env|file}, prompts? } } } */
  JML_WORKDAY_TENANTS: jsonText(WorkdayTenants),
  /** Seconds between BambooHR reconciliation polls per tenant; 0 turns them off. */
  JML_BAMBOOHR_POLL_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(300),
  /** Seconds between Workday RaaS polls per tenant with `raas`; 0 turns them off. */
  JML_WORKDAY_POLL_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(900),
  /** Under load, the gateway waits this long between produce requests so that each carries more events (0 = never). */
  JML_PRODUCE_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(3),
  /** The complete-log dispatcher hands events to Temporal while the task queue's backlog is under this; 0 turns backpressure off. */
  JML_DISPATCH_MAX_BACKLOG: z.coerce.number().int().min(0).default(30),
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
  readonly gateway: { readonly host: string; readonly port: number; readonly bodyLimitBytes: number; readonly canonicalSecret?: string };
  /** BambooHR tenants with their secrets resolved. */
  readonly bamboohr: Readonly<Record<string, BambooHrTenantConfig>>;
  /** Workday tenants with their secrets resolved. */
  readonly workday: Readonly<Record<string, WorkdayTenantConfig>>;
  /** Reconciliation poll intervals (0 = off); see services/pollers/README.md. */
  readonly pollers: { readonly bamboohrIntervalMs: number; readonly workdayIntervalMs: number };
  /** Producer tuning (services/kafka/coalescing-producer.ts). */
  readonly kafka: { readonly produceLingerMs: number };
  /** Backpressure of the complete-log dispatcher (services/dispatcher/backlog-gate.ts); 0 = off. */
  readonly dispatcher: { readonly maxBacklog: number };
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

export interface BambooHrTenantConfig {
  readonly webhookKey: string;
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
    const webhookKey = resolveSecret(t.webhookKey, env);
    const apiKey = resolveSecret(t.apiKey, env);
    if ('error' in webhookKey) problems.push(`JML_BAMBOOHR_TENANTS.${tenant}.webhookKey: ${webhookKey.error}`);
    if ('error' in apiKey) problems.push(`JML_BAMBOOHR_TENANTS.${tenant}.apiKey: ${apiKey.error}`);
    const apiBaseUrl = t.apiBaseUrl ?? (t.companyDomain ? `https://api.bamboohr.com/api/gateway.php/${encodeURIComponent(t.companyDomain)}/v1` : undefined);
    if (!apiBaseUrl) problems.push(`JML_BAMBOOHR_TENANTS.${tenant}: set apiBaseUrl or companyDomain`);
    if ('value' in webhookKey && 'value' in apiKey && apiBaseUrl) {
      bamboohr[tenant] = { webhookKey: webhookKey.value, apiKey: apiKey.value, apiBaseUrl, ...(t.timeZone ? { timeZone: t.timeZone } : {}) };
    }
  }
  const workday: Record<string, WorkdayTenantConfig> = {};
  for (const [tenant, t] of Object.entries(e.JML_WORKDAY_TENANTS ?? {})) {
    const refs = Array.isArray(t.secret) ? t.secret : [t.secret];
    const secrets: string[] = [];
    refs.forEach((ref, i) => {
      const r = resolveSecret(ref, env);
      if ('error' in r) problems.push(`JML_WORKDAY_TENANTS.${tenant}.secret[${i}]: ${r.error}`);
      else secrets.push(r.value);
    });
    const password = t.raas ? resolveSecret(t.raas.password, env) : undefined;
    if (password && 'error' in password) problems.push(`JML_WORKDAY_TENANTS.${tenant}.raas.password: ${password.error}`);
    if (secrets.length === refs.length && !(password && 'error' in password)) {
      workday[tenant] = {
        secrets,
        defaultTimeZone: t.defaultTimeZone,
        ...(t.raas && password && 'value' in password
          ? { raas: { reportUrl: t.raas.reportUrl, user: t.raas.user, password: password.value, ...(t.raas.prompts ? { prompts: t.raas.prompts } : {}) } }
          : {}),
      };
    }
  }
  const devApps = e.JML_DEV_APPS.split(',').map((s) => s.trim()).filter(Boolean);
  const badApp = devApps.find((a) => !/^[a-z][a-z0-9-]{0,62}$/.test(a));
  if (badApp) problems.push(`JML_DEV_APPS: '${badApp}' is not an app id (lowercase letters, digits, dashes)`);
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
    gateway: { host: e.GATEWAY_HOST, port: e.GATEWAY_PORT, bodyLimitBytes: e.GATEWAY_BODY_LIMIT_BYTES, canonicalSecret: e.JML_CANONICAL_SECRET },
    bamboohr,
    workday,
    pollers: { bamboohrIntervalMs: e.JML_BAMBOOHR_POLL_INTERVAL_SECONDS * 1000, workdayIntervalMs: e.JML_WORKDAY_POLL_INTERVAL_SECONDS * 1000 },
    kafka: { produceLingerMs: e.JML_PRODUCE_LINGER_MS },
    dispatcher: { maxBacklog: e.JML_DISPATCH_MAX_BACKLOG },
    redis: { commandTimeoutMs: e.JML_REDIS_COMMAND_TIMEOUT_MS, connectTimeoutMs: e.JML_REDIS_CONNECT_TIMEOUT_MS },
    ...(e.JML_CONFIG_FILE ? { policyFile: e.JML_CONFIG_FILE } : {}),
    devApps,
    logLevel: e.LOG_LEVEL,
    testStack: e.JML_TEST_STACK,
  });
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
