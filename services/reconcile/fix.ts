import type { AppHoldings, AppPlan, EventPlan, OrphanFixInput, PlanEventInput, PlannedStep, ReconcileFixRequest } from '../../schemas/contracts';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { decide } from '../policy/evaluate';
import type { LoadedApp, LoadedPolicy } from '../policy/load';
import { credentialsStep, desiredAttributes, revokesCredentials, withRetry } from '../policy/plan';
import { DISABLED_STATUSES, type Finding } from './compare';

/**
 * What fixing a finding would do in its app, as ordinary planned steps (the same operations the
 * planner uses, so the same connectors, retries, compensation and audit apply). Pure. `removes`
 * marks plans that take access away (disable, revoke): they count against the mass-change guard
 * like leavers do, so a reconciliation that suddenly finds a thousand zombies is held, not applied.
 *
 * - zombie: disable, then end sessions where the connector can, and, for a person who left (HR status
 *   `terminated`, not a leave), remove their credentials as a leaver does;
 * - orphan: disable (never delete: the person is unknown, so nothing proves we may);
 * - missing: create the account with the mapped attributes and add the granted groups; the create
 *   may not claim an account someone else made unless the app's `reconcile.adopt` says so;
 * - drift: update attributes, add and remove our groups, enable or disable, as the finding says;
 * - unused: disable, then end sessions where the connector can, only where the app's policy says
 *   `unused.disable` and the person is still active (a leaver's account is the leaver's business);
 * - unmanaged: nothing (only a fix of the person's `missing`, with `reconcile.adopt`, claims one).
 *
 * Planned from the person as given: a fix planned when its turn comes gets the newest HR truth, and
 * where that truth no longer calls for it (a zombie rehired, a group no longer granted) it does less
 * or nothing.
 */
export interface FixPlan {
  finding: Finding;
  plan?: AppPlan;
  removes: boolean;
  /** Why there is no plan. */
  skipped?: string;
}

export function fixPlan(req: { policy: LoadedPolicy; finding: Finding; person?: PersonSnapshot }): FixPlan {
  const { policy, finding } = req;
  const app = policy.apps.get(finding.appId);
  if (!app) return { finding, removes: false, skipped: `the policy has no app '${finding.appId}'` };
  const disable: PlannedStep = { operation: 'suspendAccount', summary: 'disable account (reconciliation)' };
  switch (finding.kind) {
    case 'unmanaged':
      return { finding, removes: false, skipped: 'not managed by the pipeline: left alone' };
    case 'orphan':
      return { finding, removes: true, plan: { appId: app.appId, steps: [disable], target: { status: 'disabled', entitlements: [] } } };
    case 'zombie':
      if (req.person && !DISABLED_STATUSES.has(req.person.status)) return { finding, removes: false, skipped: `the person's HR status is now ${req.person.status}: the account may be enabled` };
      return {
        finding,
        removes: true,
        plan: {
          appId: app.appId,
          steps: [
            disable,
            ...(revokesSessions(app) ? [signOut] : []),
            ...(req.person?.status === 'terminated' && revokesCredentials(app) ? [{ ...credentialsStep, summary: `${credentialsStep.summary} (reconciliation)` }] : []),
          ],
          target: { status: 'disabled', entitlements: [] },
        },
      };
    case 'unused': {
      if (!app.unusedDisable) return { finding, removes: false, skipped: `reported only: ${app.appId} does not say unused.disable` };
      if (req.person && (DISABLED_STATUSES.has(req.person.status) || req.person.status === 'pre-hire')) {
        return { finding, removes: false, skipped: `the person's HR status is now ${req.person.status}: not judged as unused` };
      }
      const steps: PlannedStep[] = [{ ...disable, summary: 'disable unused account (reconciliation)' }, ...(revokesSessions(app) ? [signOut] : [])];
      const granted = req.person && finding.personKey ? [...(decide(policy.file, finding.personKey, req.person).entitlements.get(app.appId) ?? [])].sort() : [];
      return { finding, removes: true, plan: { appId: app.appId, steps, target: { status: 'disabled', entitlements: granted } } };
    }
    case 'missing':
    case 'drift': {
      if (!req.person || !finding.personKey) return { finding, removes: false, skipped: 'the person is not known: nothing to plan from' };
      const grants = decide(policy.file, finding.personKey, req.person).entitlements.get(app.appId);
      const granted = [...(grants ?? [])].sort();
      const gone = DISABLED_STATUSES.has(req.person.status) || req.person.status === 'pre-hire';
      if (finding.kind === 'missing') {
        if (!grants || gone) return { finding, removes: false, skipped: `the policy no longer grants ${app.appId} to the person` };
        return {
          finding,
          removes: false,
          plan: {
            appId: app.appId,
            steps: [
              { operation: 'createAccount', summary: 'create account (reconciliation)', attributes: desiredAttributes(app, req.person), enabled: true, ...(app.reconcileAdopt ? {} : { adopt: false }) },
              ...granted.map(grant),
            ],
            target: { status: 'active', entitlements: granted },
          },
        };
      }
      const d = finding.drift ?? {};
      if (d.enabled === false) {
        if (grants && !gone) return { finding, removes: false, skipped: `the policy grants ${app.appId} to the person again` };
        return { finding, removes: true, plan: { appId: app.appId, steps: [disable], target: { status: 'disabled', entitlements: granted } } };
      }
      if (!grants || gone) return { finding, removes: false, skipped: `the policy no longer grants ${app.appId} to the person` };
      // Only what is still true by the newest truth: a group granted since is not revoked, one revoked since is not added.
      const toGrant = (d.grant ?? []).filter((e) => granted.includes(e));
      const toRevoke = (d.revoke ?? []).filter((e) => !granted.includes(e));
      const steps: PlannedStep[] = [
        ...(d.attributes?.length ? [{ operation: 'updateAccount' as const, summary: `update ${d.attributes.join(', ')} (reconciliation)`, attributes: desiredAttributes(app, req.person) }] : []),
        ...(d.enabled === true ? [{ operation: 'restoreAccount' as const, summary: 'enable account (reconciliation)' }] : []),
        ...toGrant.map(grant),
        ...toRevoke.map(revoke),
      ];
      if (steps.length === 0) return { finding, removes: false, skipped: 'nothing differs any more by the newest truth' };
      return { finding, removes: toRevoke.length > 0, plan: { appId: app.appId, steps, target: { status: 'active', entitlements: granted } } };
    }
  }
}

