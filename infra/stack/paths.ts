import { join } from 'node:path';
import { VERSIONS } from './versions';

export interface ToolPaths {
  readonly cache: string;
  readonly kafkaLibs: string;
  readonly temporalBin: string;
  readonly goPath: string;
  readonly logs: string;
}

/** Where the installed servers and their logs live inside the cache directory (the configuration's `cacheDir`). */
export function toolPaths(cache: string): ToolPaths {
  return {
    cache,
    kafkaLibs: join(cache, `kafka-${VERSIONS.kafka}`, 'libs'),
    temporalBin: join(cache, `temporal-${VERSIONS.temporalCli}`, 'bin', 'temporal'),
    goPath: join(cache, 'go'),
    logs: join(cache, 'logs'),
  };
}
