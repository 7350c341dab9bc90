import type { Logger } from 'pino';
import type { z } from 'zod';
import type { AccountRef, AppAttributes, OperationName, OperationResult } from '../../schemas/contracts/operations';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';

/** What a connector can do; declared in its definition and checked against its operations. */
export const CAPABILITIES = [
  'account.read',
  'account.create',
  'account.update',
  'account.suspend',
  'account.restore',
  'account.delete',
  'account.release',
  'access.grant',
  'access.revoke',
  'sessions.revoke',
  'credentials.revoke',
  'accounts.list',
  'unique.check',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export type { AccountRef, AppAttributes, MutatingOperationName, OperationName, OperationResult } from '../../schemas/contracts/operations';

export interface CreateAccountRequest {
  account: AccountRef;
  person: PersonSnapshot;
  attributes: AppAttributes;
  /** Create disabled (pre-start lookahead) and enable on the start date. */
  enabled: boolean;
  /**
   * `false`: never claim an existing account the pipeline did not make; where the create would adopt
   * one, fail with {@link adoptionRefused} instead and leave it as it is. Absent means adopting is
   * allowed (joiners). Reconciliation fixes set it unless the policy allows adoption.
   */
  adopt?: boolean;
}
export interface UpdateAccountRequest {
  account: AccountRef;
  person: PersonSnapshot;
  attributes: AppAttributes;
}
export interface AccountStateRequest {
  account: AccountRef;
  reason?: string;
}
/**
 * Gives back an account createAccount adopted: removes only what the adoption wrote (our anchor),
 * restoring the values `before` holds (the adoption's own `before`, passed back unchanged).
 */
export interface ReleaseAccountRequest {
  account: AccountRef;
  /**
   * What the adopting createAccount returned in `before`; connector-specific, opaque to the pipeline.
   * Absent when the adoption's answer was lost (the retry only saw an account already anchored): the
   * release then takes out our anchor and restores nothing else.
   */
  before?: unknown;
}
export interface AccessRequest {
  account: AccountRef;
  /** Group, team or role the app knows, e.g. `team:eng`. */
  entitlement: string;
}
export interface ReadAccountResult {
  exists: boolean;
  externalRef?: string;
  enabled?: boolean;
  attributes?: AppAttributes;
  entitlements?: string[];
  /** When the app created the account (ISO 8601), when it records it; see {@link OperationResult.createdAt}. */
  createdAt?: string;
}
/**
 * "Who holds this value?", asked before a create so that a unique attribute (userName, uid, mail)
 * gets a value no one else holds (services/mapping `resolveUnique`). `attribute` is a name in the
 * connector's own vocabulary, as `createAccount` receives it; `value` is the exact candidate.
 */
export interface CheckUniqueRequest {
  /** The person who would get the value; an account of theirs holding it does not make it taken. */
  account: AccountRef;
  attribute: string;
  value: string;
}
export interface CheckUniqueResult {
  /**
   * - `none`: no account holds the value;
   * - `this-person`: the account of `account.personKey` (or `account.externalRef`) holds it, so a
   *   retried create converges on the value it chose the first time;
   * - `adoptable`: exactly one account holds it and carries no person's anchor, and
   *   `createAccount` with this value would adopt it for this person (rather than collide);
   * - `other`: another person's account holds it, or several accounts do, or one that
   *   `createAccount` would not adopt. Only `other` makes the value taken.
   */
  holder: 'none' | 'this-person' | 'adoptable' | 'other';
}

/**
 * One page of every account the app holds, for reconciliation (docs/accounts-list.md).
 * Read-only: listing never writes, so it may be repeated and run beside the pipeline's own steps.
 */
export interface ListAccountsRequest {
  /**
   * The previous page's `nextCursor`, unchanged; absent for the first page. Opaque to the caller and
   * meaningful only to the connector that made it (with the same config); a cursor the connector
   * did not make is refused with `invalid-request`, never read as "start again".
   */
  cursor?: string;
  /**
   * At most this many accounts in the page: an integer from 1 to {@link MAX_LIST_PAGE_SIZE} (others
   * are `invalid-request`). A page may hold fewer, even none, and still have a `nextCursor`.
   */
  pageSize: number;
  /**
   * Also tell when each account was last used ({@link ListedAccount.lastUsedAt}), where the app
   * records it. Reading it may cost a request per account, so reconciliation asks only for apps whose
   * policy judges unused accounts (`apps.<id>.unused`). Connectors that cannot tell ignore it.
   */
  lastUsed?: boolean;
}

/** The largest `pageSize` a caller may ask for. */
export const MAX_LIST_PAGE_SIZE = 1_000;

/** One account as the app holds it, in the vocabulary {@link ReadAccountResult} uses. */
export interface ListedAccount {
  /** The app's id of the account, as readAccount and every step return it. */
  externalRef: string;
  /**
   * The person whose anchor the account carries (LDAP employeeNumber, SCIM externalId, …), only when
   * that anchor is a whole person key. Absent: an account the pipeline does not manage (made by hand,
   * or by another tool), which reconciliation reports and never touches.
   */
  personKey?: string;
  /** Absent only where the app keeps no trace of a disable (LDAP `remove-from-groups`), as in readAccount. */
  enabled?: boolean;
  /** The attributes the connector maps, exactly as readAccount reports them (same names, same values). */
  attributes: AppAttributes;
  /** Groups, teams or roles, named as grantAccess and revokeAccess take them; sorted. */
  entitlements: string[];
  /** When the app created the account (ISO 8601), when it records it. */
  createdAt?: string;
  /**
   * When the account was last used (ISO 8601: a login, a token), only when the request asked for it
   * and the page's {@link ListAccountsResult.lastUsed} says it was read. Absent then: never used
   * since the account was created (as far as the app remembers).
   */
  lastUsedAt?: string;
}

/** What {@link ConnectorDefinition.attributeDrift} compares: the inputs of an updateAccount, and what the app holds. */
export interface AttributeDriftRequest {
  personKey: string;
  person: PersonSnapshot;
  /** The attributes the policy maps for the person, as an updateAccount would receive them. */
  attributes: AppAttributes;
  /** What the account holds: the `attributes` of a {@link ListedAccount} (or of readAccount). */
  held: AppAttributes;
}

export interface ListAccountsResult {
  accounts: ListedAccount[];
  /** Absent on the last page; the listing ends only then (not on a short or empty page). */
  nextCursor?: string;
  /**
   * Answered only when the request asked for `lastUsed`, by connectors that can tell: `read` true
   * when every account's `lastUsedAt` of the page was read; false with why (no personal values)
   * when the app would not tell (e.g. Keycloak's event store not readable), and then no account of
   * the page carries `lastUsedAt`. Absent: the connector does not know when accounts are used.
   */
  lastUsed?: { read: boolean; reason?: string };
}

/** What the activity hands to every operation. */
export interface ConnectorContext<Config = unknown> {
  /** `<eventId>/<appId>/<operation>`: stable across retries of the same step. */
  idempotencyKey: string;
  appId: string;
  signal: AbortSignal;
  heartbeat(details?: unknown): void;
  log: Logger;
  config: Config;
  secrets: Readonly<Record<string, string>>;
}

/** Operation signatures, keyed by the capability that promises them. */
export interface OperationsByCapability<Config> {
  'account.read': { readAccount(ctx: ConnectorContext<Config>, req: AccountStateRequest): Promise<ReadAccountResult> };
  'account.create': { createAccount(ctx: ConnectorContext<Config>, req: CreateAccountRequest): Promise<OperationResult> };
  'account.update': { updateAccount(ctx: ConnectorContext<Config>, req: UpdateAccountRequest): Promise<OperationResult> };
  'account.suspend': { suspendAccount(ctx: ConnectorContext<Config>, req: AccountStateRequest): Promise<OperationResult> };
  'account.restore': { restoreAccount(ctx: ConnectorContext<Config>, req: AccountStateRequest): Promise<OperationResult> };
  'account.delete': { deleteAccount(ctx: ConnectorContext<Config>, req: AccountStateRequest): Promise<OperationResult> };
  /**
   * The inverse of an adopting create: never deletes the account and touches nothing but the anchor
   * the adoption wrote. `applied` when it changed something, `already-in-state` when the account no
   * longer carries our anchor, `not-applicable` when the account is gone. A connector whose
   * createAccount can answer `adopted` must declare it.
   */
  'account.release': { releaseAccount(ctx: ConnectorContext<Config>, req: ReleaseAccountRequest): Promise<OperationResult> };
  'access.grant': { grantAccess(ctx: ConnectorContext<Config>, req: AccessRequest): Promise<OperationResult> };
  'access.revoke': { revokeAccess(ctx: ConnectorContext<Config>, req: AccessRequest): Promise<OperationResult> };
  'sessions.revoke': { revokeSessions(ctx: ConnectorContext<Config>, req: AccountStateRequest): Promise<OperationResult> };
  /**
   * Removes the credentials the person could still use without signing in: SSH public keys,
   * personal access tokens, passwords and OTP devices, as the app holds them. The account stays
   * (disabled, on a leaver). `applied` when something was removed, `already-in-state` when none was
   * left, `not-applicable` when the account is gone. Never returns the credentials in `before`:
   * there is no inverse, and they are not the workflow history's to keep.
   */
  'credentials.revoke': { revokeCredentials(ctx: ConnectorContext<Config>, req: AccountStateRequest): Promise<OperationResult> };
  'accounts.list': { listAccounts(ctx: ConnectorContext<Config>, req: ListAccountsRequest): Promise<ListAccountsResult> };
  /** Read-only: never writes, so it is safe to ask any number of times before a create. */
  'unique.check': { checkUnique(ctx: ConnectorContext<Config>, req: CheckUniqueRequest): Promise<CheckUniqueResult> };
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The operations a set of capabilities requires: declaring `account.create` obliges `createAccount`. */
export type OperationsFor<Config, Caps extends Capability> = UnionToIntersection<OperationsByCapability<Config>[Caps]>;

/** The operation names the capabilities promise; must equal the contract's {@link OperationName}. */
type OperationNameOfCapabilities = {
  [K in Capability]: keyof OperationsByCapability<unknown>[K];
}[Capability];
/** Fails to compile when a capability's operation is missing from the contract's list, or the list names one no capability has. */
type _OperationNamesAgree = Assert<[OperationName] extends [OperationNameOfCapabilities] ? ([OperationNameOfCapabilities] extends [OperationName] ? true : false) : false>;
type Assert<T extends true> = T;

export interface ConnectorDefinition<Config = unknown, Caps extends Capability = Capability> {
  /** Registry key, e.g. `scim`, `ldap`. */
  id: string;
  version: string;
  description: string;
  /** Validates one app instance's settings at worker boot. */
  config: z.ZodType<Config>;
  /** Names of secrets an instance must reference (resolved from env or files, never inline). */
  secrets: readonly string[];
  capabilities: readonly Caps[];
  operations: OperationsFor<Config, Caps>;
  /**
   * The app's documented request limit for an instance with this config, applied as the app's shared
   * rate limit when the policy sets none (e.g. Slack's 180 writes a minute).
   */
  rateLimitFor?(config: Config): { perSecond: number; burst: number } | undefined;
  /**
   * How an instance with this config finds a person's account, for the policy-load check that
   * every app stays reachable by a leaver (services/policy/load.ts, docs/writing-a-connector.md):
   * - `person-key`: from the person key alone (an anchor the connector writes and searches for);
   * - `created-ref`: only by the externalRef createAccount returned, which the person workflow keeps
   *   and passes to every later step; createAccount then returns it with every success;
   * - `none`: not at all under this config (no lookup, and no ref from createAccount).
   * Absent means `person-key`.
   */
  locateBy?(config: Config): AccountLocation;
  /**
   * The attributes an updateAccount with these inputs would change on an account that holds
   * `req.held`: their names in the connector's vocabulary (the names listAccounts reports), sorted;
   * empty when the account holds what the policy maps. Pure (no I/O), so that reconciliation can
   * report drift for a whole listing without writing or reading again. It applies the connector's
   * own rules: synonyms (LDAP `email` is `mail`), values filled in from HR when the policy maps
   * none, letter case the app ignores. Without it, compare the policy's attributes with `held`
   * name by name.
   *
   * @throws ConnectorError `invalid-request` for an attribute name the connector does not take.
   */
  attributeDrift?(config: Config, req: AttributeDriftRequest): string[];
  /** Releases clients the connector opened (called once at worker shutdown). */
  dispose?(): Promise<void>;
}

/** How a connector instance finds a person's account; see {@link ConnectorDefinition.locateBy}. */
export type AccountLocation = 'person-key' | 'created-ref' | 'none';

/** A connector of any config and capabilities, as the registry and the activity hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyConnector = ConnectorDefinition<any, any>;
