import type { Logger } from 'pino';
import { ConnectorError, type ConnectorErrorCode } from './errors';
import { parseRetryAfter, type ParseRetryAfterOptions } from './retry-after';

export { parseRetryAfter, parseHttpDate, MAX_RETRY_AFTER_MS, type ParseRetryAfterOptions } from './retry-after';

/**
 * An HTTP client for connectors, on the global `fetch`. It turns every failure into the SDK's error
 * taxonomy so that connectors only handle the answers they expect:
 *
 * | answer                         | error code        | retryable |
 * | ------------------------------ | ----------------- | --------- |
 * | 429                            | `rate-limited`    | yes, after `retryAfterMs` (Retry-After) |
 * | 5xx, 408, network error, timeout | `transient`     | yes (503 also carries `retryAfterMs`) |
 * | 401, 403                       | `auth`            | no        |
 * | 409, 412                       | `conflict`        | no        |
 * | 400, 422 and any other 4xx     | `invalid-request` | no        |
 * | 3xx (redirects are not followed) | `invalid-request` | no      |
 *
 * Statuses listed in a request's `accept` are returned instead of thrown (a connector that treats
 * 404 on DELETE as "already gone" accepts 404). Cancellation through the caller's AbortSignal
 * rejects with the signal's reason (Temporal's CancelledFailure in an activity), never with a
 * ConnectorError, so that a cancelled step is not mistaken for a failed one.
 *
 * Logs carry method, path (without its query, which may hold personal data), status and duration;
 * never headers, bodies or secrets.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpClientOptions {
  /** Prefix of every request path, e.g. `https://api.example.com/scim/v2`. */
  baseUrl: string;
  /** Sent with every request (e.g. `authorization`); never logged. */
  headers?: Readonly<Record<string, string>>;
  /** Per-request timeout unless the request sets its own. Default 30 s. */
  timeoutMs?: number;
  /** Media type of JSON bodies. Default `application/json`. */
  contentType?: string;
  /** Turns an error body into safe facts for the error (e.g. SCIM `scimType` and `detail`). */
  describeError?: (body: unknown) => ErrorDescription;
  /** Injected for tests. */
  fetch?: typeof fetch;
  /** Clock for HTTP-date Retry-After values; injected for tests. */
  now?: () => number;
}

export interface ErrorDescription {
  /** Human-readable reason from the app; put in the error message. */
  detail?: string;
  /** Secret- and PII-free facts for the error's context. */
  context?: Record<string, string | number | boolean>;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Path below `baseUrl`; callers encode path segments. */
  path: string;
  query?: Readonly<Record<string, string | number | undefined>>;
  headers?: Readonly<Record<string, string>>;
  /** Serialized as JSON. */
  body?: unknown;
  /** The operation's cancellation signal (`ctx.signal`). */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Non-2xx statuses the caller handles itself: they are returned, not thrown. */
  accept?: readonly number[];
  /** Bound logger of the operation (`ctx.log`). */
  log?: Logger;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: T | undefined;
}

export interface HttpClient {
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  const base = opts.baseUrl.replace(/\/+$/, '');
  const contentType = opts.contentType ?? 'application/json';

  return {
    async request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
      const timeoutMs = req.timeoutMs ?? opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const url = buildUrl(base, req.path, req.query);
      const headers: Record<string, string> = { accept: `${contentType}, application/json;q=0.9`, ...opts.headers, ...req.headers };
      if (req.body !== undefined) headers['content-type'] = contentType;
      const started = now();
      const where = { method: req.method, path: req.path };

      const sent = await attemptHttp(
        {
          url,
          method: req.method,
          headers,
          ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
          ...(req.signal ? { signal: req.signal } : {}),
          timeoutMs,
          redirect: 'manual',
          fetch: doFetch,
        },
        async (response) => ({ response, text: await response.text() }),
      );
      if (!sent.ok) {
        req.log?.warn({ ...where, durationMs: now() - started, timedOut: sent.timedOut }, 'http request failed');
        throw new ConnectorError({
          code: 'transient',
          message: sent.timedOut
            ? `${req.method} ${req.path} timed out after ${timeoutMs} ms`
            : `${req.method} ${req.path} failed: ${networkReason(sent.cause)}`,
          cause: sent.cause,
          context: { ...where, timedOut: sent.timedOut },
        });
      }
      const { response: res, text } = sent.value;

      const body = parseBody<T>(text, res.headers.get('content-type'));
      req.log?.debug({ ...where, status: res.status, durationMs: now() - started }, 'http request');
      if ((res.status >= 200 && res.status < 300) || req.accept?.includes(res.status)) {
        if (body === INVALID_JSON) {
          throw new ConnectorError({ code: 'transient', message: `${req.method} ${req.path}: the app answered ${res.status} with malformed JSON`, status: res.status, context: where });
        }
        return { status: res.status, headers: res.headers, body: body as T | undefined };
      }
      const description = body === INVALID_JSON || body === undefined ? {} : (opts.describeError?.(body) ?? {});
      throw errorForResponse({ status: res.status, headers: res.headers, method: req.method, path: req.path, description, now: now() });
    },
  };
}

