import type { AppAttributes, AppHolding, ReconcileDrift } from '../../schemas/contracts';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { decide } from '../policy/evaluate';
import type { LoadedApp, LoadedPolicy } from '../policy/load';
import { desiredAttributes, INACTIVE_STATUSES } from '../policy/plan';

/**
 * Reconciliation of one app against HR truth (issue 15): what the app holds (its accounts, listed by
 * the connector's `accounts.list`) against what the policy grants each person the pipeline knows
 * (their newest snapshot, from the person workflows). Pure: the same inputs give the same findings,
 * in the same order, so two runs can be compared and a fix can be planned from them.
 *
 * Findings name people by person key and attributes by name, never by value: they travel to a Kafka
 * topic and a terminal, and a name or an email in them would be personal data in plain text.
 */

/**
 * One account as the app lists it (the connector's `accounts.list`, connectors/sdk/types.ts); the
 * attributes and entitlements may be absent where a source of accounts cannot read them.
 */
export interface ListedAccount {
  externalRef: string;
  /** The person key our anchor carries; absent on an account the pipeline never managed. */
  personKey?: string;
  /** Absent where the app keeps no trace of a disable (LDAP `remove-from-groups`): then neither zombie nor enabled drift can be told. */
  enabled?: boolean;
  attributes?: Readonly<Record<string, unknown>>;
  entitlements?: readonly string[];
  /** When the app created the account (ISO 8601), where it records it: a never-used account counts from then. */
  createdAt?: string;
  /** When the account was last used (ISO 8601), when the listing read it ({@link LastUse}); absent then: never used. */
  lastUsedAt?: string;
}

/**
 * Whether the listing told when accounts were last used (asked only for apps with `unused` in the
 * policy): `read`, or why not (the connector cannot tell; the app refused, e.g. Keycloak's event
 * store without `view-events`). Never personal values.
 */
export type LastUse = { read: true } | { read: false; reason: string };

/** A person as the pipeline knows them: the newest HR snapshot, and what the person workflow holds in this app. */
export interface KnownPerson {
  personKey: string;
  person: PersonSnapshot;
  holding?: AppHolding;
}

export type FindingKind = 'orphan' | 'zombie' | 'missing' | 'drift' | 'unmanaged' | 'unused';

export interface Finding {
  kind: FindingKind;
  appId: string;
  personKey?: string;
  externalRef?: string;
  /** One line, without personal values. */
  summary: string;
  /** Drift only: what differs. */
  drift?: ReconcileDrift;
  /** Unused only: the last use (absent: never used since `createdAt`) and whole days since then (or since the creation). */
  lastUsedAt?: string;
  daysUnused?: number;
}

export interface AppReconciliation {
  appId: string;
  accounts: number;
  people: number;
  /** Accounts of people whose workflow did not answer, not judged. */
  unchecked: number;
  findings: Finding[];
  counts: Record<FindingKind, number>;
  /** Apps with `unused` in the policy: why unused accounts could not be judged, when they could not. */
  unusedUnknown?: string;
  /**
   * Apps with `unused` in the policy whose listing told last use: each managed account's last use by
   * person key (`null`: never used since created), for the access report.
   */
  lastUse?: Record<string, string | null>;
}

/** Statuses in which a person holds no enabled account anywhere (the leaver and leave plans disable them all; no other plan enables one). */
export const DISABLED_STATUSES = INACTIVE_STATUSES;

/**
 * Compares one app's accounts with what the policy grants. Each account is read once:
 * - no anchor → `unmanaged` (reported, never touched: nothing is changed that the pipeline did not make);
 * - an anchor no known person has, on an account not known to be disabled → `orphan`;
 * - a leaver's (or a person on leave) enabled account → `zombie`;
 * - a person the policy grants the app but who has no account there → `missing`;
 * - an account whose attributes, entitlements or enabled state differ from the grant → `drift`;
 *   an account the person workflow itself holds disabled (an unused account's disable, a
 *   suspension) is not enabled drift: re-enabling it is the next HR event's or a restore's call;
 * - where the app's policy says `unused.after` and the listing told last use: an active person's
 *   enabled account not used (or, never used, not created) for that long → `unused`. Leavers'
 *   accounts are zombies or in step; unmanaged ones are never judged.
 * Entitlements count as drift only among those the policy names for this app (rules and overrides):
 * groups someone else manages in the same app are not ours to revoke.
 */
