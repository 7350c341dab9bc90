import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../services/config';
import { toolPaths } from '../../infra/stack/paths';
import { freePort, isAlive, waitFor } from '../../infra/stack/process';
import { kafkaReady, redisReady, temporalReady } from '../../infra/stack/servers';
import { stackDown, stackUp, type StackEndpoints, type StackPorts } from '../../infra/stack/stack';
import { containerRuntimeAvailable, startContainerStack } from './containers';

/** Free loopback ports for every server of a stack instance. */
export async function freeStackPorts(): Promise<StackPorts> {
  return {
    kafka: await freePort(),
    kafkaController: await freePort(),
    temporal: await freePort(),
    temporalUi: await freePort(),
    temporalHttp: await freePort(),
    temporalMetrics: await freePort(),
    redis: await freePort(),
  };
}

export interface AcquiredStack {
  endpoints: StackEndpoints;
  mode: 'reused' | 'testcontainers' | 'native';
  release(): Promise<void>;
}

/**
 * Real servers for tests and benchmarks, chosen in this order:
 *  (a) services named by KAFKA_BROKERS, TEMPORAL_ADDRESS, REDIS_URL are reused (each on its own);
 *  (b) with a reachable container engine (and JML_TEST_STACK != native), testcontainers;
 *  (c) otherwise the native stack, installed into the user cache and started on free ports.
 */
export async function acquireStack(opts: { config: Config; say: (line: string) => void; label: string }): Promise<AcquiredStack> {
  const { config, say } = opts;
  const reuse = config.reuse;
  let acquired: AcquiredStack;
  if (reuse.kafkaBrokers && reuse.temporalAddress && reuse.redisUrl) {
    acquired = {
      endpoints: { kafkaBrokers: reuse.kafkaBrokers, temporalAddress: reuse.temporalAddress, redisUrl: reuse.redisUrl },
      mode: 'reused',
      release: async () => undefined,
    };
  } else if (config.testStack !== 'native' && (await containerRuntimeAvailable())) {
    const containers = await startContainerStack();
    acquired = { endpoints: { ...containers.endpoints, ...definedOnly(reuse) }, mode: 'testcontainers', release: containers.stop };
  } else {
    await reapOrphans(join(config.cacheDir, 'stacks'), opts.label, say);
    const dir = join(config.cacheDir, 'stacks', `${opts.label}-${process.pid}`);
    const ports = await freeStackPorts();
    const started = Date.now();
    const up = await stackUp({ dir, ports, persistent: false, ui: false, reuse, tools: toolPaths(config.cacheDir), say });
    say(`native stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    acquired = { endpoints: up.endpoints, mode: 'native', release: () => stackDown({ dir, removeData: true }) };
  }
  const { endpoints } = acquired;
  try {
    // Reused services must answer too; fail with a clear message rather than time out later.
    await Promise.all([
      waitFor(`Kafka at ${endpoints.kafkaBrokers}`, () => kafkaReady(endpoints.kafkaBrokers, config.connections.kafka), 30_000),
      waitFor(`Temporal at ${endpoints.temporalAddress}`, () => temporalReady(endpoints.temporalAddress, config.connections.temporal), 30_000),
      waitFor(`Redis at ${endpoints.redisUrl}`, () => redisReady(endpoints.redisUrl, config.connections.redis), 15_000),
    ]);
  } catch (err) {
    await acquired.release();
    throw err;
  }
  say(`${acquired.mode}: Kafka ${endpoints.kafkaBrokers}, Temporal ${endpoints.temporalAddress}, Redis ${endpoints.redisUrl}`);
  return acquired;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Stops and removes the throwaway stacks of earlier runs whose process died before its teardown
 * (killed, or its output pipe closed), so servers do not pile up on a developer's machine.
 */
async function reapOrphans(stacksDir: string, label: string, say: (line: string) => void): Promise<void> {
  const entries = await readdir(stacksDir).catch(() => [] as string[]);
  for (const name of entries) {
    const owner = new RegExp(`^${label}-(\\d+)$`).exec(name)?.[1];
    if (owner === undefined || Number(owner) === process.pid || isAlive(Number(owner))) continue;
    await stackDown({ dir: join(stacksDir, name), removeData: true });
    say(`removed ${name}, left behind by a run that ended without its teardown`);
  }
}
