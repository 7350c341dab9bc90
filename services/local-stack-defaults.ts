import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Defaults of the local stack that the configuration reads (services/config.ts): where its servers
 * listen and where built servers are cached. They live here, on the services side, because the
 * configuration is the one env reader; the stack manager (infra/stack) receives the parsed values
 * from its caller and never defines them again.
 */

/** Default ports of a local stack, each overridable (`KAFKA_PORT`, `TEMPORAL_PORT`, … in .env.example). */
export const DEFAULT_PORTS = Object.freeze({
  kafka: 9092,
  kafkaController: 9093,
  temporal: 7233,
  temporalUi: 8233,
  temporalHttp: 7243,
  temporalMetrics: 7245,
  redis: 6379,
});

/**
 * Where built servers live: per user, outside the clone, so that every clone (CI's included) reuses them.
 * `$JML_CACHE_DIR` overrides the default `~/.cache/jml-pipeline` (`$XDG_CACHE_HOME/jml-pipeline` when set).
 */
export function cacheDir(env: { JML_CACHE_DIR?: string; XDG_CACHE_HOME?: string }): string {
  return env.JML_CACHE_DIR && env.JML_CACHE_DIR.trim() !== ''
    ? env.JML_CACHE_DIR
    : join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'jml-pipeline');
}
