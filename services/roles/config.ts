import { existsSync } from 'node:fs';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import type { AnyConnector } from '../../connectors/sdk';
import { ConfigError, loadConfig, type Config } from '../config';
import { loadPolicyFile, PolicyError, type LoadedPolicy } from '../policy/load';
import type { PipelineEndpoints } from '../runtime';
import { ROLES, type Need, type RoleName } from './table';

/**
 * Production configuration of a role: the environment, the policy file and the secrets they name,
 * read once at boot. Nothing falls back to the development stack: no development apps, no
 * development key, no endpoint the role did not get. Every problem is listed at once, each on one
 * line naming what to set.
 */
export interface ProductionConfig {
  readonly config: Config;
  readonly policy?: LoadedPolicy;
  readonly endpoints: PipelineEndpoints;
}

const set = (v: string | undefined): boolean => v !== undefined && v.trim() !== '';

/** Why each need is unmet, one line each, naming the variable (or the command) that fixes it. */
function missing(role: RoleName, need: Need, env: NodeJS.ProcessEnv, workflowBundlePath: string): string | undefined {
  switch (need) {
    case 'kafka':
      return set(env.KAFKA_BROKERS) ? undefined : `KAFKA_BROKERS is not set: the ${role} role needs the Kafka bootstrap servers (host:port,host:port)`;
    case 'temporal':
      return set(env.TEMPORAL_ADDRESS) ? undefined : `TEMPORAL_ADDRESS is not set: the ${role} role needs the Temporal frontend (host:port)`;
    case 'redis':
      return set(env.REDIS_URL) ? undefined : `REDIS_URL is not set: the ${role} role needs Redis (redis://host:port)`;
    case 'canonical-key':
      return set(env.JML_CANONICAL_SECRET) || set(env.JML_CANONICAL_SECRETS)
        ? undefined
        : `JML_CANONICAL_SECRET (or JML_CANONICAL_SECRETS) is not set: the ${role} role needs the canonical API's key (whsec_<base64>)`;
    case 'policy':
      return set(env.JML_CONFIG_FILE) ? undefined : `JML_CONFIG_FILE is not set: the ${role} role needs a policy file (the development apps exist only under npm start)`;
    case 'codec':
      return set(env.JML_CODEC_KEYS) || env.JML_CODEC === 'off'
        ? undefined
        : `JML_CODEC_KEYS is not set: the ${role} role needs the keys that seal personal data in Temporal (docs/security.md), or JML_CODEC=off to store it in clear deliberately`;
    case 'codec-keys':
      return set(env.JML_CODEC_KEYS) ? undefined : `JML_CODEC_KEYS is not set: the ${role} role needs the keys it opens payloads with (docs/security.md)`;
    case 'codec-token':
      return set(env.JML_CODEC_SERVER_TOKEN) ? undefined : `JML_CODEC_SERVER_TOKEN is not set: the ${role} role needs the bearer token(s) its callers present (at least 24 bytes, by reference)`;
    case 'workflow-bundle':
      return existsSync(workflowBundlePath) ? undefined : `${workflowBundlePath} does not exist: run \`npm run build\` and start dist/services/main.js`;
  }
}

/**
 * Parses the configuration of `role` for production. Throws one {@link ConfigError} listing every
 * problem: invalid variables, missing pieces the role needs, and every problem of the policy file.
 * The result is frozen.
 */
export function loadProductionConfig(req: {
  role: RoleName;
  env: NodeJS.ProcessEnv;
  /** Where the prebuilt workflow bundle should be (next to the built entry). */
  workflowBundlePath: string;
  connectors?: Readonly<Record<string, () => AnyConnector>>;
}): ProductionConfig {
  const { role, env } = req;
  const needs: readonly Need[] = ROLES[role].needs;
  const problems: string[] = [];
  let config: Config | undefined;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.issues);
  }
  for (const need of needs) {
    const why = missing(role, need, env, req.workflowBundlePath);
    if (why) problems.push(why);
  }
  let policy: LoadedPolicy | undefined;
  if (needs.includes('policy') && set(env.JML_CONFIG_FILE)) {
    try {
      policy = loadPolicyFile({ path: env.JML_CONFIG_FILE as string, env, connectors: req.connectors ?? CONNECTOR_FACTORIES });
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      problems.push(...err.problems.map((p) => `JML_CONFIG_FILE: ${p}`));
    }
  }
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  const { reuse } = config;
  return Object.freeze({
    config,
    ...(policy ? { policy } : {}),
    // Unneeded endpoints stay empty: no part of the role reads them.
    endpoints: Object.freeze({ kafkaBrokers: reuse.kafkaBrokers ?? '', temporalAddress: reuse.temporalAddress ?? '', redisUrl: reuse.redisUrl ?? '' }),
  });
}
