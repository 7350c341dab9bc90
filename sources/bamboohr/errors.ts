/**
 * Errors of the BambooHR API client: the shared source taxonomy (`../shared/api-error.ts`) under
 * the name `BambooHrApiError`, with what each code means for BambooHR. Callers branch on `code` or
 * `retryable`, never on the message: the gateway answers 503 for a retryable failure (BambooHR then
 * redelivers the webhook) and dead-letters the rest. Error options and codes are the shared
 * `SourceApiErrorOptions` and `SourceApiErrorCode`; context holds safe facts only (operation,
 * employee id, attempt), never the API key or field values.
 */
import { describeSourceApiErrorCodes, isSourceApiError, namedSourceApiError } from '../sdk/api-error';

/** Each code's default `retryable` and what it means for BambooHR. */
export const BAMBOOHR_API_ERROR_CODES = describeSourceApiErrorCodes({
  summaries: {
    auth: 'The API key was rejected or lacks permission (401/403); ops must fix the key or its access level.',
    'not-found': 'No such employee (404): deleted in BambooHR, or hidden from this API key.',
  },
  vendor: 'BambooHR',
});

/** A failed BambooHR API call. */
export class BambooHrApiError extends namedSourceApiError('BambooHrApiError') {}

/** Structural check (name and code), so it also holds across module copies. */
export const isBambooHrApiError = (err: unknown): err is BambooHrApiError => isSourceApiError(err, 'BambooHrApiError');
