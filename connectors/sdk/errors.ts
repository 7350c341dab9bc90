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

export interface ConnectorErrorOptions {
  code: ConnectorErrorCode;
  message: string;
  /** Overrides the code's default. */
  retryable?: boolean;
  /** For `rate-limited`: the app's Retry-After, in milliseconds. */
  retryAfterMs?: number;
  /** HTTP status or protocol result code the app answered, when there was one. */
  status?: number;
  cause?: unknown;
  /** Safe (secret- and PII-free) facts for logs and failure details. */
  context?: Record<string, string | number | boolean>;
}

export class ConnectorError extends Error {
  readonly code: ConnectorErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly status?: number;
  readonly context: Record<string, string | number | boolean>;

  constructor(opts: ConnectorErrorOptions) {
    super(opts.message, { cause: opts.cause });
    this.name = 'ConnectorError';
    this.code = opts.code;
    this.retryable = opts.retryable ?? CONNECTOR_ERROR_CODES[opts.code].retryable;
    this.retryAfterMs = opts.retryAfterMs;
    this.status = opts.status;
    this.context = opts.context ?? {};
  }
}

export function isConnectorError(err: unknown): err is ConnectorError {
  return err instanceof Error && err.name === 'ConnectorError' && typeof (err as ConnectorError).code === 'string';
}
