import { codedErrorClass, isCodedError } from '../../schemas/coded-error';

/**
 * Errors of a reconciliation poll that are not an HR vendor's API error (those are the sources'
 * `SourceApiError`, see api-error.ts). One table for the whole poll: a source's poll throws some
 * of them (`cursor-invalid`, `report-invalid`), the runtime's ports and the poll activity the
 * others (services/pollers/). Each has a stable `code` that becomes the Temporal failure `type` of
 * the poll activity, and `retryable`.
 */
export const POLLER_ERROR_CODES = {
  /** Kafka did not acknowledge the poll's events (the publish port); the poll is retried from the same cursor. */
  'kafka-unavailable': { retryable: true },
  /** The Redis that keeps a poll's baseline snapshot did not answer (the snapshot port); retried. */
  'snapshot-store-unavailable': { retryable: true },
  /** The workflow names a source or tenant this worker has no (polling) configuration for. */
  'tenant-unknown': { retryable: false },
  /** The cursor handed back is not one this source writes (see readCursor in poll.ts). */
  'cursor-invalid': { retryable: false },
  /** The RaaS report cannot be reconciled (a row without Worker_ID…); retried at the next interval. */
  'report-invalid': { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;

export type PollerErrorCode = keyof typeof POLLER_ERROR_CODES;

/** A failed poll that is not an HR vendor's API error. */
export class PollerError extends codedErrorClass('PollerError', POLLER_ERROR_CODES) {}

/** Structural check (name and code), so it also holds across module copies. */
export function isPollerError(err: unknown): err is PollerError {
  return isCodedError(err, 'PollerError');
}
