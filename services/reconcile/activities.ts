import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { ReconcileActivities, ReconcileSummary } from '../../schemas/contracts';
import type { LoadedPolicy } from '../policy/load';
import { applyFixes, type FixResult } from './apply';
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
      // Apps whose policy says `reconcile.fix`: their findings become fixes (asked once per run; a retry finds them asked).
      const fixing = report.apps.map((a) => a.appId).filter((id) => deps.policy.apps.get(id)?.reconcileFix === true);
      const fixes = fixing.length > 0 ? await applyFixes(report, { client: deps.client, policy: deps.policy, taskQueue: deps.taskQueue, by: 'schedule', appIds: fixing }) : [];
      const summary: ReconcileSummary = {
        runId: report.runId,
        apps: report.apps.map((a) => ({ appId: a.appId, accounts: a.accounts, unchecked: a.unchecked, counts: a.counts })),
        skipped: report.skipped,
        unreadable: report.unreadable.length,
        problems: report.problems,
        published,
        ...(fixing.length > 0 ? { fixes: countFixes(fixes) } : {}),
      };
      log.info({ runId: report.runId, problems: report.problems, skipped: report.skipped.length }, 'reconciliation run');
      return summary;
    },
  };
}

/** Fixes by status, for the run's summary (no people). */
function countFixes(fixes: readonly FixResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of fixes) counts[f.status] = (counts[f.status] ?? 0) + 1;
  return counts;
}
