import type { JmlEvent, PersonSnapshot } from '../../schemas/jml-event.v1';
import { mapPerson } from '../mapping';
import { defaultAttributes, type AppPlan, type EventPlan, type PlannedStep } from '../worker/plan';
import { decide, type Entitlements } from './evaluate';
import type { LoadedApp, LoadedPolicy } from './load';

/**
 * Plans one event from the policy: which apps, which steps, in which order, and why. Pure: the same
 * policy and event always give the same plan, which is recorded in the workflow history.
 *
 * - joiner: create the account in every granted app, then add each entitlement.
 * - rehire: ensure the account, refresh it, enable it, then add entitlements.
 * - mover / update: in apps kept, update attributes, grant new entitlements BEFORE revoking old ones;
 *   apps newly granted get an account; apps no longer granted are disabled.
 * - leaver / leave start: disable in EVERY configured app (kill switch), whatever the rules say today,
 *   so a grant from an old rule cannot survive a departure. Disabling where there is no account is a no-op.
 * - leave end: enable again where the rules grant.
 */
export function planWithPolicy(req: { policy: LoadedPolicy; event: JmlEvent }): EventPlan {
  const { policy, event } = req;
  const person = event.data.person;
  const current = decide(policy.file, event.subject, person);
  const before = event.data.previous ? decide(policy.file, event.subject, { ...person, ...event.data.previous }) : current;
  const attributesFor = (app: LoadedApp) => attributes(app, event, person);
  const apps: AppPlan[] = [];
  const appOf = (appId: string) => policy.apps.get(appId) as LoadedApp;

  switch (event.type) {
    case 'jml.joiner':
      for (const [appId, ents] of sorted(current.entitlements)) {
        apps.push({ appId, steps: [{ operation: 'createAccount', summary: 'create account', attributes: attributesFor(appOf(appId)), enabled: true }, ...grants(ents)] });
      }
      break;
    case 'jml.rehire':
      for (const [appId, ents] of sorted(current.entitlements)) {
        const attrs = attributesFor(appOf(appId));
        apps.push({
          appId,
          steps: [
            { operation: 'createAccount', summary: 'create account', attributes: attrs, enabled: true },
            { operation: 'updateAccount', summary: 'update attributes', attributes: attrs },
            { operation: 'restoreAccount', summary: 'enable account' },
            ...grants(ents),
          ],
        });
      }
      break;
    case 'jml.mover':
    case 'jml.update':
      for (const [appId, ents] of sorted(current.entitlements)) {
        const attrs = attributesFor(appOf(appId));
        const old = before.entitlements.get(appId);
        if (!old) {
          apps.push({ appId, steps: [{ operation: 'createAccount', summary: 'create account', attributes: attrs, enabled: true }, ...grants(ents)] });
          continue;
        }
        const added = new Set([...ents].filter((e) => !old.has(e)));
        const removed = new Set([...old].filter((e) => !ents.has(e)));
        apps.push({ appId, steps: [{ operation: 'updateAccount', summary: 'update attributes', attributes: attrs }, ...grants(added), ...revokes(removed)] });
      }
      for (const [appId] of sorted(before.entitlements)) {
        if (!current.entitlements.has(appId)) apps.push({ appId, steps: [{ operation: 'suspendAccount', summary: 'disable account (no longer granted)' }] });
      }
      break;
    case 'jml.leaver':
    case 'jml.leave.start':
      for (const appId of [...policy.apps.keys()].sort()) apps.push({ appId, steps: [{ operation: 'suspendAccount', summary: 'disable account' }] });
      break;
    case 'jml.leave.end':
      for (const [appId] of sorted(current.entitlements)) apps.push({ appId, steps: [{ operation: 'restoreAccount', summary: 'enable account' }] });
      break;
  }
  return {
    eventId: event.id,
    personKey: event.subject,
    kind: event.type.slice('jml.'.length),
    apps,
    why: { matchedRules: current.matchedRules, deniedBy: current.deniedBy },
  };
}

function attributes(app: LoadedApp, event: JmlEvent, person: PersonSnapshot) {
  if (!app.mapping) return defaultAttributes(event);
  return mapPerson({ appId: app.appId, mapping: app.mapping, person }).attributes;
}

function sorted(entitlements: Entitlements): Array<[string, Set<string>]> {
  return [...entitlements].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const grants = (ents: Set<string>): PlannedStep[] =>
  [...ents].sort().map((e) => ({ operation: 'grantAccess', qualifier: e, entitlement: e, summary: `add to ${e}` }));
const revokes = (ents: Set<string>): PlannedStep[] =>
  [...ents].sort().map((e) => ({ operation: 'revokeAccess', qualifier: e, entitlement: e, summary: `remove from ${e}` }));
