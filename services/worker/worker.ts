import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { DataConverter } from '@temporalio/common';
import type { Activities } from '../../schemas/contracts';
import { connectTemporalWorker } from '../connections/temporal';
import type { TemporalSecurity } from '../settings/connections';
import { workerInterceptors, workflowSpanSinks } from '../tracing/temporal';

/**
 * Eager activity slots per workflow task: every activity a task schedules (one per app) can start
 * from the task's completion instead of through matching, where the server allows it: a leaver's
 * disables all at once, and the server writes and matches less per joiner. The SDK's default is 3.
 * bench:e2e gives its bare workflow the same setting.
 */
export const EAGER_ACTIVITIES = 32;

/** Path of the workflow entry module the worker bundles into the sandbox. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

export interface WorkerDeps {
  address: string;
  /** TLS, mTLS and API key of the connection (config.connections.temporal); plaintext when absent. */
  temporalSecurity?: TemporalSecurity;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  log: Logger;
  /** A prebuilt bundle (tests build one and share it); otherwise the worker bundles WORKFLOWS_PATH. */
  workflowBundle?: WorkflowBundleOption;
  /** Payload codec and failure converter (services/temporal/data-converter.ts); a bundle must be built with the same failure converter. */
  dataConverter?: DataConverter;
  /** Sticky cache size; undefined = the SDK's default (from the heap size). */
  maxCachedWorkflows?: number | undefined;
  /** How long shutdown() lets running activities finish before cancelling them; the SDK's default (0) cancels at once. */
  shutdownGraceTimeMs?: number | undefined;
}

export interface RunningWorker {
  worker: Worker;
  connection: NativeConnection;
  /** Resolves when the worker has stopped (after shutdown()). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export async function startWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const { connection, close } = await connectTemporalWorker(deps.temporalSecurity ?? {}, deps.address);
  const worker = await Worker.create({
    connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    activities: deps.activities,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    maxEagerActivityReservationsPerWorkflowTask: EAGER_ACTIVITIES,
    // Spans of activities and workflows (services/tracing/temporal.ts); a no-op sink while tracing is off.
    interceptors: workerInterceptors(),
    sinks: workflowSpanSinks(),
    ...(deps.dataConverter ? { dataConverter: deps.dataConverter } : {}),
    ...(deps.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: deps.maxCachedWorkflows } : {}),
    ...(deps.shutdownGraceTimeMs !== undefined ? { shutdownGraceTime: deps.shutdownGraceTimeMs } : {}),
  });
  const done = worker.run();
  done.catch((err: unknown) => deps.log.error({ err }, 'worker stopped with an error'));
  return {
    worker,
    connection,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done.catch(() => undefined);
      await close();
    },
  };
}
