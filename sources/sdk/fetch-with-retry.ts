import type { Logger } from 'pino';
import { attemptHttp, retryAfterOf, type ParseRetryAfterOptions } from '../../connectors/sdk/http';
import { isCodedError } from '../../schemas/coded-error';
import type { SourceApiError, SourceApiErrorCode, SourceApiErrorOptions } from './api-error';

/**
 * The GET-with-retries loop both HR API clients share, over the one outbound HTTP module
 * (connectors/sdk/http.ts: `attemptHttp` sends each attempt, `retryAfterOf` reads Retry-After).
 * Each attempt has its own timeout (`AbortSignal.timeout`, body included). Network errors,
 * timeouts and 5xx are retried with capped exponential backoff (equal jitter); 429 and 503 honour `Retry-After`. A `Retry-After` longer than
 * `maxRetryAfterMs` is not slept on: the error is thrown (retryable, with `retryAfterMs`) for the
 * caller to honour. Other 4xx, and any {@link SourceApiError} the adapter's `read` throws, are final.
 *
 * | answer                          | code              |
 * | ------------------------------- | ----------------- |
 * | 429, or 503 with Retry-After    | `rate-limited`    |
 * | other 5xx, network error, timeout | `transient`     |
 * | 401, 403                        | `auth`            |
 * | 404                             | `not-found`       |
 * | any other non-2xx               | `invalid-request` |
 */
export interface RetryOptions {
  /** Per attempt, including reading the body. */
  timeoutMs?: number;
  /** Attempts in total, first included; at least 1. */
  maxAttempts?: number;
  /** Backoff before retry n is `min(backoffMaxMs, backoffBaseMs * 2^(n-1))`, jittered to 50-100%. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Longest Retry-After waited in-process. */
  maxRetryAfterMs?: number;
  log?: Logger;
  fetch?: typeof globalThis.fetch;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); for jitter. */
  random?: () => number;
  now?: () => number;
}

/** What a client fixes for {@link RetryOptions} the caller leaves out. */
export type RetryDefaults = Readonly<Required<Pick<RetryOptions, 'timeoutMs' | 'maxAttempts' | 'backoffBaseMs' | 'backoffMaxMs' | 'maxRetryAfterMs'>>>;

/** Options of {@link createRetryingFetch}: the adapter's vendor specifics plus its caller's {@link RetryOptions}. */
export interface RetryingFetchOptions<E extends SourceApiError> {
  /** Vendor name in error messages: `BambooHR answered 503`. */
  vendor: string;
  /** Message of the warn line logged before each retry. */
  retryLogMessage: string;
  /** Builds the adapter's error subclass. */
  newError: (opts: SourceApiErrorOptions) => E;
  /** A safe, short reason for a non-2xx answer (e.g. a vendor error header), added to the message. */
  describeFailure?: (res: Response) => string | undefined;
  /** How `Retry-After` is read. */
  retryAfter?: ParseRetryAfterOptions;
  /** The caller's options, as given to the client. */
  retry: RetryOptions;
  defaults: RetryDefaults;
}

/** A 2xx answer handed to {@link RetryingFetchRequest.read}. */
export interface SuccessfulAnswer {
  response: Response;
  /** Clock reading taken just before the attempt that succeeded was sent. */
  sentAtMs: number;
}

/** One GET, retried as a whole. */
export interface RetryingFetchRequest<T> {
  url: string | URL;
  headers: Readonly<Record<string, string>>;
  /** Safe facts for logs and errors (operation, ids); `attempt` is added. Never credentials. */
  context: Readonly<Record<string, string>>;
  /** Reads a 2xx answer. A {@link SourceApiError} it throws is final; any other failure (e.g. the body timing out) is retried as transient. */
  read: (answer: SuccessfulAnswer) => Promise<T>;
}

/** Sends a {@link RetryingFetchRequest}; rejects with the adapter's error (`E`) only. */
export type RetryingFetch = <T>(req: RetryingFetchRequest<T>) => Promise<T>;

/** Binds the retry policy and the adapter's error class once per client. */
export function createRetryingFetch<E extends SourceApiError>(opts: RetryingFetchOptions<E>): RetryingFetch {
  const { retry, defaults, vendor } = opts;
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = retry.random ?? Math.random;
  const now = retry.now ?? Date.now;
  const timeoutMs = retry.timeoutMs ?? defaults.timeoutMs;
  const maxAttempts = Math.max(1, retry.maxAttempts ?? defaults.maxAttempts);
  const backoffBaseMs = retry.backoffBaseMs ?? defaults.backoffBaseMs;
  const backoffMaxMs = retry.backoffMaxMs ?? defaults.backoffMaxMs;
  const maxRetryAfterMs = retry.maxRetryAfterMs ?? defaults.maxRetryAfterMs;

  async function errorFromResponse(res: Response, nowMs: number, context: Record<string, string | number>): Promise<E> {
    await res.arrayBuffer().catch(() => undefined); // free the connection; error bodies may echo the request
    const detail = opts.describeFailure?.(res);
    const retryAfterMs = retryAfterOf(res.status, res.headers, nowMs, opts.retryAfter);
    return opts.newError({
      code: codeForStatus(res.status, retryAfterMs),
      message: `${vendor} answered ${res.status}${detail ? `: ${detail}` : ''}`,
      status: res.status,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
      context,
    });
  }

  return async function retryingFetch<T>(req: RetryingFetchRequest<T>): Promise<T> {
    const { context } = req;
    for (let attempt = 1; ; attempt++) {
      let error: SourceApiError;
      const sentAtMs = now();
      const sent = await attemptHttp(
        { url: req.url, method: 'GET', headers: req.headers, timeoutMs, ...(retry.fetch ? { fetch: retry.fetch } : {}) },
        async (response): Promise<{ done: true; value: T } | { done: false; error: E }> =>
          response.ok ? { done: true, value: await req.read({ response, sentAtMs }) } : { done: false, error: await errorFromResponse(response, now(), { ...context, attempt }) },
      );
      if (sent.ok) {
        const answer = sent.value;
        if (answer.done) return answer.value;
        error = answer.error;
      } else {
        // A source error thrown by read is final; any other failure (the body timing out) is transient.
        if (isCodedError(sent.cause)) throw sent.cause;
        const cause = sent.cause;
        error = opts.newError({
          code: 'transient',
          message: sent.timedOut ? `${vendor} did not answer within ${timeoutMs} ms` : `${vendor} request failed: ${(cause as Error).message}`,
          cause,
          context: { ...context, attempt },
        });
      }
      if (!error.retryable || attempt >= maxAttempts) throw error;
      if (error.retryAfterMs !== undefined && error.retryAfterMs > maxRetryAfterMs) throw error;
      const backoff = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempt - 1));
      const delayMs = error.retryAfterMs ?? Math.round(backoff * (0.5 + random() / 2));
      retry.log?.warn({ ...context, attempt, code: error.code, status: error.status, delayMs }, opts.retryLogMessage);
      await sleep(delayMs);
    }
  };
}

function codeForStatus(status: number, retryAfterMs: number | undefined): SourceApiErrorCode {
  if (status === 429 || (status === 503 && retryAfterMs !== undefined)) return 'rate-limited';
  if (status >= 500) return 'transient';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  return 'invalid-request';
}
