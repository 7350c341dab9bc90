/**
 * One way to declare a family of coded errors (STYLE.md habit 3). Every error of every family has
 * a stable `code`, whether trying again may help (`retryable`), an optional `cause`, and context:
 * safe facts (ids, operation, attempt; never secrets or personal data) for logs and failure
 * details. The code is what crosses process and sandbox boundaries (as a Temporal failure's `type`);
 * code branches on `code`, never on the message or on `instanceof` across a boundary.
 *
 * A family is a code table and a one-line class:
 *
 * ```ts
 * export const POLLER_ERROR_CODES = { 'tenant-unknown': { retryable: false }, … } as const;
 * export class PollerError extends codedErrorClass('PollerError', POLLER_ERROR_CODES) {}
 * export const isPollerError = (err: unknown): err is PollerError => isCodedError(err, 'PollerError');
 * ```
 */

/** What a code fixes for every error that carries it. Tables may add fields (a summary for docs). */
export interface ErrorCodeSpec {
  /** The default of {@link CodedError.retryable}; an error may override it. */
  readonly retryable: boolean;
}

/** Safe facts about a failure: ids, operation names, counts, statuses. */
export type ErrorContext = Record<string, string | number | boolean>;

/** Constructor options of every coded error. */
export interface CodedErrorOptions<C extends string = string> {
  code: C;
  message: string;
  /** Overrides the code's default. */
  retryable?: boolean;
  /** When a remote party asked us to wait (Retry-After), in milliseconds. */
  retryAfterMs?: number;
  /** HTTP status or protocol result code the remote party answered, when there was one. */
  status?: number;
  cause?: unknown;
  /** Safe (secret- and PII-free) facts for logs and failure details. */
  context?: ErrorContext;
}

/** What every coded error holds, whatever its family. */
export interface CodedError<C extends string = string> extends Error {
  readonly code: C;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly status?: number;
  readonly context: ErrorContext;
}

/** Marks errors made by {@link codedErrorClass}; `Symbol.for`, so it holds across module copies. */
const CODED = Symbol.for('jml-pipeline.coded-error');

/**
 * The base class of one error family: every instance is named `name` (the family's brand, which
 * {@link isCodedError} checks) and takes its default `retryable` from `codes`. Subclass it once:
 * `export class ConnectorError extends codedErrorClass('ConnectorError', CONNECTOR_ERROR_CODES) {}`.
 */
export function codedErrorClass<const T extends Readonly<Record<string, ErrorCodeSpec>>>(name: string, codes: T) {
  type Code = keyof T & string;
  return class extends Error implements CodedError<Code> {
    /** The family's code table. */
    static readonly codes: T = codes;
    readonly code: Code;
    readonly retryable: boolean;
    readonly retryAfterMs?: number;
    readonly status?: number;
    readonly context: ErrorContext;

    constructor(opts: CodedErrorOptions<Code>) {
      super(opts.message, { cause: opts.cause });
      this.name = name;
      this.code = opts.code;
      this.retryable = opts.retryable ?? codes[opts.code]?.retryable ?? false;
      this.retryAfterMs = opts.retryAfterMs;
      this.status = opts.status;
      this.context = opts.context ?? {};
      Object.defineProperty(this, CODED, { value: true });
    }
  };
}

/**
 * Structural check, valid across module copies where `instanceof` is not: with `name`, an Error of
 * that family (its `name`) with a string `code`; without, any error made by {@link codedErrorClass}.
 */
export function isCodedError(err: unknown, name?: string): err is CodedError {
  if (!(err instanceof Error) || typeof (err as Partial<CodedError>).code !== 'string') return false;
  return name === undefined ? (err as unknown as Record<symbol, unknown>)[CODED] === true : err.name === name;
}
