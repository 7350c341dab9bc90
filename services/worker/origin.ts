import type { AccountOrigin } from '../../schemas/contracts';

/**
 * Whether the pipeline made an account, when the answer that would say so was lost.
 *
 * A createAccount that adopts a hand-made account writes our anchor into it. If that attempt's answer
 * is lost (the worker died, the call timed out), the retry finds the account anchored and answers
 * `already-in-state`, exactly as it would for an account the lost attempt created. The two must not
 * be confused: a created account is deleted by an undo or at the end of retention, an adopted one is
 * only ever released. The app's own creation time tells them apart: an account created before the
 * step was first scheduled was not created by it.
 */

/**
 * How far the app's clock may run behind the workflow's and the Temporal server's, by default
 * (`JML_APP_CLOCK_MARGIN_SECONDS`). An account
 * created by someone else less than this before the step was scheduled is taken for ours: the
 * window a lost answer must coincide with for that to matter.
 */
export const CLOCK_MARGIN_MS = 30_000;

export type { AccountOrigin };

/**
 * `created` when the app's creation time is at or after `since` (less the margin), `pre-existing`
 * when it is earlier, `unknown` when the app gives none or an unparseable one. Callers treat
 * `unknown` like `pre-existing`: an account is never deleted on a guess.
 */
export function accountOrigin(createdAt: string | undefined, since: number, marginMs = CLOCK_MARGIN_MS): AccountOrigin {
  const at = createdAt === undefined ? Number.NaN : Date.parse(createdAt);
  if (Number.isNaN(at)) return 'unknown';
  return at >= since - marginMs ? 'created' : 'pre-existing';
}
