import { randomBytes } from 'node:crypto';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import type {} from 'vitest';
import { loadConfig, withSingleBrokerDefaults } from '../../services/config';
import type { StackEndpoints } from '../../infra/stack/stack';
import { WORKFLOWS_PATH } from '../../services/worker/worker';
import { FAILURE_CONVERTER_PATH } from '../../services/temporal/data-converter';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../services/tracing/temporal';
import { pino } from 'pino';
import { createKafka } from '../../services/kafka/client';
import { ensureTopics } from '../../services/kafka/topics';
import { acquireStack } from './acquire-stack';
import { acquireRunLock } from './run-lock';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEndpoints & { mode: string };
    workflowBundleCode: string;
  }
}

const say = (line: string) => process.stderr.write(`[test-stack] ${line}\n`);

/**
 * Real servers for the integration tests (see acquireStack for the order: reuse, testcontainers,
 * native). The workflow bundle is built once here and shared with every test file.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bundle = bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
    logger: quietBundlerLogger,
  });
  // Tests run as production does: payloads in Temporal sealed, with a key of this run (by
  // reference, like any key) unless the environment configures the codec itself.
  if (!process.env.JML_CODEC_KEYS && process.env.JML_CODEC !== 'off') {
    process.env.JML_TEST_CODEC_KEY = randomBytes(32).toString('base64');
    process.env.JML_CODEC_KEYS = JSON.stringify([{ id: `test-${Date.now().toString(36)}`, key: { env: 'JML_TEST_CODEC_KEY' } }]);
  }
  // The test stack is one broker: test files (which inherit this environment) replicate once
  // unless KAFKA_REPLICATION_FACTOR / KAFKA_MIN_INSYNC_REPLICAS say otherwise.
  Object.assign(process.env, withSingleBrokerDefaults(process.env));
  const config = loadConfig();
  const reusing = Boolean(config.reuse.kafkaBrokers && config.reuse.temporalAddress && config.reuse.redisUrl);
  const unlock = reusing ? await acquireRunLock({ say }) : async () => undefined;
  const acquired = await acquireStack({ config, say, label: 'test' }).catch(async (err: unknown) => {
    await unlock();
    throw err;
  });
  const release = async () => {
    try {
      await acquired.release();
    } finally {
      await unlock();
    }
  };
  const stack = { ...acquired, release };
  try {
    // Topics exist before any test file runs, so each file also passes on its own (a test that only
    // produces would otherwise wait on a topic nobody created).
    const admin = createKafka({ brokers: stack.endpoints.kafkaBrokers, clientId: 'test-setup', log: pino({ level: 'warn' }), security: config.connections.kafka }).admin();
    await admin.connect();
    try {
      await ensureTopics(admin, config.kafka.topics);
    } finally {
      await admin.disconnect();
    }
    project.provide('workflowBundleCode', (await bundle).code);
  } catch (err) {
    await stack.release();
    throw err;
  }
  project.provide('stack', { ...stack.endpoints, mode: stack.mode });
  process.env.KAFKA_BROKERS = stack.endpoints.kafkaBrokers;
  process.env.TEMPORAL_ADDRESS = stack.endpoints.temporalAddress;
  process.env.REDIS_URL = stack.endpoints.redisUrl;
  return stack.release;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => say(`bundler: ${message}`),
  error: (message: string) => say(`bundler: ${message}`),
};
