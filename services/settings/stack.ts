import { join } from 'node:path';
import { z } from 'zod';
import { optionalString } from '../../sources/sdk/settings';

/**
 * Settings of the development stack (infra/stack): where it keeps its files, the ports of the
 * services it starts, and the services to reuse instead. Owned by `npm start`, the stack CLI, the
 * test harness and the benchmarks; a production deployment sets only the `reuse` variables.
 */
export interface StackPorts {
  readonly kafka: number;
  readonly kafkaController: number;
  readonly temporal: number;
  readonly temporalUi: number;
  readonly temporalHttp: number;
  readonly temporalMetrics: number;
  readonly redis: number;
}

export interface StackSettings {
  readonly cacheDir: string;
  readonly stackDir: string;
  readonly ports: StackPorts;
  /** Services to reuse instead of starting them (set by KAFKA_BROKERS, TEMPORAL_ADDRESS, REDIS_URL). */
  readonly reuse: { readonly kafkaBrokers?: string; readonly temporalAddress?: string; readonly redisUrl?: string };
  /** Tests and benchmarks: `native` skips the testcontainers probe. */
  readonly testStack: 'auto' | 'native';
}

const port = z.coerce.number().int().min(1).max(65_535);

/** The stack's variables, with the stack manager's default ports (passed in: from services/local-stack-defaults.ts). */
export function stackEnv(defaultPorts: StackPorts) {
  return {
    JML_CACHE_DIR: optionalString,
    JML_STACK_DIR: optionalString,
    KAFKA_BROKERS: optionalString,
    TEMPORAL_ADDRESS: optionalString,
    REDIS_URL: optionalString,
    KAFKA_PORT: port.default(defaultPorts.kafka),
    KAFKA_CONTROLLER_PORT: port.default(defaultPorts.kafkaController),
    TEMPORAL_PORT: port.default(defaultPorts.temporal),
    TEMPORAL_UI_PORT: port.default(defaultPorts.temporalUi),
    TEMPORAL_HTTP_PORT: port.default(defaultPorts.temporalHttp),
    TEMPORAL_METRICS_PORT: port.default(defaultPorts.temporalMetrics),
    REDIS_PORT: port.default(defaultPorts.redis),
    JML_TEST_STACK: z.enum(['auto', 'native']).default('auto'),
  };
}

type StackEnv = z.output<z.ZodObject<ReturnType<typeof stackEnv>>>;

/** The stack's settings from its parsed variables and the cache directory they resolve to. */
export function stackSettings(e: StackEnv, cacheDir: string): StackSettings {
  return {
    cacheDir,
    stackDir: e.JML_STACK_DIR ?? join(cacheDir, 'stacks', 'default'),
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
    testStack: e.JML_TEST_STACK,
  };
}
