import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StackError } from './exec';
import { installKafka, installRedis, installTemporal, type Say } from './install';
import type { ToolPaths } from './paths';
import { isAlive, portInUse, readPid, startProcess, stopProcess, waitFor } from './process';
import { kafkaServer, redisServer, temporalServer, type InstanceLayout, type ServerDef } from './servers';

/** Ports of one stack instance. */
export interface StackPorts {
  kafka: number;
  kafkaController: number;
  temporal: number;
  temporalUi: number;
  temporalHttp: number;
  temporalMetrics: number;
  redis: number;
}

/** Services that already run elsewhere and must be reused instead of started. */
export interface ReuseEndpoints {
  kafkaBrokers?: string;
  temporalAddress?: string;
  redisUrl?: string;
}

export interface StackOptions {
  /** Data, logs and pid files of this instance. */
  dir: string;
  ports: StackPorts;
  /** Keep data across restarts (npm start) or not (tests). */
  persistent: boolean;
  /** Serve the Temporal UI. */
  ui: boolean;
  /** The codec server the UI decodes payloads through (`--ui-codec-endpoint`); applies when this call starts Temporal. */
  uiCodecEndpoint?: string;
  reuse?: ReuseEndpoints;
  tools: ToolPaths;
  say?: Say;
}

/** Where to reach each service of a running stack. */
export interface StackEndpoints {
  kafkaBrokers: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  redisUrl: string;
}

export interface ServiceStatus {
  name: string;
  state: 'running' | 'stopped' | 'external';
  pid?: number;
  address: string;
}

function layoutOf(opts: StackOptions): InstanceLayout {
  return { dir: opts.dir, logs: join(opts.dir, 'logs'), pids: join(opts.dir, 'pids'), persistent: opts.persistent };
}

/** Installs (when missing) and starts every service not reused, waits until all are ready. Idempotent. */
export async function stackUp(opts: StackOptions): Promise<{ endpoints: StackEndpoints; started: ServiceName[] }> {
  const say = opts.say ?? (() => undefined);
  const tools = opts.tools;
  const layout = layoutOf(opts);
  await mkdir(layout.logs, { recursive: true });
  await mkdir(layout.pids, { recursive: true });
  const reuse = opts.reuse ?? {};

  // Install everything first (in parallel: the Temporal build is the long pole), then start.
  const [libs, temporalBin, redisBin] = await Promise.all([
    reuse.kafkaBrokers ? undefined : installKafka(say, tools),
    reuse.temporalAddress ? undefined : installTemporal(say, tools),
    reuse.redisUrl ? undefined : installRedis(say, tools),
  ]);

  const servers: ServerDef[] = [];
  if (redisBin) servers.push(redisServer({ layout, port: opts.ports.redis, bin: redisBin }));
  if (libs) servers.push(kafkaServer({ layout, libs, port: opts.ports.kafka, controllerPort: opts.ports.kafkaController }));
  if (temporalBin) {
    const p = opts.ports;
    servers.push(
      temporalServer({ layout, bin: temporalBin, port: p.temporal, uiPort: p.temporalUi, httpPort: p.temporalHttp, metricsPort: p.temporalMetrics, ui: opts.ui, uiCodecEndpoint: opts.uiCodecEndpoint }),
    );
  }
  // Check every port before starting anything, so a conflict leaves nothing half-started.
  const conflicts = (await Promise.all(servers.map(portConflicts))).flat();
  if (conflicts.length > 0) {
    throw new StackError(
      'PORT_IN_USE',
      `${conflicts.join('; ')}: held by a process jml-pipeline did not start; stop it, pick other ports, or point the env var at it to reuse it.`,
    );
  }
  const outcomes = await Promise.allSettled(servers.map((server) => ensureRunning(server, say)));
  const started = servers.filter((_, i) => (outcomes[i] as PromiseSettledResult<boolean>).status === 'fulfilled' && (outcomes[i] as PromiseFulfilledResult<boolean>).value).map((s) => s.name);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) {
    // One server did not come up: stop the ones this call started, so nothing is left running unowned.
    await stackDown({ dir: opts.dir, only: started, say });
    throw failed.reason;
  }

  const endpoints: StackEndpoints = {
    kafkaBrokers: reuse.kafkaBrokers ?? `127.0.0.1:${opts.ports.kafka}`,
    temporalAddress: reuse.temporalAddress ?? `127.0.0.1:${opts.ports.temporal}`,
    temporalUiUrl: reuse.temporalAddress ? undefined : opts.ui ? `http://127.0.0.1:${opts.ports.temporalUi}` : undefined,
    redisUrl: reuse.redisUrl ?? `redis://127.0.0.1:${opts.ports.redis}`,
  };
  return { endpoints, started };
}

