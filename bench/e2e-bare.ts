import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { connectTemporalWorker, temporalConnectionOptions } from '../services/connections/temporal';
import type { TemporalSecurity } from '../services/settings/connections';
import { EAGER_ACTIVITIES } from '../services/worker/worker';
import type { bareWorkflow } from './workflows';

/**
 * The reference workload of bench/e2e.ts: a bare workflow running five no-op activities, executed
 * by its own worker (its own bundle of bench/workflows.ts, its own task queue) against the same
 * Temporal server as the pipeline, with the SDK's default worker options and the pipeline workers' eager activity slots.
 */

export interface BareActivities {
  /** Does nothing; counts itself so that the benchmark sees completions without asking the server. */
  noop(): Promise<void>;
}

export const BARE_WORKFLOWS_PATH = fileURLToPath(new URL('./workflows.ts', import.meta.url));
const APPS = 5;

export interface BareThroughput {
  count: number;
  seconds: number;
  perSecond: number;
  /** Time to hand every start to the server. */
  startSeconds: number;
}

export interface BareBench {
  /** Start → result of `count` workflows one after another (an idle server). */
  latency(count: number): Promise<number[]>;
  /** Starts `count` workflows (`concurrency` starts in flight) and waits until all their activities ran. */
  throughput(count: number, concurrency: number): Promise<BareThroughput>;
  shutdown(): Promise<void>;
}

export async function startBareBench(opts: { address: string; security?: TemporalSecurity; namespace: string; taskQueue: string; run: string; dataConverter: DataConverter }): Promise<BareBench> {
  let activitiesDone = 0;
  const activities: BareActivities = {
    async noop() {
      activitiesDone += 1;
    },
  };
  const { connection: workerConnection, close: closeWorkerConnection } = await connectTemporalWorker(opts.security ?? {}, opts.address);
  const worker = await Worker.create({
    connection: workerConnection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowsPath: BARE_WORKFLOWS_PATH,
    activities,
    // The pipeline's workers' setting (services/runtime.ts), so that both sides run the same way.
    maxEagerActivityReservationsPerWorkflowTask: EAGER_ACTIVITIES,
    // The pipeline's codec too: the ratio of the two then leaves the codec's cost out.
    dataConverter: opts.dataConverter,
  });
  const running = worker.run();
  const connection = await Connection.connect(temporalConnectionOptions(opts.security ?? {}, opts.address));
  const client = new Client({ connection, namespace: opts.namespace, dataConverter: opts.dataConverter });
  let seq = 0;
  const start = () =>
    client.workflow.start<typeof bareWorkflow>('bareWorkflow', { taskQueue: opts.taskQueue, workflowId: `bench-bare/${opts.run}/${seq++}`, args: [APPS] });

  return {
    async latency(count) {
      const ms: number[] = [];
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        await (await start()).result();
        ms.push(performance.now() - t0);
      }
      return ms;
    },
    async throughput(count, concurrency) {
      const target = activitiesDone + count * APPS;
      const t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(concurrency, count) }, async () => {
          while (next < count) {
            next += 1;
            await start();
          }
        }),
      );
      const startSeconds = (performance.now() - t0) / 1000;
      let last = activitiesDone;
      let lastProgress = performance.now();
      while (activitiesDone < target) {
        await new Promise((r) => setTimeout(r, 20));
        if (activitiesDone !== last) [last, lastProgress] = [activitiesDone, performance.now()];
        else if (performance.now() - lastProgress > 120_000) throw new Error(`bare workflows stalled: ${target - activitiesDone} activities missing for 2 min`);
      }
      const seconds = (performance.now() - t0) / 1000;
      return { count, seconds, perSecond: count / seconds, startSeconds };
    },
    async shutdown() {
      worker.shutdown();
      await running.catch(() => undefined);
      await Promise.all([closeWorkerConnection(), connection.close()]);
    },
  };
}
