import type { AppAttributes, AppPlan, EventPlan, AppHolding, AppHoldings, PlanEventInput, PlannedStep, PreStartSchedule } from '../../schemas/contracts';
import type { JmlEvent, PersonSnapshot } from '../../schemas/jml-event.v1';
import { mapPerson } from '../mapping';
import { decide, type Entitlements } from './evaluate';
import type { LoadedApp, LoadedPolicy } from './load';

/**
 * Plans one event from the policy: which apps, which steps, in which order, and why. Pure: the same
 * policy, event and holdings always give the same plan, which is recorded in the workflow history.
 *
 * `holdings` is what the person workflow knows the person holds (per app: status and the entitlements the
 * pipeline granted). It is the baseline for diffs; without it (the person's first event here) the
 * event's `previous` values stand in.
 *
 * - joiner: create the account in every granted app, then add each entitlement.
 * - rehire: where an account is held (disabled, not deleted), refresh and enable it, add new and
 *   remove stale entitlements; elsewhere it is a joiner. The person workflow cancels pending deletes.
 * - mover / update: in apps kept, update attributes, grant new entitlements BEFORE revoking old ones;
 *   apps newly granted get an account; apps no longer granted are disabled.
 * - leaver / leave start: disable in EVERY configured app (kill switch), whatever the rules or the
 *   holdings say, so a grant from an old rule or a missed event cannot survive a departure; then,
 *   where the connector declares `sessions.revoke`, end the person's sessions and tokens; then, for a
 *   leaver only, where it declares `credentials.revoke` and the app's `leaver.revokeCredentials`
 *   allows, remove the person's credentials (SSH keys, personal tokens, passwords).
 *   Disabling where there is no account is a no-op. Leavers carry each app's retention. Both are
 *   counted by the mass-change guard (`guard`), as are retention deletes.
 * - leave end: ensure the account, enable it, and bring its entitlements to what the rules grant.
 * - retention delete: delete the account in the apps whose retention has passed.
 */
