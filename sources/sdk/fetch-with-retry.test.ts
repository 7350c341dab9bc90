import { describe, expect, it } from 'vitest';
import { namedSourceApiError } from './api-error';
import { rejectionOf } from './test-support';
import { createRetryingFetch, type RetryingFetchOptions, type RetryingFetchRequest, type RetryOptions } from './fetch-with-retry';

class AcmeApiError extends namedSourceApiError('AcmeApiError') {}

const NOW = Date.UTC(2026, 0, 31, 18, 42, 0);
type Answer = Response | Error;

/** A client over scripted answers, recording requests and sleeps; no jitter. */
function harness(answers: Answer[], over: Partial<RetryingFetchOptions<AcmeApiError>> = {}, retry: RetryOptions = {}) {
  const urls: string[] = [];
  const delays: number[] = [];
  const send = createRetryingFetch({
    vendor: 'Acme',
    retryLogMessage: 'acme request failed; retrying',
    newError: (o) => new AcmeApiError(o),
    retry: {
      fetch: (async (url: string | URL) => {
        urls.push(String(url));
        const next = answers.shift() ?? new Response('{}', { status: 200 });
        if (next instanceof Error) throw next;
        return next;
      }) as typeof fetch,
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 1,
      now: () => NOW,
      ...retry,
    },
    defaults: { timeoutMs: 1_000, maxAttempts: 4, backoffBaseMs: 100, backoffMaxMs: 250, maxRetryAfterMs: 10_000 },
    ...over,
  });
  const request: RetryingFetchRequest<unknown> = { url: 'https://acme.test/x', headers: {}, context: { operation: 'get' }, read: async ({ response }) => response.json() };
  return { send, request, urls, delays };
}

const failure = (p: Promise<unknown>): Promise<AcmeApiError> => rejectionOf(p, (err): err is AcmeApiError => err instanceof AcmeApiError);

const status = (code: number, headers: Record<string, string> = {}) => new Response('nope', { status: code, headers });

describe('createRetryingFetch', () => {
  it('hands a 2xx to read, with the time the attempt was sent', async () => {
    const { send, request } = harness([new Response('{"a":1}', { status: 200 })]);
    expect(await send({ ...request, read: async ({ response, sentAtMs }) => ({ body: await response.json(), sentAtMs }) })).toEqual({ body: { a: 1 }, sentAtMs: NOW });
  });

  it.each([
    [401, 'auth'],
    [403, 'auth'],
    [404, 'not-found'],
    [400, 'invalid-request'],
    [409, 'invalid-request'],
  ] as const)('fails %i as %s at once', async (code, expected) => {
    const { send, request, urls } = harness([status(code)]);
    expect(await failure(send(request))).toMatchObject({ name: 'AcmeApiError', code: expected, retryable: false, status: code, message: `Acme answered ${code}`, context: { operation: 'get', attempt: 1 } });
    expect(urls).toHaveLength(1);
  });

  it('retries 5xx with capped exponential backoff and gives up after the attempts allowed', async () => {
    const { send, request, delays } = harness([status(500), status(502), status(503), status(504)]);
    expect(await failure(send(request))).toMatchObject({ code: 'transient', retryable: true, status: 504, context: { attempt: 4 } });
    expect(delays).toEqual([100, 200, 250]);
  });

  it('lets the caller override the defaults, and jitters to half the step', async () => {
    const { send, request, delays } = harness([status(500), status(500)], {}, { random: () => 0, maxAttempts: 2 });
    expect(await failure(send(request))).toMatchObject({ code: 'transient', context: { attempt: 2 } });
    expect(delays).toEqual([50]);
  });

  it('honours Retry-After on 429 and 503, and backs off as usual on a 503 without it', async () => {
    const { send, request, delays } = harness([status(429, { 'retry-after': '2' }), status(503, { 'retry-after': 'Sat, 31 Jan 2026 18:42:07 GMT' }), status(503)]);
    expect(await send(request)).toEqual({});
    expect(delays).toEqual([2_000, 7_000, 250]);
  });

  it('reads Retry-After HTTP-dates in all three forms, as the connector client does (one parser)', async () => {
    const { send, request, delays } = harness([
      status(429, { 'retry-after': 'Sat, 31 Jan 2026 18:42:07 GMT' }),
      status(429, { 'retry-after': 'Saturday, 31-Jan-26 18:42:07 GMT' }),
      status(429, { 'retry-after': 'Sat Jan 31 18:42:07 2026' }),
    ]);
    expect(await send(request)).toEqual({});
    expect(delays).toEqual([7_000, 7_000, 7_000]);
  });

  it('calls a 503 rate-limited only when it carries a Retry-After', async () => {
    const once = { timeoutMs: 1_000, maxAttempts: 1, backoffBaseMs: 1, backoffMaxMs: 1, maxRetryAfterMs: 1 };
    const paced = harness([status(503, { 'retry-after': '3' })], { defaults: once });
    expect(await failure(paced.send(paced.request))).toMatchObject({ code: 'rate-limited', retryAfterMs: 3_000 });
    const plain = harness([status(503, { 'retry-after': 'soon' })], { defaults: once });
    const err = await failure(plain.send(plain.request));
    expect(err).toMatchObject({ code: 'transient' });
    expect(err.retryAfterMs).toBeUndefined();
  });

  it('throws a Retry-After beyond maxRetryAfterMs to the caller instead of sleeping on it', async () => {
    const { send, request, delays } = harness([status(429, { 'retry-after': '60' })]);
    expect(await failure(send(request))).toMatchObject({ code: 'rate-limited', retryable: true, retryAfterMs: 60_000 });
    expect(delays).toEqual([]);
  });

  it('reads Retry-After as the adapter asks', async () => {
    const { send, request, delays } = harness([status(429, { 'retry-after': '1234567890' })], { retryAfter: { maxDelayDigits: 9 } });
    expect(await send(request)).toEqual({});
    expect(delays).toEqual([100]); // unreadable: plain backoff
  });

  it('adds the adapter’s description of a failure to the message', async () => {
    const { send, request } = harness([status(400, { 'x-acme-error': 'bad field' })], { describeFailure: (res) => res.headers.get('x-acme-error') ?? undefined });
    expect((await failure(send(request))).message).toBe('Acme answered 400: bad field');
  });

  it('retries a network error as transient, naming the vendor', async () => {
    const { send, request, urls } = harness([new TypeError('fetch failed')]);
    expect(await send(request)).toEqual({});
    expect(urls).toHaveLength(2);
    const once = harness([new TypeError('fetch failed')], { defaults: { timeoutMs: 1_000, maxAttempts: 1, backoffBaseMs: 1, backoffMaxMs: 1, maxRetryAfterMs: 1 } });
    expect(await failure(once.send(once.request))).toMatchObject({ code: 'transient', message: 'Acme request failed: fetch failed' });
  });

  it('does not retry a source error thrown by read, but retries any other failure of read', async () => {
    const final = harness([]);
    const invalid = new AcmeApiError({ code: 'invalid-response', message: 'not JSON' });
    expect(await failure(final.send({ ...final.request, read: async () => Promise.reject(invalid) }))).toBe(invalid);
    expect(final.urls).toHaveLength(1);

    const flaky = harness([]);
    let reads = 0;
    expect(await flaky.send({ ...flaky.request, read: async () => (++reads === 1 ? Promise.reject(new Error('body aborted')) : 'ok') })).toBe('ok');
    expect(flaky.urls).toHaveLength(2);
  });
});
