import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import type {} from 'vitest';
import { loadConfig } from '../../services/config';
import { toolPaths } from '../../infra/stack/paths';
import { freePort, waitFor } from '../../infra/stack/process';
import { kafkaReady, redisReady, temporalReady } from '../../infra/stack/servers';
import { stackDown, stackUp, type StackEndpoints } from '../../infra/stack/stack';
import { WORKFLOWS_PATH } from '../../services/worker/worker';
import { containerRuntimeAvailable, startContainerStack } from './containers';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEndpoints & { mode: string };
    workflowBundleCode: string;
  }
}

const say = (line: string) => process.stderr.write(`[test-stack] ${line}\n`);

/**
 * Real servers for the integration tests, chosen in this order:
 *  (a) services named by KAFKA_BROKERS, TEMPORAL_ADDRESS, REDIS_URL are reused (each on its own);
 *  (b) with a reachable container engine (and JML_TEST_STACK != native), testcontainers;
 *  (c) otherwise the native stack, installed into the user cache and started on free ports.
 * The workflow bundle is built once here and shared with every test file.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const config = loadConfig();
  const reuse = config.reuse;
  const allReused = Boolean(reuse.kafkaBrokers && reuse.temporalAddress && reuse.redisUrl);
  let endpoints: StackEndpoints;
  let mode: string;
  let teardown: () => Promise<void>;

  const bundle = bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });

  if (allReused) {
    endpoints = { kafkaBrokers: reuse.kafkaBrokers as string, temporalAddress: reuse.temporalAddress as string, redisUrl: reuse.redisUrl as string };
    mode = 'reused';
    teardown = async () => undefined;
  } else if (process.env.JML_TEST_STACK !== 'native' && (await containerRuntimeAvailable())) {
    const containers = await startContainerStack();
    endpoints = { ...containers.endpoints, ...definedOnly(reuse) };
    mode = 'testcontainers';
    teardown = containers.stop;
  } else {
    const dir = join(config.cacheDir, 'stacks', `test-${process.pid}`);
    const ports = {
      kafka: await freePort(),
      kafkaController: await freePort(),
      temporal: await freePort(),
      temporalUi: await freePort(),
      temporalHttp: await freePort(),
      temporalMetrics: await freePort(),
      redis: await freePort(),
    };
    const started = Date.now();
    const up = await stackUp({ dir, ports, persistent: false, ui: false, reuse, tools: toolPaths(config.cacheDir), say });
    say(`native stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    endpoints = up.endpoints;
    mode = 'native';
    teardown = () => stackDown({ dir, removeData: true });
  }

  try {
    // Reused services must answer too; fail with a clear message rather than time out in a test.
    await Promise.all([
      waitFor(`Kafka at ${endpoints.kafkaBrokers}`, () => kafkaReady(endpoints.kafkaBrokers), 30_000),
      waitFor(`Temporal at ${endpoints.temporalAddress}`, () => temporalReady(endpoints.temporalAddress), 30_000),
      waitFor(`Redis at ${endpoints.redisUrl}`, () => redisReady(endpoints.redisUrl), 15_000),
    ]);
    const { code } = await bundle;
    project.provide('workflowBundleCode', code);
  } catch (err) {
    await teardown();
    throw err;
  }
  say(`${mode}: Kafka ${endpoints.kafkaBrokers}, Temporal ${endpoints.temporalAddress}, Redis ${endpoints.redisUrl}`);
  project.provide('stack', { ...endpoints, mode });
  process.env.KAFKA_BROKERS = endpoints.kafkaBrokers;
  process.env.TEMPORAL_ADDRESS = endpoints.temporalAddress;
  process.env.REDIS_URL = endpoints.redisUrl;
  return teardown;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => say(`bundler: ${message}`),
  error: (message: string) => say(`bundler: ${message}`),
};
