import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { JmlKind, NeedsAttention, orphanFixWorkflowId, PersonKey, personWorkflowId, reconcileFixUpdate, type OrphanFixInput, type PersonFixKind, type ReconcileDrift, type ReconcileFixRequest } from '../../schemas/contracts';
import type { LoadedPolicy } from '../policy/load';
import type { Finding } from './compare';
import { fixPlan } from './fix';
import type { ReconcileReport } from './run';

/**
 * Fixing a reconciliation run (`jml reconcile --fix`, or a schedule whose app says `reconcile.fix`):
 * each finding becomes ordinary work in Temporal, never a direct write from here.
 * - zombie, missing, drift: the person workflow's `reconcileFix` update; the fix waits behind the
 *   person's HR events and is planned again from the newest truth when its turn comes;
 * - orphan: an `orphanFixWorkflow` per account (no person workflow exists);
 * - unused: the person workflow's `reconcileFix` update too, only where the app says
 *   `unused.disable` (otherwise reported only); it disables the account, and the same person's drift
 *   in that app waits for a later run (one fix per person, app and run);
 * - unmanaged: nothing.
 * Every fix that takes access away passes the mass-change guard in its workflow, like a leaver.
 * Asking twice for the same run is harmless: the workflow answers `duplicate` (reported
 * `already-asked`), the orphan's workflow id is already started.
 */

export type FixStatus =
  /** Queued in the person workflow, or the orphan's workflow started. */
  | 'asked'
  /** Asked before for this run (a retry, a second --fix). */
  | 'already-asked'
  /** Nothing to do (unmanaged, or the plan is empty), with why. */
  | 'skipped'
  /** Could not be asked (no person workflow running, or it refused), with why. */
  | 'refused';

export interface FixResult {
  kind: Finding['kind'];
  appId: string;
  personKey?: string;
  externalRef?: string;
  status: FixStatus;
  /** The workflow that applies it (an event workflow, or the orphan's). */
  workflowId?: string;
  drift?: ReconcileDrift;
  /** Whether the fix takes access away (so the guard counts it). */
  removes?: boolean;
  reason?: string;
  /** What it would do as of the run (a person's fix is planned again from the newest truth when it runs). */
  steps?: string[];
}

export interface FixOptions {
  client: Client;
  policy: LoadedPolicy;
  taskQueue: string;
  /** Who asks: an operator (`jml reconcile --fix (user)`) or `schedule`. */
  by: string;
  /** Only these apps' findings (the schedule fixes only apps with `reconcile.fix`). */
  appIds?: readonly string[];
  /** Plan and report only. */
  dryRun?: boolean;
  /**
   * When this ask started (ISO; default now): part of each update's id, so that Temporal's
   * deduplication of update ids covers the retries of this ask only (see `askPerson`).
   */
  askedAt?: string;
}

/** The findings of a run that a fix would act on, with what each would do as of the run. */
export function fixesOf(report: ReconcileReport, policy: LoadedPolicy, appIds?: readonly string[]): FixResult[] {
  const only = appIds ? new Set(appIds) : undefined;
  const out: FixResult[] = [];
  for (const app of report.apps) {
    if (only && !only.has(app.appId)) continue;
    const disablesUnused = policy.apps.get(app.appId)?.unusedDisable === true;
    const idle = new Set(app.findings.filter((f) => f.kind === 'unused' && disablesUnused).map((f) => f.personKey));
    for (const finding of app.findings) {
      const base = {
        kind: finding.kind,
        appId: app.appId,
        ...(finding.personKey ? { personKey: finding.personKey } : {}),
        ...(finding.externalRef ? { externalRef: finding.externalRef } : {}),
        ...(finding.drift ? { drift: finding.drift } : {}),
      };
      if (finding.kind === 'unmanaged') {
        out.push({ ...base, status: 'skipped', reason: 'not managed by the pipeline: left alone' });
        continue;
      }
      if (finding.kind === 'drift' && idle.has(finding.personKey)) {
        out.push({ ...base, status: 'skipped', reason: 'the account is disabled as unused in this run; its drift is for a later run' });
        continue;
      }
      if (finding.kind === 'orphan' || finding.kind === 'zombie' || finding.kind === 'unused') {
        const planned = fixPlan({ policy, finding });
        if (!planned.plan) out.push({ ...base, status: 'skipped', reason: planned.skipped ?? 'nothing to do' });
        else out.push({ ...base, status: 'asked', removes: true, steps: planned.plan.steps.map((s) => s.summary) });
        continue;
      }
      // missing and drift need the person's truth, which their workflow holds: planned there.
      const d = finding.drift ?? {};
      const removes = finding.kind === 'drift' && (d.enabled === false || (d.revoke?.length ?? 0) > 0);
      const steps = finding.kind === 'missing' ? ['create account (reconciliation)', 'add the granted groups'] : describeDrift(d);
      out.push({ ...base, status: 'asked', removes, steps });
    }
  }
  return out;
}

