/**
 * A worker process for the crash-gap test: the pipeline's worker only, with the `gap` app's create
 * hanging after its effect. The test kills it with SIGKILL. Configured by the environment
 * (KAFKA_BROKERS, TEMPORAL_ADDRESS, REDIS_URL, TEMPORAL_TASK_QUEUE, JML_CONFIG_FILE, …).
 */
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import { loadConfig } from '../../services/config';
import { createLogger } from '../../services/log';
import { startPipeline } from '../../services/runtime';
import { gapConnector } from './gap-connector';

const config = loadConfig();
const { kafkaBrokers, temporalAddress, redisUrl } = config.reuse;
if (!kafkaBrokers || !temporalAddress || !redisUrl) throw new Error('gap-worker: KAFKA_BROKERS, TEMPORAL_ADDRESS and REDIS_URL must be set');
await startPipeline({
  config,
  endpoints: { kafkaBrokers, temporalAddress, redisUrl },
  log: createLogger({ name: 'gap-worker', level: 'warn' }),
  parts: { gateway: false, dispatcher: false, worker: true, pollers: false },
  connectors: { ...CONNECTOR_FACTORIES, gap: () => gapConnector({ hangAfterCreate: true }) },
});
process.stdout.write('ready\n');
