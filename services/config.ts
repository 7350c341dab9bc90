import { existsSync } from 'node:fs';
import { z } from 'zod';
import { cacheDir, DEFAULT_PORTS } from './local-stack-defaults';
import type { BambooHrTenantConfig } from '../sources/bamboohr/settings';
import type { CanonicalKeyConfig } from '../sources/canonical/settings';
import { SINGLE_TENANT } from '../sources/sdk/define';
import type { WorkdayTenantConfig } from '../sources/workday/settings';
import { roleSettings, rolesEnv, type RoleSettings } from './settings/roles';
import { pipelineEnv, pipelineSettings, type PipelineSettings } from './settings/pipeline';
import { sourcesEnv, sourceSettings, type SourceTenants } from './settings/sources';
import { stackEnv, stackSettings, type StackSettings } from './settings/stack';
import { connectionsEnv, connectionSettings, type ConnectionSettings } from './settings/connections';
import { codecEnv, codecSettings, type CodecServerSettings, type CodecSettings } from './settings/codec';
import { tracingEnv, tracingSettings, type TracingSettings } from './settings/tracing';

export type { BambooHrTenantConfig, CanonicalKeyConfig, WorkdayTenantConfig };

/**
 * The one place that reads `process.env`. Everything else receives a parsed, frozen {@link Config}.
 * Parsing lists every problem at once so a misconfigured deployment fails at boot with all of them.
 * The variables are owned by three parts, each in its own module: the pipeline
 * (settings/pipeline.ts), the HR sources (sources/<id>/settings.ts, composed from the registry in
 * settings/sources.ts) and the development stack (settings/stack.ts).
 */
const EnvSchema = z.object({ ...stackEnv(DEFAULT_PORTS), ...pipelineEnv, ...sourcesEnv, ...connectionsEnv, ...codecEnv, ...rolesEnv, ...tracingEnv });

/** Every variable the configuration reads, by name (the deployment manifests are checked against it: infra/deploy/deploy.test.ts). */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(EnvSchema.shape));

export interface Config extends StackSettings, Omit<PipelineSettings, 'gateway'> {
  readonly gateway: PipelineSettings['gateway'] & {
    /** Keys of the canonical API (`POST /v1/events`); empty when none is configured, and then the gateway refuses to start. */
    readonly canonicalKeys: readonly CanonicalKeyConfig[];
  };
  /** Every registered source's tenants and poll interval (0 = off), by source id (sources/registry.ts). */
  readonly sources: SourceTenants;
  /** BambooHR tenants with their secrets resolved (`sources.bamboohr.tenants`). */
  readonly bamboohr: Readonly<Record<string, BambooHrTenantConfig>>;
  /** Workday tenants with their secrets resolved (`sources.workday.tenants`). */
  readonly workday: Readonly<Record<string, WorkdayTenantConfig>>;
  /** TLS, SASL, mTLS, API key and ACL settings of the connections to Kafka, Temporal and Redis (settings/connections.ts). */
  readonly connections: ConnectionSettings;
  /** Payload encryption in Temporal (settings/codec.ts, services/temporal/data-converter.ts). */
  readonly codec: CodecSettings;
  readonly codecServer: CodecServerSettings;
  /** Shutdown deadline, gateway drain delay and dispatcher group of the roles (settings/roles.ts). */
  readonly roles: RoleSettings;
  /** OpenTelemetry export (settings/tracing.ts, services/tracing/): off unless an OTLP endpoint is set. */
  readonly tracing: TracingSettings;
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
  const sources = sourceSettings(e, env, problems);
  const pipeline = pipelineSettings(e, problems);
  const connections = connectionSettings(e, env, problems);
  const codec = codecSettings(e, env, problems);
  const roles = roleSettings(e, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({
    ...stackSettings(e, cache),
    ...pipeline,
    gateway: { ...pipeline.gateway, canonicalKeys: sources.canonical.tenants[SINGLE_TENANT]?.keys ?? [] },
    sources,
    bamboohr: sources.bamboohr.tenants,
    workday: sources.workday.tenants,
    connections,
    ...codec,
    roles,
    tracing: tracingSettings(e),
  });
}

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
