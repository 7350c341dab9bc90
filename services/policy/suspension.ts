import type { AppHoldings, AppPlan, EventPlan, PlannedStep } from '../../schemas/contracts';

/** Steps that give access: never run while a person is suspended. */
const GIVES_ACCESS: ReadonlySet<PlannedStep['operation']> = new Set(['createAccount', 'restoreAccount', 'grantAccess']);

/**
 * An event's plan as it applies to a suspended person: what removes access (disables, revokes,
 * sign-outs, deletes) and attribute updates still run; nothing that creates, enables or grants does.
 * An app left with no step drops out of the plan (an app HR granted meanwhile waits for the
 * restore, which plans it from the rules). Every app stays disabled; its entitlements are those it
 * held and the plan did not revoke.
 *
 * Pure; the worker applies it to every plan of a suspended person except the suspension's own and
 * its restore.
 */
export function whileSuspended(plan: EventPlan, holdings: AppHoldings): EventPlan {
  const apps: AppPlan[] = [];
  for (const app of plan.apps) {
    const steps = app.steps.filter((s) => !GIVES_ACCESS.has(s.operation));
    if (steps.length === 0) continue;
    const held = holdings[app.appId];
    const kept = app.target && held ? held.entitlements.filter((e) => app.target?.entitlements.includes(e)) : held?.entitlements;
    const status = app.target?.status === 'deleted' ? 'deleted' : 'disabled';
    apps.push({ ...app, steps, ...(app.target || held ? { target: { status, entitlements: [...(kept ?? [])].sort() } } : {}) });
  }
  const nothing = apps.length === 0 && plan.apps.length > 0 ? { nothingBecause: 'the person is suspended: this event gives access only, which waits for the restore' } : {};
  return { ...plan, apps, ...nothing };
}