export function planWithPolicy(req: PlanEventInput & { policy: LoadedPolicy }): EventPlan {
  const { policy, event } = req;
  const holdings = req.holdings ?? {};
  const knowsHoldings = Object.keys(holdings).length > 0;
  const person = event.data.person;
  const kind = event.type.slice('jml.'.length);
  const guard = policy.guard ? { guard: { ...policy.guard } } : {};
  if (req.mode === 'retention-delete') {
    const apps = (req.appIds ?? []).filter((id) => policy.apps.has(id)).sort();
    return {
      eventId: event.id,
      personKey: event.subject,
      kind: 'delete',
      apps: apps.map((appId) => withRetry(policy, { appId, steps: [deleteStep], target: { status: 'deleted', entitlements: [] } })),
      ...guard,
    };
  }
  if (req.mode === 'suspend') {
    // An emergency suspension: a leaver's kill switch (every configured app, then sign-out), without
    // retention deletes. Not counted by the mass-change guard: one person, asked by a person, undone by a restore.
    const entitlementsIn = (appId: string) => (holdings[appId] && holdings[appId].status !== 'deleted' ? new Set(holdings[appId].entitlements) : undefined);
    return { eventId: event.id, personKey: event.subject, kind: 'suspend', apps: killSwitch({ policy, holdings, entitlementsIn, retention: false, credentials: false }).map((a) => withRetry(policy, a)) };
  }
  const current = decide(policy.file, event.subject, person);
  const attributesFor = (appId: string) => attributes(policy.apps.get(appId) as LoadedApp, event, person);
  if (req.mode === 'restore') {
    // What the suspension took, as HR grants it now: every app the rules grant, except those the
    // person held without access before it (prepared ahead of a start, on leave). A person HR no
    // longer has active (a leaver, a leave started meanwhile) gets nothing back.
    const inactive = new Set(req.suspended?.inactive ?? []);
    const apps: AppPlan[] = [];
    if (person.status === 'active') {
      for (const [appId, ents] of sorted(current.entitlements)) {
        if (inactive.has(appId)) continue;
        const old = holdings[appId] && holdings[appId].status !== 'deleted' ? new Set(holdings[appId].entitlements) : new Set<string>();
        apps.push(ensureEnabled({ appId, attributes: attributesFor(appId), granted: ents, held: old, why: 'enable account (suspension ended)' }));
      }
    }
    return {
      eventId: event.id,
      personKey: event.subject,
      kind: 'restore',
      apps: apps.map((a) => withRetry(policy, a)),
      why: { matchedRules: current.matchedRules, deniedBy: current.deniedBy },
      ...(person.status === 'active' ? {} : { nothingBecause: `HR has the person ${person.status}: a restore gives back no access` }),
    };
  }
  if (req.mode === 'prestart') {
    const wanted = new Set(req.appIds ?? []);
    return {
      eventId: event.id,
      personKey: event.subject,
      kind: 'prestart',
      apps: sorted(current.entitlements)
        .filter(([appId]) => wanted.has(appId))
        .map(([appId, ents]) =>
          withRetry(policy, {
            appId,
            steps: [{ operation: 'createAccount', summary: 'create account, disabled until the start date', attributes: attributesFor(appId), enabled: false }, ...grants(ents)],
            target: { status: 'disabled', entitlements: [...ents].sort() },
          }),
        ),
      why: { matchedRules: current.matchedRules, deniedBy: current.deniedBy },
    };
  }
  const before = event.data.previous ? decide(policy.file, event.subject, { ...person, ...event.data.previous }) : current;
  /** What the person holds in an app before this event: the workflow's memory, else the event's `previous`. */
  const entitlementsIn = (appId: string): Set<string> | undefined => {
    if (knowsHoldings) {
      const h = holdings[appId];
      return h && h.status !== 'deleted' ? new Set(h.entitlements) : undefined;
    }
    return before.entitlements.get(appId);
  };
  const joinerApp = (appId: string, ents: Set<string>): AppPlan => ({
    appId,
    steps: [{ operation: 'createAccount', summary: 'create account', attributes: attributesFor(appId), enabled: true }, ...grants(ents)],
    target: active(ents),
  });
  const apps: AppPlan[] = [];
  let isGuarded = false;

  switch (event.type) {
    case 'jml.joiner':
      for (const [appId, ents] of sorted(current.entitlements)) {
        const prepared = knowsHoldings && holdings[appId]?.status === 'disabled' ? entitlementsIn(appId) : undefined;
        if (!prepared) {
          apps.push(joinerApp(appId, ents));
          continue;
        }
        // Prepared ahead of the start date (preStart): enable it, and catch up on changed groups.
        apps.push(ensureEnabled({ appId, attributes: attributesFor(appId), granted: ents, held: prepared, why: 'enable account (start date)' }));
      }
      break;
    case 'jml.rehire':
      for (const [appId, ents] of sorted(current.entitlements)) {
        const old = knowsHoldings ? entitlementsIn(appId) : undefined;
        if (!old) {
          apps.push(joinerApp(appId, ents));
          continue;
        }
        const attrs = attributesFor(appId);
        apps.push({
          appId,
          steps: [
            { operation: 'createAccount', summary: 'ensure account', attributes: attrs, enabled: true },
            { operation: 'updateAccount', summary: 'update attributes', attributes: attrs },
            { operation: 'restoreAccount', summary: 'enable account' },
            ...grants(difference(ents, old)),
            ...revokes(difference(old, ents)),
          ],
          target: active(ents),
        });
      }
      break;
    case 'jml.mover':
    case 'jml.update':
      for (const [appId, ents] of sorted(current.entitlements)) {
        if (!knowsHoldings) {
          // Nothing known here about this person (the first event seen is a change): ensure the whole
          // state, since every step is idempotent, and revoke what `previous` says the person had.
          const attrs = attributesFor(appId);
          apps.push({
            appId,
            steps: [
              { operation: 'createAccount', summary: 'ensure account', attributes: attrs, enabled: true },
              { operation: 'updateAccount', summary: 'update attributes', attributes: attrs },
              ...grants(ents),
              ...revokes(difference(before.entitlements.get(appId) ?? new Set(), ents)),
            ],
            target: active(ents),
          });
          continue;
        }
        const old = entitlementsIn(appId);
        if (!old) {
          apps.push(joinerApp(appId, ents));
          continue;
        }
        apps.push({
          appId,
          steps: [{ operation: 'updateAccount', summary: 'update attributes', attributes: attributesFor(appId) }, ...grants(difference(ents, old)), ...revokes(difference(old, ents))],
          target: active(ents),
        });
      }
      for (const appId of [...policy.apps.keys()].sort()) {
        if (current.entitlements.has(appId)) continue;
        const old = entitlementsIn(appId);
        const wasActive = knowsHoldings ? holdings[appId]?.status === 'active' : old !== undefined;
        if (old && wasActive) {
          apps.push({ appId, steps: [{ operation: 'suspendAccount', summary: 'disable account (no longer granted)' }], target: { status: 'disabled', entitlements: [...old].sort() } });
        }
      }
      break;
    case 'jml.leaver':
    case 'jml.leave.start':
      // A leave start disables every account just as a leaver does, so a mass of them (a bad bulk
      // import, a misconfigured leave type) is held by the same guard.
      isGuarded = true;
      apps.push(...killSwitch({ policy, holdings, entitlementsIn, retention: event.type === 'jml.leaver', credentials: event.type === 'jml.leaver' }));
      break;
    case 'jml.leave.end':
      // Back from leave: the account is ensured first (the joiner may have been missed, or the leave
      // start found no account to disable, and then the person workflow's memory says "disabled" for
      // an account that is not there), enabled, and its entitlements brought to what the rules grant now.
      for (const [appId, ents] of sorted(current.entitlements)) {
        apps.push(ensureEnabled({ appId, attributes: attributesFor(appId), granted: ents, held: entitlementsIn(appId) ?? new Set<string>(), why: 'enable account' }));
      }
      break;
  }
  const inactive = !isGuarded && INACTIVE_STATUSES.has(person.status);
  const planned = inactive ? withoutAccess(apps, person.status, holdings) : apps;
  return {
    eventId: event.id,
    personKey: event.subject,
    kind,
    apps: planned.map((a) => withRetry(policy, a)),
    why: { matchedRules: current.matchedRules, deniedBy: current.deniedBy },
    ...(inactive && apps.length > 0 && planned.length === 0 ? { nothingBecause: `HR has the person ${person.status}: a ${kind} gives no access` } : {}),
    ...(isGuarded ? guard : {}),
  };
}

