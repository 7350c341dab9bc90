/**
 * Errors of the BambooHR API client, in the shape of connectors/sdk/errors.ts: a stable `code`,
 * `retryable`, `cause` and secret-free context. Callers branch on `code` or `retryable`; the
 * gateway answers 503 for a retryable failure (BambooHR then redelivers) and dead-letters the rest.
 */
export const BAMBOOHR_API_ERROR_CODES = {
  transient: { retryable: true, summary: 'BambooHR failed in a way that may pass on retry (5xx, timeout, connection reset).' },
  'rate-limited': { retryable: true, summary: 'BambooHR asked us to slow down (429, or 503 with Retry-After); `retryAfterMs` says when.' },
  auth: { retryable: false, summary: 'The API key was rejected or lacks permission (401/403); ops must fix the key or its access level.' },
  'not-found': { retryable: false, summary: 'No such employee (404): deleted in BambooHR, or hidden from this API key.' },
  'invalid-request': { retryable: false, summary: 'BambooHR rejected the request as invalid (400 or another 4xx).' },
  'invalid-response': { retryable: false, summary: 'BambooHR answered 2xx with a body that is not the documented JSON.' },
} as const satisfies Record<string, { retryable: boolean; summary: string }>;

export type BambooHrApiErrorCode = keyof typeof BAMBOOHR_API_ERROR_CODES;

export interface BambooHrApiErrorOptions {
  code: BambooHrApiErrorCode;
  message: string;
  /** Overrides the code's default. */
  retryable?: boolean;
  retryAfterMs?: number;
  status?: number;
  cause?: unknown;
  /** Safe facts only: operation, employee id, attempt; never the API key or field values. */
  context?: Record<string, string | number | boolean>;
}

export class BambooHrApiError extends Error {
  readonly code: BambooHrApiErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly status?: number;
  readonly context: Record<string, string | number | boolean>;

  constructor(opts: BambooHrApiErrorOptions) {
    super(opts.message, { cause: opts.cause });
    this.name = 'BambooHrApiError';
    this.code = opts.code;
    this.retryable = opts.retryable ?? BAMBOOHR_API_ERROR_CODES[opts.code].retryable;
    this.retryAfterMs = opts.retryAfterMs;
    this.status = opts.status;
    this.context = opts.context ?? {};
  }
}

export function isBambooHrApiError(err: unknown): err is BambooHrApiError {
  return err instanceof Error && err.name === 'BambooHrApiError' && typeof (err as BambooHrApiError).code === 'string';
}
