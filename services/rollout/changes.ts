import { createHash } from 'node:crypto';
import { canonicalJson } from '../../schemas/canonical-json';
import type { AppHolding, ReconcileDrift } from '../../schemas/contracts';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { decide } from '../policy/evaluate';
import type { PolicyFile } from '../policy/schema';
import { DISABLED_STATUSES } from '../reconcile/compare';
import type { PersonRecord } from '../reconcile/gather';

/**
 * Policy rollouts, the pure part: what a policy change means for the people the pipeline knows
 * (`jml policy diff`), and what each person must be asked to do so that what they hold matches what
 * the running policy grants (`jml policy apply`). No I/O.
 */

/** What a policy grants a person now: app → groups; nothing while the person is gone (on leave, terminated) or not started. */
export function grantsOf(policy: Pick<PolicyFile, 'rules' | 'deny' | 'overrides'>, personKey: string, person: PersonSnapshot): Map<string, Set<string>> {
  if (DISABLED_STATUSES.has(person.status) || person.status === 'pre-hire') return new Map();
  return decide(policy, personKey, person).entitlements;
}

/** A short, stable name of a policy's content (its canonical JSON): names a rollout and its cursor. */
export function policyHash(policy: PolicyFile): string {
  return createHash('sha256').update(canonicalJson(policy)).digest('hex').slice(0, 12);
}

/** One app's share of a policy change: how many people gain or lose the account and each group. */
export interface AppDiff {
  appId: string;
  /** People who gain the account (created, or enabled again) and who lose it (disabled). */
  accounts: { gain: number; lose: number };
  /** Per group: people added to it and removed from it (an account lost takes its groups along, and is not counted here). */
  groups: Record<string, { gain: number; lose: number }>;
}

export interface PolicyDiff {
  /** People read (their workflows answered). */
  people: number;
  /** People whose grants differ. */
  changed: number;
  /** Apps with a change, by id. */
  apps: AppDiff[];
}

/**
 * What changes from `current` to `next` for each person, counted per app: the two policies'
 * {@link grantsOf} compared, person by person. A group renamed is one group lost and one gained.
 */
export function policyDiff(req: { current: PolicyFile; next: PolicyFile; people: readonly Pick<PersonRecord, 'personKey' | 'person'>[] }): PolicyDiff {
  const apps = new Map<string, AppDiff>();
  const appOf = (appId: string) => {
    let a = apps.get(appId);
    if (!a) apps.set(appId, (a = { appId, accounts: { gain: 0, lose: 0 }, groups: {} }));
    return a;
  };
  const group = (a: AppDiff, g: string) => (a.groups[g] ??= { gain: 0, lose: 0 });
  let changed = 0;
  for (const { personKey, person } of req.people) {
    const before = grantsOf(req.current, personKey, person);
    const after = grantsOf(req.next, personKey, person);
    let differs = false;
    for (const appId of new Set([...before.keys(), ...after.keys()])) {
      const was = before.get(appId);
      const will = after.get(appId);
      if (!was && will) {
        differs = true;
        const a = appOf(appId);
        a.accounts.gain += 1;
        for (const g of will) group(a, g).gain += 1;
      } else if (was && !will) {
        differs = true;
        appOf(appId).accounts.lose += 1;
      } else if (was && will) {
        const gained = [...will].filter((g) => !was.has(g));
        const lost = [...was].filter((g) => !will.has(g));
        if (gained.length + lost.length === 0) continue;
        differs = true;
        const a = appOf(appId);
        for (const g of gained) group(a, g).gain += 1;
        for (const g of lost) group(a, g).lose += 1;
      }
    }
    if (differs) changed += 1;
  }
  return { people: req.people.length, changed, apps: [...apps.values()].sort((a, b) => (a.appId < b.appId ? -1 : 1)) };
}

/** One app of one person to bring in line with the running policy: the person workflow's `reconcileFix` request. */
export interface RolloutChange {
  appId: string;
  /** `missing`: no account known (create it, add the groups); `drift`: enable or disable it, add or remove groups. */
  kind: 'missing' | 'drift';
  drift?: ReconcileDrift;
  /** Takes access away (disable, remove from a group): counted by the mass-change guard. */
  removes: boolean;
  /**
   * The fix's run id: the policy, the person, the app, and the change itself. Asking again for the
   * same change (a re-run, a resumed run while the fix waits or is held) is the same fix, answered
   * `duplicate`; a later change of the same person and app (the policy changed back) is a new one.
   * Per person, so the mass-change guard counts every person's removal on its own.
   */
  runId: string;
  /** What it would do, for people reading the plan (no personal values). */
  steps: string[];
}

/**
 * What one person must be asked so that what they hold (their workflow's holdings) matches what the
 * running policy grants: per app of the policy, in app order. Apps the policy no longer has are
 * left alone (nothing could act there). Empty when the person is in step, so applying twice asks
 * nothing the second time.
 */
export function rolloutChanges(req: { policy: PolicyFile; policyHash: string; appIds: readonly string[]; person: PersonRecord }): RolloutChange[] {
  const { personKey, person, holdings } = req.person;
  const granted = grantsOf(req.policy, personKey, person);
  const gone = DISABLED_STATUSES.has(person.status) || person.status === 'pre-hire';
  const out: RolloutChange[] = [];
  for (const appId of [...req.appIds].sort()) {
    const holding: AppHolding | undefined = holdings[appId];
    const wants = granted.get(appId);
    const want = wants ? [...wants].sort() : undefined;
    const held = holding && holding.status !== 'deleted' ? holding : undefined;
    const id = (what: unknown) => `rollout-${req.policyHash}-${createHash('sha256').update(canonicalJson([personKey, appId, what])).digest('hex').slice(0, 12)}`;
    if (want && !held) {
      out.push({ appId, kind: 'missing', removes: false, runId: id(['missing', want]), steps: ['create account', ...want.map((g) => `add to ${g}`)] });
      continue;
    }
    if (!held) continue;
    if (!want) {
      // Gone people are the leaver lane's, not the rollout's: their accounts are disabled already or about to be.
      if (held.status !== 'active' || gone) continue;
      const drift: ReconcileDrift = { enabled: false };
      out.push({ appId, kind: 'drift', drift, removes: true, runId: id(['drift', drift, held.entitlements]), steps: ['disable account'] });
      continue;
    }
    const grant = want.filter((g) => !held.entitlements.includes(g));
    const revoke = held.entitlements.filter((g) => !want.includes(g));
    const enable = held.status !== 'active';
    if (!enable && grant.length === 0 && revoke.length === 0) continue;
    const drift: ReconcileDrift = { ...(enable ? { enabled: true } : {}), ...(grant.length ? { grant } : {}), ...(revoke.length ? { revoke } : {}) };
    out.push({
      appId,
      kind: 'drift',
      drift,
      removes: revoke.length > 0,
      runId: id(['drift', drift]),
      steps: [...(enable ? ['enable account'] : []), ...grant.map((g) => `add to ${g}`), ...revoke.map((g) => `remove from ${g}`)],
    });
  }
  return out;
}
