import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { ReconcileActivities, ReconcileSummary } from '../../schemas/contracts';
import type { LoadedPolicy } from '../policy/load';
import { publishFindings, type RecordSink } from './publish';
import { reconcile } from './run';

/** The activity of the scheduled reconciliation: reads, compares, publishes; never changes an app. */
export function createReconcileActivities(deps: { policy: LoadedPolicy; client: Client; taskQueue: string; sink: RecordSink; log: Logger }): ReconcileActivities {
  return {
    async reconcileApps(input): Promise<ReconcileSummary> {
      const activity = Context.current();
      const log = deps.log.child({ component: 'reconcile' });
      const report = await reconcile({
        client: deps.client,
        policy: deps.policy,
        taskQueue: deps.taskQueue,
        log,
        appIds: input.appIds,
        now: () => new Date(input.at),
        onApp: (appId, done, total) => activity.heartbeat({ appId, done, total }),
      });
      const published = await publishFindings(deps.sink, report);
      const summary: ReconcileSummary = {
        runId: report.runId,
        apps: report.apps.map((a) => ({ appId: a.appId, accounts: a.accounts, unchecked: a.unchecked, counts: a.counts })),
        skipped: report.skipped,
        unreadable: report.unreadable.length,
        problems: report.problems,
        published,
      };
      log.info({ runId: report.runId, problems: report.problems, skipped: report.skipped.length }, 'reconciliation run');
      return summary;
    },
  };
}
