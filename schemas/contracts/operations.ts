/**
 * The connector vocabulary that plans and step results carry between the workflows and the worker:
 * operation names, account references, attribute values and operation outcomes. Data only; the
 * connector SDK (connectors/sdk) builds its operation signatures on these and re-exports them, so a
 * connector author imports them from there as before.
 */

/**
 * Every connector operation by name. The connector SDK checks at compile time that this list equals
 * the operations its capabilities promise (connectors/sdk/types.ts), so the two cannot drift.
 */
export type OperationName =
  | 'readAccount'
  | 'createAccount'
  | 'updateAccount'
  | 'suspendAccount'
  | 'restoreAccount'
  | 'deleteAccount'
  | 'releaseAccount'
  | 'grantAccess'
  | 'revokeAccess'
  | 'revokeSessions'
  | 'revokeCredentials'
  | 'listAccounts'
  | 'checkUnique';

/** The operations that change an app; the only ones a plan may hold. */
export type MutatingOperationName = Exclude<OperationName, 'readAccount' | 'listAccounts' | 'checkUnique'>;

/**
 * Every operation means "ensure this state": repeating it is harmless and reports `already-in-state`.
 * - `applied`: the operation changed the app (a create created the account);
 * - `adopted`: only from createAccount: the app already held an account the pipeline did not create,
 *   and the connector claimed it for this person by writing its anchor. `before` then holds exactly
 *   what the adoption changed, so that releaseAccount restores it; the inverse of an adoption is a
 *   release, never a delete;
 * - `already-in-state`: nothing to change (a create found the account already anchored to the person);
 * - `not-applicable`: the operation does not apply (e.g. no account to suspend).
 */
export interface OperationResult {
  outcome: 'applied' | 'adopted' | 'already-in-state' | 'not-applicable';
  /** The app's own id of the account, once known. */
  externalRef?: string;
  /** The state before the change, so that a compensation can restore it. */
  before?: unknown;
  /**
   * When the app created the account, as the app records it (ISO 8601). A connector that can adopt
   * answers it with a createAccount `already-in-state` whenever the app keeps a creation time: when a
   * retry finds the account already anchored because an earlier attempt's answer was lost, it tells
   * an account that attempt created (deleted by an undo) from one it adopted (only ever released).
   * Without it such an account is treated as adopted: never deleted.
   */
  createdAt?: string;
}

/**
 * Whether the pipeline made an account whose create's answer was lost: `created`, `pre-existing`
 * (adopted by the lost attempt), or `unknown` (the app keeps no creation time: treated as
 * pre-existing). See services/worker/origin.ts.
 */
export type AccountOrigin = 'created' | 'pre-existing' | 'unknown';

/** Which account an operation is about. */
export interface AccountRef {
  personKey: string;
  /** The app's id of the account when a previous step returned one. */
  externalRef?: string;
}

/** Attributes the policy mapped for this app (userName, email, title, …). */
export type AppAttributes = Record<string, string | number | boolean | null>;
