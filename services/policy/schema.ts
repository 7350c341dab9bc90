import { z } from 'zod';
import { AppMappingConfig } from '../mapping';
import { SecretRef } from '../secrets';

/**
 * The policy file (`JML_CONFIG_FILE`, YAML or JSON): which apps exist, who gets what, and what
 * happens to leavers. Parsed by zod at boot; cross-references are checked in load.ts so that every
 * problem is reported at once.
 */
export const AppId = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'app ids are lowercase letters, digits and dashes');

/** A matcher on one person attribute: a value (with `*` wildcards) or a list of them; case-insensitive. */
export const Matcher = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
/** Every key must match: PersonSnapshot field names, or `custom.<name>`. */
export const When = z.record(z.string().min(1), Matcher);
/** App → entitlements (groups, teams, roles) to hold there; an empty list means "an account only". */
export const Grant = z.record(AppId, z.array(z.string().min(1)));

export const Rule = z.strictObject({ name: z.string().min(1), when: When.default({}), grant: Grant });
export const DenyRule = z.strictObject({ name: z.string().min(1), when: When.default({}), apps: z.array(AppId).min(1) });

export const LeaverPolicy = z.strictObject({
  /** ISO-8601 duration after the disable, e.g. `P30D`; absent means disable only, never delete. */
  deleteAfter: z.iso.duration().optional(),
  /**
   * After the disable (and the sign-out), remove the person's credentials in the app: SSH keys,
   * personal tokens, passwords, OTP devices (`revokeCredentials`). Only where the app's connector
   * declares `credentials.revoke`; absent means yes there. `false` keeps them (keys the app's owners
   * manage by hand, or an app whose credentials outlive the person by design).
   */
  revokeCredentials: z.boolean().optional(),
});

export const AppConfig = z.strictObject({
  /** Registry id of the connector (`scim`, `ldap`, `dev-redis`, …). */
  connector: z.string().min(1),
  /** The connector's own settings, validated by its schema at load. */
  settings: z.unknown(),
  /** Secret name → reference; names must be the ones the connector declares. */
  secrets: z.record(z.string().min(1), SecretRef).default({}),
  mapping: AppMappingConfig.optional(),
  leaver: LeaverPolicy.default({}),
  /**
   * Pre-start lookahead, e.g. `P7D`: a future-dated hire gets this app's account (disabled, with its
   * groups) this long before the start date, and it is enabled at the start.
   */
  preStart: z.iso.duration().optional(),
  rateLimit: z.strictObject({ perSecond: z.number().positive(), burst: z.number().int().positive() }).optional(),
  /**
   * Reconciliation of this app against HR truth (services/reconcile; the connector must declare
   * `accounts.list`):
   * - `every`: the interval of its Temporal Schedule, e.g. `PT6H`; absent means on demand only
   *   (`jml reconcile`);
   * - `fix`: each scheduled run also fixes what it found (as `jml reconcile --fix` does), under the
   *   mass-change guard; needs `every`;
   * - `adopt`: a fix that creates a missing account may claim an existing account the pipeline did
   *   not make (same user name or DN) instead of stopping at it; off by default, so such accounts
   *   are only reported.
   */
  reconcile: z.strictObject({ every: z.iso.duration().optional(), fix: z.boolean().optional(), adopt: z.boolean().optional() }).optional(),
  /**
   * Unused accounts (least privilege): reconciliation reports an active person's managed account
   * not used for `after` (e.g. `P90D`; the app must tell when accounts are used: Keycloak's login
   * events, a SCIM app's `lastUsedAttribute`); with `disable`, a fix (`jml reconcile --fix`, or
   * `reconcile.fix`) disables it under the mass-change guard. Needs accounts.list.
   */
  unused: z.strictObject({ after: z.iso.duration(), disable: z.boolean().optional() }).optional(),
  /**
   * How a failed step in this app is retried (defaults: 10 attempts, 1 s doubling to 1 min). Leavers
   * ignore `maximumAttempts`: a disable is retried until the app accepts.
   */
  retry: z
    .strictObject({ maximumAttempts: z.number().int().min(1).max(1_000).optional(), initialInterval: z.iso.duration().optional(), maximumInterval: z.iso.duration().optional() })
    .optional(),
});

/**
 * Mass-change guard: when more than `max` leaver or delete events start inside `window` (sliding),
 * the rest are held until ops approve or reject them (Temporal UI signal or `jml approve`).
 */
export const MassChangeGuard = z.strictObject({ max: z.number().int().positive(), window: z.iso.duration() });

export const PolicyFile = z.strictObject({
  version: z.literal(1),
  massChangeGuard: MassChangeGuard.optional(),
  apps: z.record(AppId, AppConfig),
  rules: z.array(Rule).default([]),
  deny: z.array(DenyRule).default([]),
  /** Per person, by personKey: extra grants and apps denied whatever the rules say. */
  overrides: z
    .record(z.string().min(1), z.strictObject({ grant: Grant.default({}), deny: z.array(AppId).default([]) }))
    .default({}),
});
export type PolicyFile = z.infer<typeof PolicyFile>;
