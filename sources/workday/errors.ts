/**
 * Errors of the Workday RaaS client: the shared source taxonomy (`../shared/api-error.ts`) under
 * the name `WorkdayApiError`, with what each code means for a RaaS report. A reconciliation run
 * that fails retryably is simply tried again on the next poll. Error options and codes are the
 * shared `SourceApiErrorOptions` and `SourceApiErrorCode`; context holds safe facts only
 * (operation, report, attempt), never credentials or report rows.
 */
import { describeSourceApiErrorCodes, isSourceApiError, namedSourceApiError } from '../sdk/api-error';

/** Each code's default `retryable` and what it means for a Workday RaaS report. */
export const WORKDAY_API_ERROR_CODES = describeSourceApiErrorCodes({
  summaries: {
    auth: 'The integration system user was rejected or may not run the report (401/403).',
    'not-found': 'No such report (404): wrong owner or name, or not enabled as a web service.',
    'invalid-request': 'Workday rejected the request as invalid (400 or another 4xx), e.g. an unknown prompt.',
    'invalid-response': 'Workday answered 2xx with a body that is not a JSON report ({"Report_Entry": [...]}).',
  },
  vendor: 'Workday',
});

/** A failed Workday RaaS call. */
export class WorkdayApiError extends namedSourceApiError('WorkdayApiError') {}

/** Structural check (name and code), so it also holds across module copies. */
export const isWorkdayApiError = (err: unknown): err is WorkdayApiError => isSourceApiError(err, 'WorkdayApiError');
