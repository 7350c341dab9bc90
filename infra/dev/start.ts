/**
 * `npm start`: the whole local stack (Kafka, Temporal with UI, Redis), then the role `all` (gateway,
 * dispatcher, worker, pollers; services/roles) in this process, in development mode: without a
 * policy file the development apps, and the workflow bundle built at boot. Ctrl-C drains the role
 * as in production, then stops what this run started; servers it found running stay up.
 *
 * `--dev` (what `npm start` passes) is the development mode, and the only way to run without a
 * configured canonical key: it then generates one per stack directory, refuses unless the gateway
 * binds to loopback, and says so. Without `--dev`, a missing key stops the start.
 */
import { loadConfig, loadDotEnv, withSingleBrokerDefaults, type Config } from '../../services/config';
import { ensureDevCanonicalSecret, isLoopbackHost } from '../../services/dev-defaults';
import { createLogger } from '../../services/log';
import { supervise } from '../../services/roles/supervise';
import { startTracing } from '../../services/tracing';
import { ROLES } from '../../services/roles/table';
import { toolPaths } from '../stack/paths';
import { stackDown, stackUp } from '../stack/stack';
import { codecUiNote, devCodecServerUrl, startLocalCodecServer, withDevCodec } from './codec';


async function main(): Promise<void> {
  const devMode = process.argv.slice(2).includes('--dev');
  const say = (line: string) => console.log(`[start] ${line}`);
  loadDotEnv();
  // Without KAFKA_BROKERS, npm start runs its own one-broker Kafka: replicate once unless told otherwise.
  const env = process.env.KAFKA_BROKERS ? process.env : withSingleBrokerDefaults(process.env);
  let config: Config = loadConfig(env);
  if (devMode) say('development mode (npm start): not for anything but this machine');
  if (config.gateway.canonicalKeys.length === 0) {
    if (!devMode) throw new Error('JML_CANONICAL_SECRET is not set; the gateway does not start without it (only `npm start`, in development mode, generates one)');
    if (!isLoopbackHost(config.gateway.host)) {
      throw new Error(`JML_CANONICAL_SECRET is not set and GATEWAY_HOST ${config.gateway.host} is not loopback; development mode generates a key only for a gateway on loopback`);
    }
    const dev = ensureDevCanonicalSecret(config.stackDir);
    config = loadConfig({ ...env, JML_CANONICAL_SECRET: dev.secret });
    say(`JML_CANONICAL_SECRET is not set; using the development key ${dev.created ? 'generated now ' : ''}in ${dev.path} (\`npm run jml -- send\` signs with it)`);
  }
  config = withDevCodec({ config, devMode, say });
  const log = createLogger({ name: 'jml', level: config.logLevel });
  const codecServer = await startLocalCodecServer({ config, log, devMode, say });

  const { endpoints, started } = await stackUp({
    dir: config.stackDir,
    ports: config.ports,
    persistent: true,
    ui: true,
    reuse: config.reuse,
    tools: toolPaths(config.cacheDir),
    ...(codecServer ? { uiCodecEndpoint: devCodecServerUrl(config) } : {}),
    say,
  });
  // Traces when OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/tracing.md); before the parts start, flushed after they stop.
  const tracing = startTracing('all', config.tracing);
  const pipeline = await ROLES.all.start({ mode: 'development', config, endpoints, log, env });

  say('jml-pipeline is running:');
  say(`  gateway       ${pipeline.gatewayUrl}   (POST /v1/events, GET /healthz, GET /readyz)`);
  if (pipeline.opsUrl) say(`  ops           ${pipeline.opsUrl}   (GET /metrics, /healthz, /readyz; Temporal SDK metrics on port ${config.roles.temporalMetricsPort})`);
  say(`  Temporal UI   ${endpoints.temporalUiUrl ?? '(external Temporal)'}`);
  say(`  Temporal      ${endpoints.temporalAddress}   namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue}`);
  say(`  Kafka         ${endpoints.kafkaBrokers}`);
  say(`  Redis         ${endpoints.redisUrl}`);
  if (codecServer) say(`  codec server  ${codecServer.url}   (the Temporal UI decodes payloads through it)`);
  const uiNote = codecUiNote({ codecServer, started, config });
  if (uiNote) say(uiNote);
  say(`  data + logs   ${config.stackDir}`);
  say('Ctrl-C stops everything this run started.');

  // No drain delay: no load balancer watches a development gateway's /readyz.
  const code = await supervise(pipeline, {
    log,
    deadlineMs: config.roles.shutdownDeadlineMs,
    drainDelayMs: 0,
    afterStop: async () => {
      await codecServer?.close();
      await tracing.shutdown();
      if (started.length > 0) await stackDown({ dir: config.stackDir, only: started, say });
      say('stopped');
    },
  });
  process.exit(code);
}

main().catch((err: unknown) => {
  console.error(`[start] error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
