import type { PersonSnapshot } from '../../../schemas/jml-event.v1';
import type { AppAttributes } from '../types';

/** Every scenario of the kit, by id; a target may skip any of them with a written reason. */
export const SCENARIOS = [
  'definition',
  'joiner',
  'joiner-disabled',
  'mover',
  'leaver',
  'leaver-after-out-of-band-delete',
  'leaver-sessions',
  'leaver-credentials',
  'unique-check',
  'compensation-create-delete',
  'compensation-suspend-restore',
  'compensation-grant-revoke',
  'compensation-update',
  'adopt-release',
  'adopt-refused',
  'accounts-list',
  'accounts-list-paging',
  'accounts-list-unmanaged',
  'error-rate-limited',
  'error-unavailable',
  'error-unauthorized',
  'error-bad-request',
  'cancel-before-start',
  'cancel-in-flight',
  'secrets-never-logged',
] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

/**
 * Hooks that make the target's next request fail in one way, then behave again. Each is optional;
 * a scenario whose hook is missing fails unless the target skips it with a reason.
 */
export interface FaultHooks {
  /** Next request answers 429 with this Retry-After header value (seconds or an HTTP-date). */
  rateLimited?(req: { retryAfter: string }): Promise<void> | void;
  /** Next request answers 503. */
  unavailable?(): Promise<void> | void;
  /** Next request answers 401 (e.g. it reaches the app with a wrong credential). */
  unauthorized?(): Promise<void> | void;
  /** Next request answers 400. */
  badRequest?(): Promise<void> | void;
  /** Next request gets no answer until the client gives up, to prove cancellation reaches the wire. */
  stall?(): Promise<void> | void;
}

/** Attributes the kit sends for a person; targets whose app needs other names supply their own. */
export type AttributesFor = (req: { person: PersonSnapshot; variant: 'joiner' | 'mover' }) => AppAttributes;

/**
 * What the kit needs to know about one running instance of an app. Build it in the test file; when
 * it needs a server started first, pass a function that starts it (the kit calls it in beforeAll).
 */
export interface ConformanceTarget {
  /** Names the target in failure messages, e.g. `scim2-server 0.8.3`. */
  name: string;
  appId: string;
  /** The instance's settings as the config file holds them; the kit parses them with the connector's schema. */
  config: unknown;
  /** Resolved secret values. The kit adds a canary of its own and searches every log line for all of them. */
  secrets: Readonly<Record<string, string>>;
  /** An entitlement the app knows (a group), for grant/revoke. Required when the connector declares `access.grant`. */
  entitlement?: string;
  /** Returns the app to an empty state (and disarms pending faults); called before every scenario. */
  reset(): Promise<void>;
  /** Deletes a person's account behind the connector's back, as an admin would in the app's UI. */
  deleteOutOfBand(req: { personKey: string }): Promise<void>;
  faults?: FaultHooks;
  /**
   * Accounts made by hand in the app, outside the pipeline: for `adopt-release` (required when the
   * connector declares `account.release`) and for `accounts-list-unmanaged` (required when it
   * declares `accounts.list`), unless the scenario is skipped with a reason.
   */
  handMade?: HandMadeAccounts;
  /**
   * Credentials given to an account in the app behind the connector's back, for `leaver-credentials`
   * (required when the connector declares `credentials.revoke`, unless that scenario is skipped with
   * a reason).
   */
  credentials?: CredentialHooks;
  /**
   * Set when this instance can find an account only by the externalRef a step returned (e.g. SCIM
   * with `lookupBy: [userName]`, or an app without filters): every scenario still runs, but an
   * operation for a person the kit carries no ref for must fail with `invalid-request` instead of
   * reporting that nothing is there.
   */
  findsAccountsOnlyByRef?: boolean;
  /** Scenarios the target cannot run, each with the reason written out. */
  skip?: Partial<Record<ScenarioId, string>>;
  attributesFor?: AttributesFor;
  /**
   * The attribute the `unique-check` scenario asks about, in the connector's vocabulary; its value
   * comes from `attributesFor`. Default `userName`.
   */
  uniqueAttribute?: string;
  /** Called once after the last scenario (stop servers, close clients). */
  dispose?(): Promise<void>;
}

/** What an administrator does in the app behind the connector's back, for the adoption scenario. */
export interface HandMadeAccounts {
  /**
   * Creates an account as an admin would, carrying no person's anchor: the attribute createAccount
   * adopts by (userName, uid) holds the value `attributes` gives it, and the account has attributes
   * of its own that the pipeline would not write (a title, a description, …). Returns the app's id.
   */
  create(req: { person: PersonSnapshot; attributes: AppAttributes }): Promise<{ externalRef: string }>;
  /**
   * Everything the app holds for the account, as an admin would see it, minus bookkeeping that every
   * write changes (modification times, versions). The kit compares it before and after.
   */
  read(req: { externalRef: string }): Promise<unknown>;
}

/** What an administrator (or the person) does in the app to give an account credentials, and how many it holds. */
export interface CredentialHooks {
  /**
   * Gives the account at least one credential the connector's `revokeCredentials` removes (SSH
   * keys, a personal token, a password, an OTP device), as an admin would in the app.
   */
  give(req: { personKey: string; externalRef: string }): Promise<void>;
  /** How many such credentials the account holds now, as the app's admin sees them. */
  count(req: { personKey: string; externalRef: string }): Promise<number>;
}

export type TargetSource = ConformanceTarget | (() => ConformanceTarget | Promise<ConformanceTarget>);
