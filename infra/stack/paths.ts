import { homedir } from 'node:os';
import { join } from 'node:path';
import { VERSIONS } from './versions';

/**
 * Where built servers live: per user, outside the clone, so that every clone (CI's included) reuses them.
 * `$JML_CACHE_DIR` overrides the default `~/.cache/jml-pipeline`.
 */
export function cacheDir(env: { JML_CACHE_DIR?: string; XDG_CACHE_HOME?: string }): string {
  return env.JML_CACHE_DIR && env.JML_CACHE_DIR.trim() !== ''
    ? env.JML_CACHE_DIR
    : join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'jml-pipeline');
}

export interface ToolPaths {
  readonly cache: string;
  readonly kafkaLibs: string;
  readonly temporalBin: string;
  readonly goPath: string;
  readonly logs: string;
}

export function toolPaths(cache: string): ToolPaths {
  return {
    cache,
    kafkaLibs: join(cache, `kafka-${VERSIONS.kafka}`, 'libs'),
    temporalBin: join(cache, `temporal-${VERSIONS.temporalCli}`, 'bin', 'temporal'),
    goPath: join(cache, 'go'),
    logs: join(cache, 'logs'),
  };
}
