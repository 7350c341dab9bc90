import type { WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { startCodecServer } from '../codec-server/server';
import type { LoadedPolicy } from '../policy/load';
import { startParts, type Parts, type PipelineEndpoints, type RunningParts } from '../runtime';

/**
 * The roles one process can run (`jml-pipeline <role>`): what each needs from the configuration and
 * how it starts. One object, so a role is one entry.
 */

/** A piece of configuration a role cannot run without in production (services/roles/config.ts words each). */
export type Need = 'kafka' | 'temporal' | 'redis' | 'canonical-key' | 'policy' | 'workflow-bundle' | 'codec' | 'codec-keys' | 'codec-token';

/** What a role is started with: the configuration parsed once at boot, frozen. */
export interface RoleContext {
  mode: 'development' | 'production';
  config: Config;
  /** The policy, loaded at boot with the configuration (production); development without one uses the development apps. */
  policy?: LoadedPolicy;
  endpoints: PipelineEndpoints;
  log: Logger;
  /** The prebuilt workflow bundle (production); development bundles at boot. */
  workflowBundle?: WorkflowBundleOption;
  /** Environment for the policy's secret references. */
  env: NodeJS.ProcessEnv;
}

/** A started role, as the supervisor (./supervise.ts) drives it. */
export type RunningRole = Pick<RunningParts, 'gatewayUrl' | 'opsUrl' | 'temporal' | 'stopAccepting' | 'stop' | 'failed'>;

export interface RoleDefinition {
  summary: string;
  needs: readonly Need[];
  start(ctx: RoleContext): Promise<RunningRole>;
}

const NONE: Parts = { gateway: false, dispatcher: false, worker: false, pollers: false };

/**
 * A role made of pipeline parts (services/runtime.ts). Every one but the gateway alone (which serves
 * /metrics on its own port) serves the ops port; one with a worker also the Temporal SDK's metrics.
 */
function partsRole(summary: string, parts: Partial<Parts>, needs: readonly Need[]): RoleDefinition {
  const ops = Boolean(parts.dispatcher || parts.worker || parts.pollers);
  return {
    summary,
    needs,
    start: (ctx) => {
      const host = ctx.config.roles.opsHost ?? (ctx.mode === 'production' ? '0.0.0.0' : '127.0.0.1');
      return startParts({
        config: ctx.config,
        endpoints: ctx.endpoints,
        log: ctx.log,
        mode: ctx.mode,
        env: ctx.env,
        parts: { ...NONE, ...parts },
        dispatcherGroupId: ctx.config.roles.dispatcherGroup,
        ...(ctx.policy ? { policy: ctx.policy } : {}),
        ...(ctx.workflowBundle ? { workflowBundle: ctx.workflowBundle } : {}),
        // Running activities get what the deadline leaves after the gateway's drain delay, less a margin to close connections.
        workerShutdownGraceMs: Math.max(1_000, ctx.config.roles.shutdownDeadlineMs - ctx.config.roles.gatewayDrainDelayMs - 5_000),
        ...(ops ? { ops: { host, port: ctx.config.roles.opsPort } } : {}),
        ...(parts.worker ? { temporalMetricsAddress: `${host.includes(':') ? `[${host}]` : host}:${ctx.config.roles.temporalMetricsPort}` } : {}),
      });
    },
  };
}

/**
 * The codec server (services/codec-server/server.ts): opens sealed payloads for the Temporal UI and
 * CLI. Its own role, never part of `all`: it can decrypt every history, so it is deployed where only
 * operators reach it, with a bearer token (development mode alone runs it tokenless on loopback).
 */
const codecServerRole: RoleDefinition = {
  summary: 'payload codec server for the Temporal UI and CLI (/encode, /decode; bearer token)',
  needs: ['codec-keys', 'codec-token'],
  async start(ctx) {
    const server = await startCodecServer(ctx.config, ctx.log, { development: ctx.mode === 'development' });
    let stopping = false;
    // The server is listening: an error on it from now on (not while it closes) ends the role.
    const failed = new Promise<Error>((resolve) => server.app.server.on('error', (err: Error) => void (!stopping && resolve(err))));
    return {
      stopAccepting: () => undefined,
      stop: async () => {
        stopping = true;
        await server.close();
      },
      failed,
    };
  },
};

export const ROLES = {
  gateway: partsRole('HR webhooks and the canonical API → Kafka', { gateway: true }, ['kafka', 'redis', 'canonical-key']),
  dispatcher: partsRole('Kafka → person workflows in Temporal (both lanes)', { dispatcher: true }, ['kafka', 'temporal', 'codec']),
  worker: partsRole('Temporal workflows and activities → apps', { worker: true }, ['kafka', 'temporal', 'redis', 'codec', 'policy', 'workflow-bundle']),
  pollers: partsRole('keeps the reconciliation poller workflows running', { pollers: true }, ['temporal', 'codec']),
  'codec-server': codecServerRole,
  all: partsRole('gateway, dispatcher, worker and pollers in one process (not the codec server)', { gateway: true, dispatcher: true, worker: true, pollers: true }, [
    'kafka',
    'temporal',
    'redis',
    'canonical-key',
    'codec',
    'policy',
    'workflow-bundle',
  ]),
} satisfies Record<string, RoleDefinition>;

export type RoleName = keyof typeof ROLES;

export function isRoleName(name: string | undefined): name is RoleName {
  return name !== undefined && Object.hasOwn(ROLES, name);
}
