/**
 * `npm run check:alerts`: validates infra/observability with promtool when it is available (on
 * PATH, or built into the cache as docs/observability.md describes): the scrape configuration and
 * the rules it loads (`check config`), then the rules' unit tests (`test rules alerts.test.yml`).
 * Without promtool it says so and validates nothing; exit 0, so that machines without Go still run
 * the rest. Exit 1 when promtool finds a problem.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../../services/local-stack-defaults';

const HERE = dirname(fileURLToPath(import.meta.url));
const PROMTOOL_VERSION = 'v0.316.0';
const CACHE = cacheDir({ JML_CACHE_DIR: process.env.JML_CACHE_DIR, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME });

function findPromtool(): string | undefined {
  const cached = join(CACHE, 'tools', 'promtool');
  if (existsSync(cached)) return cached;
  const onPath = spawnSync('promtool', ['--version'], { stdio: 'ignore' });
  return onPath.status === 0 ? 'promtool' : undefined;
}

const promtool = findPromtool();
if (!promtool) {
  console.log(
    [
      '[check:alerts] promtool not found: infra/observability was NOT validated.',
      `[check:alerts] build it once (Go module proxy, several minutes): GOFLAGS=-mod=mod GOBIN=${join(CACHE, 'tools')} go install github.com/prometheus/prometheus/cmd/promtool@${PROMTOOL_VERSION}`,
    ].join('\n'),
  );
  process.exit(0);
}
let failed = false;
for (const args of [
  ['check', 'config', 'prometheus.yml'],
  ['test', 'rules', 'alerts.test.yml'],
]) {
  console.log(`[check:alerts] ${promtool} ${args.join(' ')}`);
  const res = spawnSync(promtool, args, { cwd: HERE, stdio: 'inherit' });
  if (res.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
