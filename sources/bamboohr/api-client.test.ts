import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeBambooHr, type FakeBambooHr } from './testing/fake-api';
import { BAMBOOHR_API_ERROR_CODES, type BambooHrApiError, isBambooHrApiError } from './errors';
import { rejectionOf } from '../sdk/test-support';
import { HYDRATE_FIELDS } from './fields';
import { bambooHrApiBase, createBambooHrClient, type BambooHrClientOptions } from './api-client';

const API_KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f9001122334';
const ADA = { firstName: 'Ada', lastName: 'Lovelace', workEmail: 'ada@example.com', jobTitle: 'Engineer', status: 'Active', hireDate: '2026-03-02' };

let fake: FakeBambooHr;
let delays: number[];

beforeEach(async () => {
  fake = await startFakeBambooHr({ apiKey: API_KEY, employees: { '4101': ADA } });
  delays = [];
});
afterEach(async () => {
  await fake.close();
});

function client(over: Partial<BambooHrClientOptions> = {}) {
  return createBambooHrClient({
    baseUrl: fake.url,
    apiKey: API_KEY,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 1, // no jitter: delays are exactly base * 2^(n-1)
    now: () => Date.UTC(2026, 0, 31, 18, 42, 0),
    ...over,
  });
}

const failure = (p: Promise<unknown>): Promise<BambooHrApiError> => rejectionOf(p, isBambooHrApiError);