function describeDrift(d: ReconcileDrift): string[] {
  return [
    ...(d.attributes?.length ? [`update ${d.attributes.join(', ')}`] : []),
    ...(d.enabled === true ? ['enable account'] : d.enabled === false ? ['disable account'] : []),
    ...(d.grant ?? []).map((e) => `add to ${e}`),
    ...(d.revoke ?? []).map((e) => `remove from ${e}`),
  ];
}

/** Asks for every fix of the run's findings (see the module comment); answers one result per finding. */
export async function applyFixes(report: ReconcileReport, opts: FixOptions): Promise<FixResult[]> {
  const planned = fixesOf(report, opts.policy, opts.appIds);
  if (opts.dryRun) return planned;
  const askedAt = opts.askedAt ?? new Date().toISOString();
  const results: FixResult[] = [];
  for (const fix of planned) {
    if (fix.status !== 'asked') {
      results.push(fix);
      continue;
    }
    results.push(fix.kind === 'orphan' ? await askOrphan(fix, report.runId, opts) : await askPerson(fix, report.runId, askedAt, opts));
  }
  return results;
}

/**
 * One fix, as the person workflow's `reconcileFix` update. Temporal answers an update id it has seen
 * with that update's first answer (`queued`), whoever asks; so the id names this ask too (`askedAt`):
 * a retry within the ask is one update, and a later ask of the same run and app reaches the
 * workflow, which knows the fix id and answers `duplicate`.
 */
async function askPerson(fix: FixResult, runId: string, askedAt: string, opts: FixOptions): Promise<FixResult> {
  const personKey = fix.personKey as string;
  const request: ReconcileFixRequest = { runId, appId: fix.appId, kind: fix.kind as PersonFixKind, ...(fix.drift ? { drift: fix.drift } : {}), by: opts.by };
  try {
    const accepted = await opts.client.workflow
      .getHandle(personWorkflowId(personKey))
      .executeUpdate(reconcileFixUpdate, { args: [request], updateId: `reconcile-fix/${runId}/${fix.appId}/${askedAt}` });
    return { ...fix, status: accepted.status === 'duplicate' ? 'already-asked' : 'asked', workflowId: accepted.workflowId };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { ...fix, status: 'refused', reason: `${personWorkflowId(personKey)} is not running` };
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause as { message?: string } | undefined;
      return { ...fix, status: 'refused', reason: cause?.message ?? err.message };
    }
    throw err;
  }
}

async function askOrphan(fix: FixResult, runId: string, opts: FixOptions): Promise<FixResult> {
  const input: OrphanFixInput = { runId, appId: fix.appId, externalRef: fix.externalRef as string, personKey: fix.personKey as string, by: opts.by };
  const workflowId = orphanFixWorkflowId(opts.taskQueue, fix.appId, input.externalRef, runId);
  try {
    await opts.client.workflow.start('orphanFixWorkflow', {
      workflowId,
      taskQueue: opts.taskQueue,
      args: [input],
      staticSummary: `reconcile: disable an orphan account in ${fix.appId}`,
      staticDetails: `Found by ${runId}, asked by ${opts.by}.`,
      // Found in the UI like an event of the person the anchor names (and by `jml held` when held).
      typedSearchAttributes: [
        { key: PersonKey, value: input.personKey },
        { key: JmlKind, value: 'reconcile' },
        { key: NeedsAttention, value: false },
      ],
    });
    return { ...fix, workflowId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { ...fix, status: 'already-asked', workflowId };
    throw err;
  }
}