const signOut: PlannedStep = { operation: 'revokeSessions', summary: 'end sessions and revoke tokens (reconciliation)' };
const grant = (e: string): PlannedStep => ({ operation: 'grantAccess', qualifier: e, entitlement: e, summary: `add to ${e} (reconciliation)` });
const revoke = (e: string): PlannedStep => ({ operation: 'revokeAccess', qualifier: e, entitlement: e, summary: `remove from ${e} (reconciliation)` });
const revokesSessions = (app: LoadedApp): boolean => (app.connector.capabilities as readonly string[]).includes('sessions.revoke');

/**
 * The plan of a person workflow's fix (mode `reconcile`): {@link fixPlan} from the person's newest
 * truth (the synthetic event's snapshot), with the app's retry policy, what the person keeps in the
 * app's holding, and the mass-change guard when the fix takes access away.
 */
export function planFix(req: PlanEventInput & { policy: LoadedPolicy }): EventPlan {
  const { event, policy } = req;
  const fix = req.fix as ReconcileFixRequest;
  const base = { eventId: event.id, personKey: event.subject, kind: 'reconcile' };
  if (!fix) return { ...base, apps: [], nothingBecause: 'no finding to fix was given' };
  const finding: Finding = { kind: fix.kind, appId: fix.appId, personKey: event.subject, summary: '', ...(fix.drift ? { drift: fix.drift } : {}) };
  const planned = fixPlan({ policy, finding, person: event.data.person });
  if (!planned.plan) return { ...base, apps: [], nothingBecause: planned.skipped ?? 'nothing to do' };
  const app = keepHolding(planned.plan, req.holdings);
  return { ...base, apps: [withRetry(policy, app)], ...(planned.removes && policy.guard ? { guard: { ...policy.guard } } : {}) };
}

/** The plan of an orphan's fix: disable the account, counted by the mass-change guard. */
export function planOrphanFix(req: OrphanFixInput & { policy: LoadedPolicy }): EventPlan {
  // The account names it: two orphans of one app in one run are two fixes (the guard counts each; step keys differ).
  const base = { eventId: `${req.runId}.fix.${req.appId}/${req.externalRef}`, personKey: req.personKey, kind: 'reconcile' };
  const finding: Finding = { kind: 'orphan', appId: req.appId, personKey: req.personKey, externalRef: req.externalRef, summary: '' };
  const planned = fixPlan({ policy: req.policy, finding });
  if (!planned.plan) return { ...base, apps: [], nothingBecause: planned.skipped ?? 'nothing to do' };
  return { ...base, apps: [withRetry(req.policy, planned.plan)], ...(req.policy.guard ? { guard: { ...req.policy.guard } } : {}) };
}

/** A disable keeps the groups the person workflow knows the person holds there (a disable removes none). */
function keepHolding(plan: AppPlan, holdings: AppHoldings | undefined): AppPlan {
  const held = holdings?.[plan.appId];
  if (!plan.target || plan.target.status !== 'disabled' || !held) return plan;
  return { ...plan, target: { ...plan.target, entitlements: [...held.entitlements] } };
}