/** Input of {@link errorForResponse}. */
export interface ErrorForResponseInput {
  status: number;
  headers: Headers;
  method: string;
  path: string;
  description?: ErrorDescription;
  /** Milliseconds since the epoch, for HTTP-date Retry-After values. */
  now: number;
}

/** Maps a non-success HTTP answer to the SDK error taxonomy (table in the module comment). */
export function errorForResponse(input: ErrorForResponseInput): ConnectorError {
  const { status } = input;
  const code = codeForStatus(status);
  const retryAfterMs = retryAfterOf(status, input.headers, input.now);
  const detail = input.description?.detail ? `: ${truncate(input.description.detail, 300)}` : '';
  return new ConnectorError({
    code,
    message: `${input.method} ${input.path} answered ${status}${detail}`,
    status,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    context: { method: input.method, path: input.path, status, ...input.description?.context },
  });
}

function codeForStatus(status: number): ConnectorErrorCode {
  if (status === 429) return 'rate-limited';
  if (status >= 500 || status === 408) return 'transient';
  if (status === 401 || status === 403) return 'auth';
  if (status === 409 || status === 412) return 'conflict';
  return 'invalid-request';
}

/** One attempt of an outbound request (see {@link attemptHttp}). */
export interface HttpAttemptRequest {
  url: string | URL;
  method: HttpMethod;
  headers: Readonly<Record<string, string>>;
  /** The serialized body. */
  body?: string;
  /** The caller's cancellation signal. */
  signal?: AbortSignal;
  /** Covers sending and whatever `read` does with the answer, its body included. */
  timeoutMs: number;
  /** `manual` (connectors: a redirect is an answer) or `follow` (the fetch default). */
  redirect?: 'manual' | 'follow';
  fetch?: typeof fetch;
}

/** What one attempt gave: the answer as `read` made it, or why there was none. */
export type HttpAttempt<T> = { ok: true; value: T } | { ok: false; timedOut: boolean; cause: unknown };

/**
 * The one way this code base sends an HTTP request: one attempt, on the global `fetch`, under its
 * own timeout (`AbortSignal.timeout`) joined with the caller's signal. `read` gets any answer,
 * whatever its status. Resolves `{ ok: false }` when sending or `read` failed (`timedOut` when the
 * timeout fired); rejects only with the caller's signal's reason once it is aborted (Temporal's
 * CancelledFailure in an activity), so a cancelled call is never mistaken for a failed one.
 * Retrying is the caller's business: connectors leave it to Temporal, HR source clients loop
 * (sources/sdk/fetch-with-retry.ts).
 */
export async function attemptHttp<T>(req: HttpAttemptRequest, read: (response: Response) => Promise<T>): Promise<HttpAttempt<T>> {
  req.signal?.throwIfAborted();
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  try {
    const response = await (req.fetch ?? fetch)(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      signal,
      ...(req.redirect ? { redirect: req.redirect } : {}),
    });
    return { ok: true, value: await read(response) };
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason;
    return { ok: false, timedOut: timeout.aborted, cause: err };
  }
}

/** The delay an answer asks for: Retry-After (./retry-after.ts) of a 429 or a 503, else undefined. */
export function retryAfterOf(status: number, headers: Headers, nowMs: number, opts?: ParseRetryAfterOptions): number | undefined {
  return status === 429 || status === 503 ? parseRetryAfter(headers.get('retry-after'), nowMs, opts) : undefined;
}

function buildUrl(base: string, path: string, query: HttpRequest['query']): string {
  const url = `${base}/${path.replace(/^\/+/, '')}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

const INVALID_JSON = Symbol('invalid-json');

function parseBody<T>(text: string, contentType: string | null): T | undefined | typeof INVALID_JSON {
  if (text.trim() === '') return undefined;
  if (contentType && !/json/i.test(contentType)) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return INVALID_JSON;
  }
}

/** The low-level reason of a fetch failure (ECONNREFUSED, ENOTFOUND…), without URLs or headers. */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : 'unknown error';
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
