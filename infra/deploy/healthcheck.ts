/**
 * The image's HEALTHCHECK (infra/deploy/Dockerfile bundles it into dist/healthcheck.mjs): asks the
 * running role's own `/healthz` and exits 0 when it answers 200, else 1 with one line on stderr.
 *
 * One image serves every role, and Docker's health check cannot see the container's command, so
 * the role is read from the entry's command line (`node dist/services/main.js <role>`) in /proc.
 * The port is the one the role serves its health on (shared contract of issue 16):
 *   gateway, all     GATEWAY_PORT (default 8080)
 *   codec-server     JML_CODEC_SERVER_PORT (default 8234)
 *   dispatcher, worker, pollers   the ops port JML_OPS_PORT (default 9464)
 * Kubernetes does not use this (its probes are in the Helm chart); compose and `docker run` do.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Default ports, as the configuration schema has them (infra/deploy/deploy.test.ts holds them equal). */
export const DEFAULT_PORTS = { gateway: 8080, codecServer: 8234, ops: 9464 } as const;

/** The role named on a command line of the production entry, if `argv` is one. */
export function roleOf(argv: readonly string[]): string | undefined {
  const entry = argv.findIndex((a) => a.endsWith('services/main.js'));
  return entry >= 0 ? argv[entry + 1] : undefined;
}

/** The URL of `role`'s liveness endpoint inside its container. */
export function healthUrl(role: string, env: Readonly<Record<string, string | undefined>>): string {
  const [hostVar, portVar, port] =
    role === 'gateway' || role === 'all'
      ? (['GATEWAY_HOST', 'GATEWAY_PORT', DEFAULT_PORTS.gateway] as const)
      : role === 'codec-server'
        ? (['JML_CODEC_SERVER_HOST', 'JML_CODEC_SERVER_PORT', DEFAULT_PORTS.codecServer] as const)
        : (['JML_OPS_HOST', 'JML_OPS_PORT', DEFAULT_PORTS.ops] as const);
  const host = env[hostVar]?.trim();
  // A wildcard address listens on loopback too; a specific one (rare in a container) must be asked there.
  const target = !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${target.includes(':') ? `[${target}]` : target}:${env[portVar]?.trim() || port}/healthz`;
}

/** Command lines of the processes this container can see (pid namespace), as argv arrays. */
function commandLines(): string[][] {
  const lines: string[][] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      lines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean));
    } catch {
      // The process ended while we looked.
    }
  }
  return lines;
}

/**
 * The health check itself: finds the role among `commandLines`, asks its /healthz, and returns the
 * exit code (0 healthy, 1 not), reporting why on `stderr`.
 */
export async function checkHealth(req: {
  commandLines: readonly (readonly string[])[];
  env: Readonly<Record<string, string | undefined>>;
  stderr?: (line: string) => void;
  timeoutMs?: number;
}): Promise<number> {
  const stderr = req.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const role = req.commandLines.map(roleOf).find((r) => r !== undefined);
  if (!role) {
    stderr('healthcheck: no `node dist/services/main.js <role>` process found');
    return 1;
  }
  const url = healthUrl(role, req.env);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(req.timeoutMs ?? 3_000) });
    if (res.status === 200) return 0;
    stderr(`healthcheck: ${role} ${url} answered ${res.status}`);
  } catch (err) {
    stderr(`healthcheck: ${role} ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await checkHealth({ commandLines: commandLines(), env: process.env });
}
