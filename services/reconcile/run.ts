import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { LoadedPolicy } from '../policy/load';
import { reconcileApp, type AppReconciliation } from './compare';
import { canList, knownPeople, listApp, peopleForApp } from './gather';

/** One reconciliation of some apps against HR truth; see compare.ts for what each finding means. */
export interface ReconcileReport {
  /** The run's id: `reconcile-<ISO instant>` of when it started (business time, not a random id). */
  runId: string;
  at: string;
  apps: AppReconciliation[];
  /** Apps that could not be reconciled, with why (a connector without `accounts.list`, an app that failed to list). */
  skipped: Array<{ appId: string; reason: string }>;
  /** People whose workflow did not answer: their accounts were not judged. */
  unreadable: string[];
  /** Sum of findings other than `unmanaged` and `unused` (what `--check` fails on: an unused account is not out of step). */
  problems: number;
}

/**
 * Reconciles `appIds` (every app of the policy by default): reads the people once, then lists and
 * compares each app. Never changes anything.
 */
export async function reconcile(req: {
  client: Client;
  policy: LoadedPolicy;
  taskQueue: string;
  log: Logger;
  appIds?: readonly string[];
  now?: () => Date;
  onApp?: (appId: string, done: number, total: number) => void;
}): Promise<ReconcileReport> {
  const at = (req.now ?? (() => new Date()))().toISOString();
  const runId = `reconcile-${at}`;
  const appIds = [...(req.appIds ?? [...req.policy.apps.keys()])].sort();
  for (const id of appIds) if (!req.policy.apps.has(id)) throw new Error(`the policy has no app '${id}' (apps: ${[...req.policy.apps.keys()].sort().join(', ')})`);
  const { people, unreadable } = await knownPeople({ client: req.client, taskQueue: req.taskQueue, log: req.log });
  const apps: AppReconciliation[] = [];
  const skipped: ReconcileReport['skipped'] = [];
  for (const [i, appId] of appIds.entries()) {
    const app = req.policy.apps.get(appId);
    if (!app) continue;
    if (!canList(app.connector)) {
      skipped.push({ appId, reason: `connector '${app.connector.id}' cannot list accounts` });
      continue;
    }
    try {
      // Last use costs a request per account in some apps: asked only where the policy judges unused accounts.
      const judgesUnused = app.unusedAfterMs !== undefined;
      const { accounts, lastUse } = await listApp({ app, runId, log: req.log.child({ appId }), lastUsed: judgesUnused });
      apps.push(reconcileApp({ policy: req.policy, appId, people: peopleForApp(people, appId), accounts, unreadable, at, ...(lastUse ? { lastUse } : {}) }));
    } catch (err) {
      skipped.push({ appId, reason: `listing failed: ${(err as Error).message}` });
    }
    req.onApp?.(appId, i + 1, appIds.length);
  }
  const problems = apps.reduce((n, a) => n + a.findings.filter((f) => f.kind !== 'unmanaged' && f.kind !== 'unused').length, 0);
  return { runId, at, apps, skipped, unreadable, problems };
}
