/**
 * `npm start`: the whole local stack (Kafka, Temporal with UI, Redis) plus gateway, dispatcher and
 * worker in this process. Ctrl-C stops what this run started; servers it found running stay up.
 */
import { loadConfig, loadDotEnv, withSingleBrokerDefaults, type Config } from './config';
import { DEV_CANONICAL_SECRET } from './dev-defaults';
import { createLogger } from './log';
import { startPipeline } from './runtime';
import { toolPaths } from '../infra/stack/paths';
import { stackDown, stackUp } from '../infra/stack/stack';


async function main(): Promise<void> {
  loadDotEnv();
  // Without KAFKA_BROKERS, npm start runs its own one-broker Kafka: replicate once unless told otherwise.
  const env = process.env.KAFKA_BROKERS ? process.env : withSingleBrokerDefaults(process.env);
  let config: Config = loadConfig(env);
  if (!config.gateway.canonicalSecret) {
    config = loadConfig({ ...env, JML_CANONICAL_SECRET: DEV_CANONICAL_SECRET });
    console.log(`[start] JML_CANONICAL_SECRET is not set; using the development secret ${DEV_CANONICAL_SECRET}`);
  }
  const log = createLogger({ name: 'jml', level: config.logLevel });
  const say = (line: string) => console.log(`[start] ${line}`);

  const { endpoints, started } = await stackUp({
    dir: config.stackDir,
    ports: config.ports,
    persistent: true,
    ui: true,
    reuse: config.reuse,
    tools: toolPaths(config.cacheDir),
    say,
  });
  const pipeline = await startPipeline({ config, endpoints, log });

  say('jml-pipeline is running:');
  say(`  gateway       ${pipeline.gatewayUrl}   (POST /v1/events, GET /healthz, GET /readyz)`);
  say(`  Temporal UI   ${endpoints.temporalUiUrl ?? '(external Temporal)'}`);
  say(`  Temporal      ${endpoints.temporalAddress}   namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue}`);
  say(`  Kafka         ${endpoints.kafkaBrokers}`);
  say(`  Redis         ${endpoints.redisUrl}`);
  say(`  data + logs   ${config.stackDir}`);
  say('Ctrl-C stops everything this run started.');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping ...`);
    await pipeline.stop();
    if (started.length > 0) await stackDown({ dir: config.stackDir, only: started, say });
    say('stopped');
    process.exit(0);
  };
  // `on`, not `once`: Ctrl-C reaches this process more than once (the terminal signals the whole
  // process group and npm and tsx forward it too); a second signal must not end it before the
  // servers it started are stopped.
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`[start] error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
