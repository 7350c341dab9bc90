import { codedErrorClass, isCodedError, type CodedErrorOptions } from '../../schemas/coded-error';

/**
 * The one error taxonomy of HR source API clients (BambooHR's REST client, Workday's RaaS client),
 * in the shape of connectors/sdk/errors.ts: a stable `code`, `retryable`, `cause`, the HTTP status
 * and secret-free context. Callers branch on `code` or `retryable`, never on the message. Each
 * adapter subclasses {@link SourceApiError} under its own `name` and documents the codes in its
 * vendor's words with {@link describeSourceApiErrorCodes}.
 */
export const SOURCE_API_ERROR_CODES = {
  transient: { retryable: true },
  'rate-limited': { retryable: true },
  auth: { retryable: false },
  'not-found': { retryable: false },
  'invalid-request': { retryable: false },
  'invalid-response': { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;

/**
 * - `transient`: the vendor failed in a way that may pass on retry (5xx, timeout, connection reset).
 * - `rate-limited`: the vendor asked us to slow down (429, or 503 with Retry-After); `retryAfterMs` says when.
 * - `auth`: credentials rejected or lacking permission (401/403).
 * - `not-found`: 404.
 * - `invalid-request`: 400 or another 4xx.
 * - `invalid-response`: a 2xx whose body is not what the vendor documents.
 */
export type SourceApiErrorCode = keyof typeof SOURCE_API_ERROR_CODES;

/** A code table for docs and tests: each code's default `retryable` and a vendor-specific summary. */
export type SourceApiErrorCodeTable = { readonly [C in SourceApiErrorCode]: { readonly retryable: (typeof SOURCE_API_ERROR_CODES)[C]['retryable']; readonly summary: string } };

/** Input of {@link describeSourceApiErrorCodes}. */
export interface DescribeSourceApiErrorCodesRequest {
  /** The vendor as named in summaries: `BambooHR`. */
  vendor: string;
  /** What a code means with this vendor, where the generic summary does not say enough. */
  summaries?: Partial<Record<SourceApiErrorCode, string>>;
}

const GENERIC_SUMMARIES: Readonly<Record<SourceApiErrorCode, (vendor: string) => string>> = {
  transient: (v) => `${v} failed in a way that may pass on retry (5xx, timeout, connection reset).`,
  'rate-limited': (v) => `${v} asked us to slow down (429, or 503 with Retry-After); \`retryAfterMs\` says when.`,
  auth: (v) => `${v} rejected the credentials or their permissions (401/403).`,
  'not-found': (v) => `${v} has no such resource (404).`,
  'invalid-request': (v) => `${v} rejected the request as invalid (400 or another 4xx).`,
  'invalid-response': (v) => `${v} answered 2xx with a body that is not the documented JSON.`,
};

/**
 * An adapter's code table: the shared `retryable` defaults, in the shared code order, each with
 * the adapter's summary or else the generic one in the vendor's name. Frozen.
 */
export function describeSourceApiErrorCodes(req: DescribeSourceApiErrorCodesRequest): SourceApiErrorCodeTable {
  const table: Partial<Record<SourceApiErrorCode, { retryable: boolean; summary: string }>> = {};
  for (const code of Object.keys(SOURCE_API_ERROR_CODES) as SourceApiErrorCode[]) {
    table[code] = { retryable: SOURCE_API_ERROR_CODES[code].retryable, summary: req.summaries?.[code] ?? GENERIC_SUMMARIES[code](req.vendor) };
  }
  return Object.freeze(table) as SourceApiErrorCodeTable;
}

/**
 * Constructor options of {@link SourceApiError}: `retryAfterMs` is the vendor's Retry-After (for
 * `rate-limited` and 503), `status` the HTTP status it answered; context holds safe facts only
 * (operation, ids, attempt), never credentials or field values.
 */
export type SourceApiErrorOptions = CodedErrorOptions<SourceApiErrorCode>;

/**
 * A failed call to an HR vendor's API. Adapters subclass it only to set their own `name`, through
 * {@link namedSourceApiError}; {@link isSourceApiError} checks that name.
 */
export class SourceApiError extends codedErrorClass('SourceApiError', SOURCE_API_ERROR_CODES) {}

/**
 * The base class of one adapter's error: a {@link SourceApiError} whose every instance is named
 * `name`, typed as that literal. Use: `class WorkdayApiError extends namedSourceApiError('WorkdayApiError') {}`.
 */
export function namedSourceApiError<const N extends string>(name: N) {
  return class extends SourceApiError {
    override readonly name: N = name;
  };
}

/**
 * Structural check for one adapter's subclass by its `name` (`'WorkdayApiError'`) and a string
 * `code`, so it also holds across module copies where `instanceof` would not.
 */
export function isSourceApiError(err: unknown, name: string): err is SourceApiError {
  return isCodedError(err, name);
}
