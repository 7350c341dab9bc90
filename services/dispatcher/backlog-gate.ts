import type { Client } from '@temporalio/client';
import protos from '@temporalio/proto';
import type { Logger } from 'pino';

const { TaskQueueKind, TaskQueueType } = protos.temporal.api.enums.v1;

/**
 * Backpressure between Kafka and Temporal: the complete-log dispatcher hands an event to Temporal
 * only while the task queue's backlog is under a bound, so that a burst of joiners waits in Kafka
 * (where the leaver lane passes it) instead of in Temporal's task queues (where a leaver's person
 * workflow task would queue behind thousands of joiners' at the same priority).
 *
 * The backlog is read from the server (DescribeTaskQueue stats, workflow plus activity tasks),
 * at most once per `pollMs`. The server's figure lags (its stats cache, 5 s by default; our dev
 * server sets 500 ms), so every event handed off within the last `staleMs` counts as one more task
 * until a reading can include it. When the stats cannot be read the gate opens: backpressure is an
 * optimisation, and dispatching must never stop because a statistic is missing.
 */
export interface BacklogGate {
  /**
   * Resolves once the backlog is under the bound (at once when it is), calling `heartbeat` every
   * few seconds while it waits so that the consumer keeps its partitions. Resolves when closed.
   */
  wait(heartbeat?: () => Promise<void>): Promise<void>;
  /** Counts an event handed to Temporal (one more task until the server's figure shows it). */
  handedOff(): void;
  close(): void;
}

export interface BacklogGateOptions {
  /** The task queue's current backlog (workflow + activity tasks); throws when unavailable. */
  read: () => Promise<number>;
  /** Events are handed off while backlog + recent handoffs stays under this. */
  maxBacklog: number;
  /** Minimum time between readings; default 200 ms. */
  pollMs?: number;
  /** How long a handoff may be missing from the server's figure; default 1,000 ms. */
  staleMs?: number;
  /** Heartbeat period while waiting; default 3 s. */
  heartbeatMs?: number;
  log: Logger;
  now?: () => number;
  /** Told how long each wait that paused lasted (services/metrics: backlog-gate waits). */
  onWaited?: (seconds: number) => void;
}

export function backlogGate(opts: BacklogGateOptions): BacklogGate {
  const now = opts.now ?? Date.now;
  const pollMs = opts.pollMs ?? 200;
  const staleMs = opts.staleMs ?? 1_000;
  const heartbeatMs = opts.heartbeatMs ?? 3_000;
  const handoffs: number[] = [];
  let reading: { at: number; backlog: number } | undefined;
  let inflight: Promise<void> | undefined;
  let closed = false;
  let warnedAt = -Infinity;
  let waiting = false;

  const refresh = (): Promise<void> =>
    (inflight ??= opts
      .read()
      .then(
        (backlog) => void (reading = { at: now(), backlog }),
        (err: unknown) => {
          reading = undefined;
          if (now() - warnedAt > 60_000) {
            warnedAt = now();
            opts.log.warn({ err: (err as Error).message }, 'task-queue backlog unreadable; dispatching without backpressure');
          }
        },
      )
      .finally(() => (inflight = undefined)));

  /** Under the bound? `undefined` reading (stats unavailable) counts as open. */
  const open = (): boolean => {
    const t = now();
    while (handoffs.length > 0 && (handoffs[0] as number) < t - staleMs) handoffs.shift();
    return reading === undefined || reading.backlog + handoffs.length < opts.maxBacklog;
  };

  return {
    async wait(heartbeat) {
      if (reading === undefined || now() - reading.at >= pollMs) await refresh();
      let lastBeat = now();
      const startedAt = now();
      let paused = false;
      while (!closed && !open()) {
        paused = true;
        if (!waiting) {
          waiting = true;
          opts.log.debug({ backlog: reading?.backlog, recent: handoffs.length, max: opts.maxBacklog }, 'task queue backlog at its bound; dispatching paused');
        }
        await new Promise<void>((resolve) => setTimeout(resolve, pollMs));
        if (heartbeat && now() - lastBeat >= heartbeatMs) {
          lastBeat = now();
          await heartbeat();
        }
        if (reading === undefined || now() - reading.at >= pollMs) await refresh();
      }
      waiting = false;
      if (paused) opts.onWaited?.((now() - startedAt) / 1000);
    },
    handedOff() {
      handoffs.push(now());
    },
    close() {
      closed = true;
    },
  };
}

/** Reads a task queue's backlog (workflow + activity tasks) from the Temporal server. */
export function temporalBacklogReader(temporal: Client, opts: { namespace: string; taskQueue: string }): () => Promise<number> {
  const describe = async (taskQueueType: number) => {
    const res = await temporal.workflowService.describeTaskQueue({
      namespace: opts.namespace,
      taskQueue: { name: opts.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType,
      reportStats: true,
    });
    return Number(res.stats?.approximateBacklogCount ?? 0);
  };
  return async () => {
    const [workflows, activities] = await Promise.all([describe(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW), describe(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)]);
    return workflows + activities;
  };
}