/** Ports a server that is not already ours and running would need but cannot have. */
async function portConflicts(server: ServerDef): Promise<string[]> {
  const pid = await readPid(server.spec().pidFile);
  if (pid !== undefined && isAlive(pid)) return [];
  const ports = [server.port, ...server.extraPorts];
  const busy = await Promise.all(ports.map((p) => portInUse(p)));
  return ports.filter((_, i) => busy[i]).map((p) => `port ${p} (${server.name})`);
}

/** Makes sure the server runs; true when this call started it, false when it was already ours and running. */
async function ensureRunning(server: ServerDef, say: Say): Promise<boolean> {
  const spec = server.spec();
  const pid = await readPid(spec.pidFile);
  if (pid !== undefined && isAlive(pid)) {
    await waitFor(server.name, server.ready, server.readyTimeoutMs, () => !isAlive(pid));
    say(`${server.name}: already running (pid ${pid}), reused`);
    return false;
  }
  await server.prepare();
  const started = Date.now();
  const newPid = await startProcess(spec);
  try {
    await waitFor(server.name, server.ready, server.readyTimeoutMs, () => !isAlive(newPid));
  } catch (err) {
    await stopProcess(spec.pidFile, 2_000);
    throw new StackError('START_FAILED', `${(err as Error).message}; see ${spec.logFile}`, { cause: err });
  }
  say(`${server.name}: started (pid ${newPid}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

const SERVICE_NAMES = ['temporal', 'kafka', 'redis'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * Stops the processes this instance started (by pid file), nothing else; `only` narrows it further.
 * Optionally removes the instance's data.
 */
export async function stackDown(opts: { dir: string; only?: readonly ServiceName[]; removeData?: boolean; say?: Say }): Promise<void> {
  const pids = join(opts.dir, 'pids');
  await Promise.all(
    SERVICE_NAMES.filter((name) => !opts.only || opts.only.includes(name)).map(async (name) => {
      if (await stopProcess(join(pids, `${name}.pid`))) opts.say?.(`${name}: stopped`);
    }),
  );
  if (opts.removeData) await rm(opts.dir, { recursive: true, force: true });
}

export async function stackStatus(opts: { dir: string; ports: StackPorts; reuse?: ReuseEndpoints }): Promise<ServiceStatus[]> {
  const reuse = opts.reuse ?? {};
  const addresses: Record<(typeof SERVICE_NAMES)[number], string> = {
    temporal: reuse.temporalAddress ?? `127.0.0.1:${opts.ports.temporal} (UI http://127.0.0.1:${opts.ports.temporalUi})`,
    kafka: reuse.kafkaBrokers ?? `127.0.0.1:${opts.ports.kafka}`,
    redis: reuse.redisUrl ?? `redis://127.0.0.1:${opts.ports.redis}`,
  };
  const external = { temporal: reuse.temporalAddress, kafka: reuse.kafkaBrokers, redis: reuse.redisUrl };
  return Promise.all(
    SERVICE_NAMES.map(async (name): Promise<ServiceStatus> => {
      if (external[name]) return { name, state: 'external', address: addresses[name] };
      const pid = await readPid(join(opts.dir, 'pids', `${name}.pid`));
      return pid !== undefined && isAlive(pid)
        ? { name, state: 'running', pid, address: addresses[name] }
        : { name, state: 'stopped', address: addresses[name] };
    }),
  );
}