describe('getEmployee', () => {
  it('asks for the hydration fields as JSON with the API key as Basic user, and returns them by alias', async () => {
    const record = await client().getEmployee({ employeeId: '4101' });
    expect(record).toMatchObject({ ...ADA, preferredName: null, terminationDate: null });
    expect(Object.keys(record).sort()).toEqual([...HYDRATE_FIELDS].sort());
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      method: 'GET',
      path: '/employees/4101',
      query: { fields: HYDRATE_FIELDS.join(','), onlyCurrent: 'false' },
      user: API_KEY,
      accept: 'application/json',
      status: 200,
    });
  });

  it('lets a call narrow the field list', async () => {
    expect(await client().getEmployee({ employeeId: '4101', fields: ['firstName'] })).toEqual({ firstName: 'Ada' });
  });

  it('fails permanently on a wrong key, without retrying', async () => {
    const err = await failure(client({ apiKey: 'wrong' }).getEmployee({ employeeId: '4101' }));
    expect(err).toMatchObject({ code: 'auth', retryable: false, status: 401 });
    expect(err.message).toContain('Invalid API key');
    expect(fake.requests).toHaveLength(1);
  });

  it('reports an unknown employee as not-found, without retrying', async () => {
    const err = await failure(client().getEmployee({ employeeId: '9999' }));
    expect(err).toMatchObject({ code: 'not-found', retryable: false, status: 404, context: { operation: 'getEmployee', employeeId: '9999' } });
    expect(fake.requests).toHaveLength(1);
  });

  it('treats other 4xx as invalid-request and never retries them', async () => {
    fake.failNext(400);
    expect(await failure(client().getEmployee({ employeeId: '4101' }))).toMatchObject({ code: 'invalid-request', retryable: false });
    expect(fake.requests).toHaveLength(1);
  });

  it('retries 5xx with exponential backoff, then succeeds', async () => {
    fake.failNext(500);
    fake.failNext(502);
    expect(await client().getEmployee({ employeeId: '4101' })).toMatchObject({ firstName: 'Ada' });
    expect(fake.requests.map((r) => r.status)).toEqual([500, 502, 200]);
    expect(delays).toEqual([250, 500]);
  });

  it('jitters backoff to between half and all of the step', async () => {
    fake.failNext(500);
    fake.failNext(500);
    await client({ random: () => 0 }).getEmployee({ employeeId: '4101' });
    expect(delays).toEqual([125, 250]);
  });

  it('gives up after maxAttempts with a retryable transient error', async () => {
    for (let i = 0; i < 3; i++) fake.failNext(500);
    const err = await failure(client({ maxAttempts: 3 }).getEmployee({ employeeId: '4101' }));
    expect(err).toMatchObject({ code: 'transient', retryable: true, status: 500, context: { attempt: 3 } });
    expect(fake.requests).toHaveLength(3);
    expect(delays).toEqual([250, 500]);
  });

  it('honours Retry-After in seconds on 429', async () => {
    fake.failNext(429, 2);
    expect(await client().getEmployee({ employeeId: '4101' })).toMatchObject({ firstName: 'Ada' });
    expect(delays).toEqual([2000]);
  });

  it('honours Retry-After as an HTTP-date on 503', async () => {
    fake.failNext(503, 'Sat, 31 Jan 2026 18:42:07 GMT'); // now() is 18:42:00
    await client().getEmployee({ employeeId: '4101' });
    expect(delays).toEqual([7000]);
  });

  it('backs off normally on a 503 without Retry-After', async () => {
    fake.failNext(503);
    await client().getEmployee({ employeeId: '4101' });
    expect(delays).toEqual([250]);
  });

  it('does not sleep on a Retry-After beyond maxRetryAfterMs: it throws it to the caller', async () => {
    fake.failNext(429, 120);
    const err = await failure(client({ maxRetryAfterMs: 30_000 }).getEmployee({ employeeId: '4101' }));
    expect(err).toMatchObject({ code: 'rate-limited', retryable: true, retryAfterMs: 120_000, status: 429 });
    expect(fake.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('retries a dropped connection', async () => {
    fake.scriptNext({ reset: true });
    expect(await client().getEmployee({ employeeId: '4101' })).toMatchObject({ firstName: 'Ada' });
    expect(fake.requests.map((r) => r.status)).toEqual([-1, 200]);
  });

  it('times out a stalled attempt and retries it', async () => {
    fake.scriptNext({ delayMs: 10_000 });
    const started = Date.now();
    expect(await client({ timeoutMs: 100 }).getEmployee({ employeeId: '4101' })).toMatchObject({ firstName: 'Ada' });
    expect(Date.now() - started).toBeLessThan(5_000); // did not wait for the stalled answer
    expect(delays).toEqual([250]);
  });

  it('reports a timeout as transient once attempts run out', async () => {
    fake.scriptNext({ delayMs: 10_000 });
    const err = await failure(client({ timeoutMs: 50, maxAttempts: 1 }).getEmployee({ employeeId: '4101' }));
    expect(err).toMatchObject({ code: 'transient', retryable: true });
    expect(err.message).toContain('within 50 ms');
  });

  it('rejects a body that is not JSON or names another employee, without retrying', async () => {
    const stub = (body: string) => (async () => new Response(body, { status: 200 })) as typeof fetch;
    expect(await failure(client({ fetch: stub('<employee/>') }).getEmployee({ employeeId: '4101' }))).toMatchObject({ code: 'invalid-response', retryable: false });
    expect(await failure(client({ fetch: stub('{"id":"4102"}') }).getEmployee({ employeeId: '4101' }))).toMatchObject({ code: 'invalid-response' });
  });
});

describe('listChangedSince', () => {
  beforeEach(() => {
    fake.setEmployee('4102', { firstName: 'Grace' }, { lastChanged: '2026-02-01T10:00:00+00:00' });
    fake.setEmployee('4101', { jobTitle: 'Staff Engineer' }, { lastChanged: '2026-02-01T09:00:00+00:00' });
    fake.deleteEmployee('4103', { lastChanged: '2026-02-01T09:00:00+00:00' });
  });

  it('lists changes since a moment, oldest first, in canonical UTC', async () => {
    const res = await client().listChangedSince({ since: '2026-02-01T08:00:00.750+0000' });
    expect(res).toEqual({
      latest: '2026-02-01T10:00:00Z',
      changes: [
        { employeeId: '4101', action: 'updated', lastChanged: '2026-02-01T09:00:00Z' },
        { employeeId: '4103', action: 'deleted', lastChanged: '2026-02-01T09:00:00Z' },
        { employeeId: '4102', action: 'inserted', lastChanged: '2026-02-01T10:00:00Z' },
      ],
    });
    // Second precision, as BambooHR documents; rounded down so nothing is skipped.
    expect(fake.requests[0]).toMatchObject({ path: '/employees/changed', query: { since: '2026-02-01T08:00:00Z' }, user: API_KEY });
  });

  it('passes the type filter and accepts a Date', async () => {
    const res = await client().listChangedSince({ since: new Date(Date.UTC(2026, 1, 1)), type: 'deleted' });
    expect(res.changes.map((c) => c.employeeId)).toEqual(['4103']);
    expect(fake.requests[0]?.query).toEqual({ since: '2026-02-01T00:00:00Z', type: 'deleted' });
  });

  it('reads an empty result, which BambooHR sends as an empty list', async () => {
    expect((await client().listChangedSince({ since: '2026-03-01T00:00:00Z' })).changes).toEqual([]);
  });

  it('retries the poll like any other call', async () => {
    fake.failNext(503, 1);
    expect((await client().listChangedSince({ since: '2026-02-01T00:00:00Z' })).changes).toHaveLength(3);
    expect(delays).toEqual([1000]);
  });

  it('refuses a since that is not an instant', async () => {
    await expect(client().listChangedSince({ since: '2026-02-01' })).rejects.toThrow(RangeError);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('error codes', () => {
  it('classify transient and rate-limited as retryable, the rest as permanent', () => {
    const retryable = Object.entries(BAMBOOHR_API_ERROR_CODES)
      .filter(([, d]) => d.retryable)
      .map(([c]) => c);
    expect(retryable).toEqual(['transient', 'rate-limited']);
  });
});

describe('bambooHrApiBase', () => {
  it('builds the documented gateway URL and refuses odd domains', () => {
    expect(bambooHrApiBase('acme')).toBe('https://api.bamboohr.com/api/gateway.php/acme/v1');
    expect(() => bambooHrApiBase('acme/../evil')).toThrow(RangeError);
  });
});
