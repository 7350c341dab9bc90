/**
 * The gateway alone, in its own process, for benchmarks (so the load generator does not share its
 * event loop). Prints one JSON line `{"url": …}` on stdout once it listens.
 */
import { loadConfig } from '../../services/config';
import { createLogger } from '../../services/log';
import { startPipeline } from '../../services/runtime';

const config = loadConfig();
const pipeline = await startPipeline({
  config,
  endpoints: {
    kafkaBrokers: config.reuse.kafkaBrokers as string,
    temporalAddress: config.reuse.temporalAddress as string,
    redisUrl: config.reuse.redisUrl as string,
  },
  log: createLogger({ name: 'bench-gateway', level: 'warn' }),
  parts: { gateway: true, dispatcher: false, worker: false },
  gatewayPort: 0,
});
process.stdout.write(`${JSON.stringify({ url: pipeline.gatewayUrl })}\n`);
process.once('SIGTERM', () => void pipeline.stop().then(() => process.exit(0)));
