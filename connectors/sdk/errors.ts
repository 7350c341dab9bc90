import { codedErrorClass, isCodedError, type CodedErrorOptions } from '../../schemas/coded-error';

/**
 * The one error taxonomy of connectors. Each error has a stable `code` that crosses process and
 * sandbox boundaries as the Temporal failure `type`; code branches on `code`, never on `instanceof`.
 */
export const CONNECTOR_ERROR_CODES = {
  transient: { retryable: true, summary: 'The app failed in a way that may pass on retry (5xx, timeout, connection reset).' },
  'rate-limited': { retryable: true, summary: 'The app asked us to slow down (429); `retryAfterMs` says when to try again.' },
  auth: { retryable: false, summary: 'Credentials were rejected (401/403); retrying will not help until ops fix the secret.' },
  'invalid-request': { retryable: false, summary: 'The app rejected the request as invalid (400/422); a mapping or policy must change.' },
  conflict: { retryable: false, summary: 'The target state conflicts with what the app holds (409 that adoption could not resolve).' },
  'not-supported': { retryable: false, summary: 'The connector or app cannot do this operation.' },
} as const satisfies Record<string, { retryable: boolean; summary: string }>;

export type ConnectorErrorCode = keyof typeof CONNECTOR_ERROR_CODES;

/**
 * Options of {@link ConnectorError}: `code`, `message`, and optionally `retryable` (overrides the
 * code's default), `retryAfterMs` (for `rate-limited`: the app's Retry-After), `status` (the HTTP
 * status or protocol result code the app answered), `cause` and `context` (safe facts only).
 */
export type ConnectorErrorOptions = CodedErrorOptions<ConnectorErrorCode>;

/** A failed connector operation; its `code` becomes the Temporal failure `type` of the step. */
export class ConnectorError extends codedErrorClass('ConnectorError', CONNECTOR_ERROR_CODES) {}

/** Structural check (name and code), so it also holds across module copies. */
export function isConnectorError(err: unknown): err is ConnectorError {
  return isCodedError(err, 'ConnectorError');
}

/**
 * The `conflict` a create answers instead of adopting when its request says `adopt: false`: an
 * account the pipeline did not make matches the person, and claiming it is not allowed here. Names
 * no user name or DN (they are personal data); the account itself is left exactly as it was.
 */
export function adoptionRefused(appId: string): ConnectorError {
  return new ConnectorError({
    code: 'conflict',
    message: `app '${appId}': an account the pipeline did not make matches this person; adopting it is not allowed here (policy apps.${appId}.reconcile.adopt), so it was left alone`,
    context: { appId, adoption: 'refused' },
  });
}