export function reconcileApp(req: {
  policy: LoadedPolicy;
  appId: string;
  people: readonly KnownPerson[];
  accounts: readonly ListedAccount[];
  /** People whose workflow did not answer: their accounts are not judged (counted in `unchecked`). */
  unreadable?: readonly string[];
  /** The run's time, against which `unused.after` is measured. */
  at?: string;
  /** Whether the listing told last use; absent: it was not asked, or the connector cannot tell. */
  lastUse?: LastUse;
}): AppReconciliation {
  const { policy, appId } = req;
  const app = policy.apps.get(appId);
  if (!app) throw new Error(`the policy has no app '${appId}'`);
  const managed = managedEntitlements(policy, appId);
  const people = new Map(req.people.map((p) => [p.personKey, p]));
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const unreadable = new Set(req.unreadable ?? []);
  let unchecked = 0;
  const unused = unusedJudge(app, req.at, req.lastUse);
  const lastUse: Record<string, string | null> | undefined = unused.judge ? {} : undefined;

  for (const account of [...req.accounts].sort((a, b) => compare(a.personKey ?? '', b.personKey ?? '') || compare(a.externalRef, b.externalRef))) {
    const ref = { appId, externalRef: account.externalRef };
    if (account.personKey === undefined) {
      findings.push({ kind: 'unmanaged', ...ref, summary: `account ${account.externalRef} carries no person key: not managed by the pipeline, left alone` });
      continue;
    }
    if (unreadable.has(account.personKey)) {
      unchecked += 1;
      continue;
    }
    const known = people.get(account.personKey);
    seen.add(account.personKey);
    if (lastUse) lastUse[account.personKey] = account.lastUsedAt ?? null;
    const who = { ...ref, personKey: account.personKey };
    if (!known) {
      // A disabled orphan is as far as a fix goes (it is never deleted: nothing proves we may), so it is in step.
      if (account.enabled !== false) findings.push({ kind: 'orphan', ...who, summary: `account ${account.externalRef} belongs to ${account.personKey}, whom no HR event made known` });
      continue;
    }
    if (DISABLED_STATUSES.has(known.person.status)) {
      if (account.enabled === true) findings.push({ kind: 'zombie', ...who, summary: `enabled account of ${account.personKey}, whose HR status is ${known.person.status}` });
      continue;
    }
    const granted = decide(policy.file, known.personKey, known.person).entitlements.get(appId);
    if (!granted) {
      if (account.enabled === true) findings.push({ kind: 'drift', ...who, summary: `enabled account of ${account.personKey}, to whom the policy no longer grants ${appId}`, drift: { enabled: false } });
      continue;
    }
    const drift = driftOf({ app, personKey: known.personKey, person: known.person, account, granted, managed, heldDisabled: known.holding?.status === 'disabled' });
    if (drift) findings.push({ kind: 'drift', ...who, summary: `account of ${account.personKey} differs from the policy: ${describe(drift)}`, drift });
    const idle = known.person.status === 'pre-hire' ? undefined : unused.judge?.(account);
    if (idle) findings.push({ kind: 'unused', ...who, ...idle });
  }

  for (const known of [...req.people].sort((a, b) => compare(a.personKey, b.personKey))) {
    if (seen.has(known.personKey) || DISABLED_STATUSES.has(known.person.status) || known.person.status === 'pre-hire') continue;
    if (!decide(policy.file, known.personKey, known.person).entitlements.has(appId)) continue;
    findings.push({ kind: 'missing', appId, personKey: known.personKey, summary: `${known.personKey} is granted ${appId} but has no account there` });
  }

  const counts: Record<FindingKind, number> = { orphan: 0, zombie: 0, missing: 0, drift: 0, unmanaged: 0, unused: 0 };
  for (const f of findings) counts[f.kind] += 1;
  return { appId, accounts: req.accounts.length, people: req.people.length, unchecked, findings, counts, ...(unused.unknown ? { unusedUnknown: unused.unknown } : {}), ...(lastUse ? { lastUse } : {}) };
}

const DAY_MS = 86_400_000;

