import { codedErrorClass, isCodedError } from '../../schemas/coded-error';

/**
 * Errors of the coalescing producer that are not a broker's own answer. Each has a stable `code`
 * and says whether the same call may pass when retried later.
 */
export const PRODUCER_ERROR_CODES = {
  /** A record of the call (or its records for one topic together) is larger than Kafka accepts; it never will pass. */
  'record-too-large': { retryable: false },
  /** The producer already holds its maximum of waiting calls or bytes; try again shortly. */
  'queue-full': { retryable: true },
  /** Kafka did not acknowledge the call within the producer's deadline; it may or may not be written. */
  'deadline-exceeded': { retryable: true },
} as const satisfies Record<string, { retryable: boolean }>;

export type ProducerErrorCode = keyof typeof PRODUCER_ERROR_CODES;

/** A refusal of the coalescing producer itself (the broker's own errors reach callers as kafkajs gave them). */
export class ProducerError extends codedErrorClass('ProducerError', PRODUCER_ERROR_CODES) {}

/** Structural check (name and code), so it also holds across module copies. */
export function isProducerError(err: unknown): err is ProducerError {
  return isCodedError(err, 'ProducerError');
}

/**
 * Broker answers that condemn particular records rather than the request: another call sent alone
 * may pass where the batch failed (kafkajs marks them non-retriable; resending the same bytes is useless).
 */
const PER_RECORD_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP']);

/** True when `err` (or an error it wraps) is a broker answer about particular records, not about the broker's health. */
export function isPerRecordError(err: unknown): boolean {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length > 0) {
    const e = stack.pop();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const { type, cause, originalError, errors } = e as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
    if (typeof type === 'string' && PER_RECORD_TYPES.has(type)) return true;
    stack.push(cause, originalError);
    if (Array.isArray(errors)) stack.push(...(errors as unknown[]));
  }
  return false;
}
