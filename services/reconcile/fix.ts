import type { AppPlan, PlannedStep } from '../../schemas/contracts';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { decide } from '../policy/evaluate';
import type { LoadedApp, LoadedPolicy } from '../policy/load';
import { desiredAttributes } from '../policy/plan';
import type { Finding } from './compare';

/**
 * What fixing a finding would do in its app, as ordinary planned steps (the same operations the
 * planner uses, so the same connectors, retries, compensation and audit apply). Pure. `removes`
 * marks plans that take access away (disable, revoke): they count against the mass-change guard
 * like leavers do, so a reconciliation that suddenly finds a thousand zombies is held, not applied.
 *
 * - zombie: disable, then end sessions where the connector can;
 * - orphan: disable (never delete: the person is unknown, so nothing proves we may);
 * - missing: create the account with the mapped attributes and add the granted groups;
 * - drift: update attributes, add and remove our groups, enable or disable, as the finding says;
 * - unmanaged: nothing (only the policy's adoption, not built yet, may claim such an account).
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
      return {
        finding,
        removes: true,
        plan: { appId: app.appId, steps: [disable, ...(revokesSessions(app) ? [signOut] : [])], target: { status: 'disabled', entitlements: [] } },
      };
    case 'missing':
    case 'drift': {
      if (!req.person || !finding.personKey) return { finding, removes: false, skipped: 'the person is not known: nothing to plan from' };
      const granted = [...(decide(policy.file, finding.personKey, req.person).entitlements.get(app.appId) ?? [])].sort();
      if (finding.kind === 'missing') {
        return {
          finding,
          removes: false,
          plan: {
            appId: app.appId,
            steps: [{ operation: 'createAccount', summary: 'create account (reconciliation)', attributes: desiredAttributes(app, req.person), enabled: true }, ...granted.map(grant)],
            target: { status: 'active', entitlements: granted },
          },
        };
      }
      const d = finding.drift ?? {};
      if (d.enabled === false) {
        return { finding, removes: true, plan: { appId: app.appId, steps: [disable], target: { status: 'disabled', entitlements: granted } } };
      }
      const steps: PlannedStep[] = [
        ...(d.attributes?.length ? [{ operation: 'updateAccount' as const, summary: `update ${d.attributes.join(', ')} (reconciliation)`, attributes: desiredAttributes(app, req.person) }] : []),
        ...(d.enabled === true ? [{ operation: 'restoreAccount' as const, summary: 'enable account (reconciliation)' }] : []),
        ...(d.grant ?? []).map(grant),
        ...(d.revoke ?? []).map(revoke),
      ];
      return { finding, removes: (d.revoke?.length ?? 0) > 0, plan: { appId: app.appId, steps, target: { status: 'active', entitlements: granted } } };
    }
  }
}

const signOut: PlannedStep = { operation: 'revokeSessions', summary: 'end sessions and revoke tokens (reconciliation)' };
const grant = (e: string): PlannedStep => ({ operation: 'grantAccess', qualifier: e, entitlement: e, summary: `add to ${e} (reconciliation)` });
const revoke = (e: string): PlannedStep => ({ operation: 'revokeAccess', qualifier: e, entitlement: e, summary: `remove from ${e} (reconciliation)` });
const revokesSessions = (app: LoadedApp): boolean => (app.connector.capabilities as readonly string[]).includes('sessions.revoke');