/**
 * The `unused` judgement of one app: unused when `at` is at least `unused.after` past the last use,
 * or past the creation of an account never used. An enabled account only (a disabled one is in step
 * or another finding); one that tells neither time is not judged. Without a readable last use, no
 * account is judged, and `unknown` says why.
 */
function unusedJudge(app: LoadedApp, at: string | undefined, lastUse: LastUse | undefined): { judge?: (a: ListedAccount) => Pick<Finding, 'summary' | 'lastUsedAt' | 'daysUnused'> | undefined; unknown?: string } {
  const after = app.unusedAfterMs;
  if (after === undefined) return {};
  if (!lastUse) return { unknown: `the ${app.connector.id} connector does not tell when accounts are used` };
  if (!lastUse.read) return { unknown: lastUse.reason };
  const now = Date.parse(at ?? '');
  if (Number.isNaN(now)) return { unknown: 'the run has no time to measure from' };
  return {
    judge(account) {
      if (account.enabled !== true) return undefined;
      const since = Date.parse(account.lastUsedAt ?? account.createdAt ?? '');
      if (Number.isNaN(since) || now - since < after) return undefined;
      const daysUnused = Math.floor((now - since) / DAY_MS);
      const summary = account.lastUsedAt
        ? `account of ${account.personKey} last used ${account.lastUsedAt}, ${daysUnused} days ago`
        : `account of ${account.personKey} never used since it was created ${account.createdAt}, ${daysUnused} days ago`;
      return { summary, ...(account.lastUsedAt ? { lastUsedAt: account.lastUsedAt } : {}), daysUnused };
    },
  };
}

/** Every entitlement the policy can grant in `appId`: the only ones reconciliation may revoke. */
export function managedEntitlements(policy: LoadedPolicy, appId: string): Set<string> {
  const out = new Set<string>();
  for (const rule of policy.file.rules) for (const e of rule.grant[appId] ?? []) out.add(e);
  for (const o of Object.values(policy.file.overrides)) for (const e of o.grant[appId] ?? []) out.add(e);
  return out;
}

function driftOf(req: { app: LoadedApp; personKey: string; person: PersonSnapshot; account: ListedAccount; granted: Set<string>; managed: Set<string>; heldDisabled: boolean }): Finding['drift'] | undefined {
  const { account, granted, managed } = req;
  const drift: NonNullable<Finding['drift']> = {};
  if (account.enabled === false && !req.heldDisabled) drift.enabled = true;
  if (account.attributes) {
    const want: AppAttributes = desiredAttributes(req.app, req.person);
    const held = account.attributes as Record<string, unknown>;
    // The connector knows its app's rules (synonyms, case, values it fills in, suffixed unique
    // values); without its judgement, a plain comparison of the names both sides have.
    const differs = req.app.connector.attributeDrift
      ? req.app.connector.attributeDrift(req.app.config, { personKey: req.personKey, person: req.person, attributes: want, held: held as AppAttributes })
      : Object.keys(want).filter((name) => Object.hasOwn(held, name) && !sameValue(want[name], held[name]));
    if (differs.length > 0) drift.attributes = [...differs].sort();
  }
  if (account.entitlements) {
    const have = new Set(account.entitlements);
    const grant = [...granted].filter((e) => !have.has(e)).sort();
    const revoke = [...have].filter((e) => managed.has(e) && !granted.has(e)).sort();
    if (grant.length > 0) drift.grant = grant;
    if (revoke.length > 0) drift.revoke = revoke;
  }
  return Object.keys(drift).length > 0 ? drift : undefined;
}

/** Values as apps return them: absent, null and '' are the same "no value"; numbers and booleans may come back as text. */
function sameValue(want: unknown, have: unknown): boolean {
  const norm = (v: unknown) => (v === undefined || v === null || v === '' ? '' : String(v));
  return norm(want) === norm(have);
}

function describe(drift: NonNullable<Finding['drift']>): string {
  const parts: string[] = [];
  if (drift.enabled !== undefined) parts.push(drift.enabled ? 'disabled, should be enabled' : 'enabled, should be disabled');
  if (drift.attributes) parts.push(`attributes ${drift.attributes.join(', ')}`);
  if (drift.grant) parts.push(`lacks ${drift.grant.join(', ')}`);
  if (drift.revoke) parts.push(`still has ${drift.revoke.join(', ')}`);
  return parts.join('; ');
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