/** Statuses in which a person holds no enabled account anywhere: the leaver and leave-start plans disable them all. */
export const INACTIVE_STATUSES: ReadonlySet<PersonSnapshot['status']> = new Set<PersonSnapshot['status']>(['terminated', 'on-leave']);

/**
 * A hire, change or leave end planned for a person who is, as the person workflow now knows them,
 * on leave or gone: older news applied late (a joiner HR entered before the leave started) or a change
 * during a leave. Nothing in it may enable an account, or reconciliation would find a zombie.
 * - on leave: accounts are created disabled, with their groups, so the leave end only enables them;
 *   enable steps are dropped, and an account the workflow still holds enabled is disabled.
 * - terminated: nothing is created or changed; only disables ("no longer granted") stay, since the
 *   leaver disabled everything and its retention deletes only what existed then.
 */
function withoutAccess(apps: readonly AppPlan[], status: PersonSnapshot['status'], holdings: AppHoldings): AppPlan[] {
  if (status === 'terminated') return apps.filter((a) => a.steps.every((s) => s.operation === 'suspendAccount'));
  return apps.map((a) => {
    if (a.steps.every((s) => s.operation === 'suspendAccount')) return a;
    const steps: PlannedStep[] = a.steps
      .filter((s) => s.operation !== 'restoreAccount')
      .map((s) => (s.operation === 'createAccount' ? { ...s, summary: `${s.summary}, disabled (person on leave)`, enabled: false } : s));
    if (holdings[a.appId]?.status === 'active') steps.push({ operation: 'suspendAccount', summary: 'disable account (person on leave)' });
    return { ...a, steps, target: { status: 'disabled', entitlements: a.target?.entitlements ?? [] } };
  });
}

const active = (ents: Set<string>): AppHolding => ({ status: 'active', entitlements: [...ents].sort() });

/**
 * An account that may exist disabled (prepared ahead of a start, suspended, on leave) or not at all:
 * ensured, enabled, and its groups brought from what it holds to what the rules grant.
 */
function ensureEnabled(req: { appId: string; attributes: AppAttributes; granted: Set<string>; held: Set<string>; why: string }): AppPlan {
  const { granted, held } = req;
  return {
    appId: req.appId,
    steps: [
      { operation: 'createAccount', summary: 'ensure account', attributes: req.attributes, enabled: true },
      { operation: 'restoreAccount', summary: req.why },
      ...grants(difference(granted, held)),
      ...revokes(difference(held, granted)),
    ],
    target: active(granted),
  };
}

/**
 * A leaver's and a suspension's steps: disable in EVERY configured app, then end sessions where the
 * connector can. Apps that find accounts only by the id they gave are skipped unless one is held.
 */
function killSwitch(req: {
  policy: LoadedPolicy;
  holdings: AppHoldings;
  entitlementsIn: (appId: string) => Set<string> | undefined;
  retention: boolean;
  /** A departure: also revoke what works without signing in (never for a leave or a suspension, whose end gives access back). */
  credentials: boolean;
}): AppPlan[] {
  const { policy, holdings } = req;
  const apps: AppPlan[] = [];
  for (const [appId, app] of [...policy.apps].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // An app that finds accounts only by the id it gave them holds nothing of this person's that
    // we could find unless the person workflow holds that id (no step of ours ever created one).
    if ((app.connector.locateBy?.(app.config) ?? 'person-key') === 'created-ref' && !holdings[appId]?.externalRef) continue;
    apps.push({
      appId,
      // Disable first (nobody can sign in again), then end the sessions and tokens already out
      // there, where the app can: a disabled account's open session is still access.
      steps: [
        { operation: 'suspendAccount', summary: 'disable account' },
        ...(revokesSessions(app) ? [signOutStep] : []),
        // Then, for a departure (a leave ends, and a password or OTP device could not come back),
        // what still works without signing in: SSH keys, personal tokens; per app setting.
        ...(req.credentials && revokesCredentials(app) ? [credentialsStep] : []),
      ],
      target: { status: 'disabled', entitlements: [...(req.entitlementsIn(appId) ?? [])].sort() },
      ...(req.retention && app.deleteAfterMs !== undefined ? { deleteAfterMs: app.deleteAfterMs } : {}),
    });
  }
  return apps;
}

