import { join } from 'node:path';
import { ConfigError } from '../config';
import { createLogger } from '../log';
import { loadProductionConfig } from './config';
import { EXIT, supervise } from './supervise';
import { isRoleName, ROLES } from './table';
import { startTracing } from '../tracing';

/** Where `npm run build` writes the prebuilt workflow bundle, relative to the build's root (dist/). */
export const WORKFLOW_BUNDLE_FILE = join('workflows', 'workflow-bundle.js');

export const USAGE = `usage: jml-pipeline <${Object.keys(ROLES).join('|')}>`;

/**
 * `jml-pipeline <role>` in production mode: parses the configuration once (every problem listed,
 * exit 2), starts the role (exit 1 when it cannot), then supervises it until a signal drains it
 * (exit 0, or 3 past the deadline) or one of its parts dies (exit 1). Returns the exit code.
 */
export async function runRole(req: { argv: readonly string[]; env: NodeJS.ProcessEnv; buildRoot: string; stderr?: (line: string) => void }): Promise<number> {
  const stderr = req.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const [name, ...extra] = req.argv;
  if (!isRoleName(name) || extra.length > 0) {
    stderr(name === undefined || isRoleName(name) ? USAGE : `unknown role '${name}'; ${USAGE}`);
    return EXIT.config;
  }
  let loaded;
  try {
    loaded = loadProductionConfig({ role: name, env: req.env, workflowBundlePath: join(req.buildRoot, WORKFLOW_BUNDLE_FILE) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    stderr(`jml-pipeline ${name}: ${err.message}`);
    return EXIT.config;
  }
  const { config, policy, endpoints } = loaded;
  const log = createLogger({ name: `jml-${name}`, level: config.logLevel });
  // Before the parts start (their clients and workers pick up the registered tracer); flushed once they stopped.
  const tracing = startTracing(name, config.tracing);
  if (tracing.enabled) log.info({ tracesUrl: config.tracing.tracesUrl }, 'exporting traces');
  let running;
  try {
    running = await ROLES[name].start({
      mode: 'production',
      config,
      ...(policy ? { policy } : {}),
      endpoints,
      log,
      workflowBundle: { codePath: join(req.buildRoot, WORKFLOW_BUNDLE_FILE) },
      env: req.env,
    });
  } catch (err) {
    await tracing.shutdown();
    if (err instanceof ConfigError) {
      stderr(`jml-pipeline ${name}: ${err.message}`);
      return EXIT.config;
    }
    log.fatal({ err }, `the ${name} role could not start`);
    return EXIT.failed;
  }
  log.info({ role: name, ...(running.gatewayUrl ? { gatewayUrl: running.gatewayUrl } : {}), ...(running.opsUrl ? { opsUrl: running.opsUrl } : {}) }, 'running');
  return supervise(running, { log, deadlineMs: config.roles.shutdownDeadlineMs, drainDelayMs: config.roles.gatewayDrainDelayMs, afterStop: () => tracing.shutdown() });
}
