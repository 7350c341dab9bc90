import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsAction } from '@temporalio/client';
import type { Logger } from 'pino';
import { reconcileScheduleId, type ReconcileWorkflowInput } from '../../schemas/contracts';
import type { LoadedPolicy } from '../policy/load';
import { listScheduleIds } from '../temporal/visibility';

/**
 * One Temporal Schedule per app whose policy says `reconcile.every`: `reconcile/<taskQueue>/<appId>`
 * starts `reconcileWorkflow` for that app at that interval, skipping a run while the previous one
 * still lists. Created or updated at the worker's start (idempotent: several workers may race); a
 * schedule of this deployment whose app no longer asks for it is deleted (we made it; nothing else is).
 * Ops see, pause and trigger them in the UI's Schedules page.
 */
export async function ensureReconcileSchedules(req: { client: Client; policy: LoadedPolicy; taskQueue: string; log: Logger }): Promise<string[]> {
  const { client, taskQueue, log } = req;
  const wanted = new Map<string, { appId: string; everyMs: number }>();
  for (const [appId, app] of req.policy.apps) if (app.reconcileEveryMs !== undefined) wanted.set(reconcileScheduleId(taskQueue, appId), { appId, everyMs: app.reconcileEveryMs });

  for (const [scheduleId, { appId, everyMs }] of wanted) {
    const action: ScheduleOptionsAction = {
      type: 'startWorkflow',
      workflowType: 'reconcileWorkflow',
      // Each run gets the schedule's id with the time appended by the server: ids from the schedule, not random.
      workflowId: `reconcile/${taskQueue}/${appId}`,
      taskQueue,
      args: [{ appIds: [appId] } satisfies ReconcileWorkflowInput],
    };
    const spec = { intervals: [{ every: everyMs }] };
    try {
      await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP }, memo: { app: appId } });
      log.info({ scheduleId, everyMs }, 'reconciliation schedule created');
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
      log.info({ scheduleId, everyMs }, 'reconciliation schedule up to date');
    }
  }

  const prefix = reconcileScheduleId(taskQueue, '');
  // Raw ids: other deployments' schedules in the namespace may carry memos sealed with keys we lack.
  for await (const scheduleId of listScheduleIds(client)) {
    if (scheduleId.startsWith(prefix) && !wanted.has(scheduleId)) {
      await client.schedule.getHandle(scheduleId).delete();
      log.info({ scheduleId }, 'reconciliation schedule removed: its app no longer asks for one');
    }
  }
  return [...wanted.keys()].sort();
}
