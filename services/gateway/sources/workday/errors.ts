/**
 * Errors of the Workday RaaS client, in the shape of connectors/sdk/errors.ts: a stable `code`,
 * `retryable`, `cause` and secret-free context. Callers branch on `code` or `retryable`, never on
 * the message. A reconciliation run that fails retryably is simply tried again on the next poll.
 */
export const WORKDAY_API_ERROR_CODES = {
  transient: { retryable: true, summary: 'Workday failed in a way that may pass on retry (5xx, timeout, connection reset).' },
  'rate-limited': { retryable: true, summary: 'Workday asked us to slow down (429, or 503 with Retry-After); `retryAfterMs` says when.' },
  auth: { retryable: false, summary: 'The integration system user was rejected or may not run the report (401/403).' },
  'not-found': { retryable: false, summary: 'No such report (404): wrong owner or name, or not enabled as a web service.' },
  'invalid-request': { retryable: false, summary: 'Workday rejected the request as invalid (400 or another 4xx), e.g. an unknown prompt.' },
  'invalid-response': { retryable: false, summary: 'Workday answered 2xx with a body that is not a JSON report ({"Report_Entry": [...]}).' },
} as const satisfies Record<string, { retryable: boolean; summary: string }>;

export type WorkdayApiErrorCode = keyof typeof WORKDAY_API_ERROR_CODES;

export interface WorkdayApiErrorOptions {
  code: WorkdayApiErrorCode;
  message: string;
  /** Overrides the code's default. */
  retryable?: boolean;
  retryAfterMs?: number;
  status?: number;
  cause?: unknown;
  /** Safe facts only: operation, attempt; never credentials or report rows. */
  context?: Record<string, string | number | boolean>;
}

export class WorkdayApiError extends Error {
  readonly code: WorkdayApiErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly status?: number;
  readonly context: Record<string, string | number | boolean>;

  constructor(opts: WorkdayApiErrorOptions) {
    super(opts.message, { cause: opts.cause });
    this.name = 'WorkdayApiError';
    this.code = opts.code;
    this.retryable = opts.retryable ?? WORKDAY_API_ERROR_CODES[opts.code].retryable;
    this.retryAfterMs = opts.retryAfterMs;
    this.status = opts.status;
    this.context = opts.context ?? {};
  }
}

/** Structural check (name and code), so it also holds across module copies. */
export function isWorkdayApiError(err: unknown): err is WorkdayApiError {
  return err instanceof Error && err.name === 'WorkdayApiError' && typeof (err as WorkdayApiError).code === 'string';
}