/** Attributes an app without a mapping receives. */
export function defaultAttributes(event: JmlEvent): AppAttributes {
  return personDefaultAttributes(event.data.person);
}

/** What the policy writes to an app for this person: its mapping, or the default attributes. */
export function desiredAttributes(app: LoadedApp, person: PersonSnapshot): AppAttributes {
  return app.mapping ? mapPerson({ appId: app.appId, mapping: app.mapping, person }).attributes : personDefaultAttributes(person);
}

function personDefaultAttributes(p: PersonSnapshot): AppAttributes {
  return {
    userName: p.workEmail ?? `${p.givenName}.${p.familyName}`.toLowerCase(),
    displayName: `${p.preferredName ?? p.givenName} ${p.familyName}`,
    title: p.jobTitle ?? null,
    department: p.department ?? null,
    employeeNumber: p.employeeId,
  };
}

/** The step of a retention delete. */
export const deleteStep: PlannedStep = Object.freeze({ operation: 'deleteAccount', summary: 'delete account (retention ended)' });

const signOutStep: PlannedStep = Object.freeze({ operation: 'revokeSessions', summary: 'end sessions and revoke tokens' });

/** Whether the app's connector declares `sessions.revoke`. */
const revokesSessions = (app: LoadedApp): boolean => (app.connector.capabilities as readonly string[]).includes('sessions.revoke');

/** The step that removes a leaver's credentials (see {@link revokesCredentials}). */
export const credentialsStep: PlannedStep = Object.freeze({ operation: 'revokeCredentials', summary: 'remove SSH keys, tokens and other credentials' });

/** Whether a leaver's credentials go in the app: its connector declares `credentials.revoke` and its `leaver.revokeCredentials` is not `false`. */
export const revokesCredentials = (app: LoadedApp): boolean =>
  (app.connector.capabilities as readonly string[]).includes('credentials.revoke') && app.leaver.revokeCredentials !== false;

function attributes(app: LoadedApp, event: JmlEvent, person: PersonSnapshot) {
  if (!app.mapping) return defaultAttributes(event);
  return desiredAttributes(app, person);
}

function sorted(entitlements: Entitlements): Array<[string, Set<string>]> {
  return [...entitlements].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const grants = (ents: Set<string>): PlannedStep[] =>
  [...ents].sort().map((e) => ({ operation: 'grantAccess', qualifier: e, entitlement: e, summary: `add to ${e}` }));
const revokes = (ents: Set<string>): PlannedStep[] =>
  [...ents].sort().map((e) => ({ operation: 'revokeAccess', qualifier: e, entitlement: e, summary: `remove from ${e}` }));

function difference(a: Set<string>, b: Set<string>): Set<string> {
  return new Set([...a].filter((e) => !b.has(e)));
}

/**
 * When a future-dated joiner or rehire should prepare which apps: each granted app with `preStart`
 * at `effectiveAt - preStart`, grouped by moment. Empty for other events and when no app looks ahead.
 */
export function preStartSchedule(req: { policy: LoadedPolicy; event: JmlEvent }): PreStartSchedule {
  const { policy, event } = req;
  if (event.type !== 'jml.joiner' && event.type !== 'jml.rehire') return { groups: [] };
  const start = Date.parse(event.data.effectiveAt);
  const byMoment = new Map<number, string[]>();
  for (const [appId] of sorted(decide(policy.file, event.subject, event.data.person).entitlements)) {
    const lookahead = policy.apps.get(appId)?.preStartMs;
    if (lookahead === undefined) continue;
    byMoment.set(start - lookahead, [...(byMoment.get(start - lookahead) ?? []), appId]);
  }
  return { groups: [...byMoment].sort(([a], [b]) => a - b).map(([at, appIds]) => ({ at, appIds })) };
}

/** The app's plan with the app's step retry policy from the policy file, if it sets one. */
export function withRetry(policy: LoadedPolicy, app: AppPlan): AppPlan {
  const retry = policy.apps.get(app.appId)?.retry;
  return retry ? { ...app, retry } : app;
}
