import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeRaas, type FakeRaas } from './testing/fake-raas';
import { rejectionOf } from '../sdk/test-support';
import { isWorkdayApiError, type WorkdayApiError } from './errors';
import { createRaasClient, type RaasClientOptions } from './raas';

const USER = 'ISU_JML@acme';
const PASSWORD = 'correct horse battery staple';
const ADA = { Worker_ID: '21001', Worker_Type: 'Employee', Legal_First_Name: 'Ada', Legal_Last_Name: 'Lovelace', Active: '1' };
const NOW = Date.UTC(2026, 1, 10, 17, 15, 0);

let fake: FakeRaas;
let delays: number[];

beforeEach(async () => {
  fake = await startFakeRaas({ user: USER, password: PASSWORD, entries: [ADA] });
  delays = [];
});
afterEach(async () => {
  await fake.close();
});

function client(over: Partial<RaasClientOptions> = {}) {
  return createRaasClient({
    reportUrl: fake.url,
    user: USER,
    password: PASSWORD,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 1, // no jitter: delays are exactly base * 2^(n-1)
    now: () => NOW,
    ...over,
  });
}

const failure = (p: Promise<unknown>): Promise<WorkdayApiError> => rejectionOf(p, isWorkdayApiError);

describe('createRaasClient > fetchReport', () => {
  it('runs the report as JSON with Basic auth and returns its rows and when it ran', async () => {
    const report = await client().fetchReport();
    expect(report).toEqual({ fetchedAt: '2026-02-10T17:15:00Z', entries: [ADA] });
    expect(fake.requests).toEqual([
      { method: 'GET', path: '/ccx/service/customreport2/acme/ISU_JML/JML_Workers', query: { format: 'json' }, user: USER, accept: 'application/json', status: 200 },
    ]);
  });

  it('sends report prompts as query parameters', async () => {
    await client().fetchReport({ prompts: { Effective_as_of_Date: '2026-02-10', Include_Terminated_Workers: '1' } });
    expect(fake.requests[0]?.query).toEqual({ Effective_as_of_Date: '2026-02-10', Include_Terminated_Workers: '1', format: 'json' });
  });

  it('sees the report change between runs', async () => {
    fake.setEntries([]);
    expect((await client().fetchReport()).entries).toEqual([]);
  });

  it('refuses to let a prompt or the URL override the format', async () => {
    await expect(client().fetchReport({ prompts: { format: 'csv' } })).rejects.toThrow(RangeError);
    expect(() => client({ reportUrl: `${fake.url}?format=csv` })).toThrow(RangeError);
    expect(fake.requests).toHaveLength(0);
  });

  it('fails permanently on rejected credentials, without retrying', async () => {
    const err = await failure(client({ password: 'wrong' }).fetchReport());
    expect(err).toMatchObject({ code: 'auth', retryable: false, status: 401, context: { operation: 'fetchReport', report: 'JML_Workers', attempt: 1 } });
    expect(fake.requests).toHaveLength(1);
  });

  it('reports an unknown report as not-found, without retrying', async () => {
    const err = await failure(client({ reportUrl: fake.url.replace('JML_Workers', 'No_Such_Report') }).fetchReport());
    expect(err).toMatchObject({ code: 'not-found', retryable: false, status: 404 });
    expect(fake.requests).toHaveLength(1);
  });

  it('treats other 4xx as invalid-request and never retries them', async () => {
    fake.failNext(400);
    expect(await failure(client().fetchReport())).toMatchObject({ code: 'invalid-request', retryable: false, status: 400 });
    expect(fake.requests).toHaveLength(1);
  });

  it('retries 5xx with exponential backoff, then succeeds', async () => {
    fake.failNext(500);
    fake.failNext(502);
    expect((await client().fetchReport()).entries).toEqual([ADA]);
    expect(fake.requests.map((r) => r.status)).toEqual([500, 502, 200]);
    expect(delays).toEqual([1000, 2000]);
  });

  it('jitters backoff to between half and all of the step, capped', async () => {
    for (let i = 0; i < 3; i++) fake.failNext(500);
    await client({ random: () => 0, backoffMaxMs: 1500 }).fetchReport();
    expect(delays).toEqual([500, 750, 750]);
  });

  it('gives up after maxAttempts with a retryable transient error', async () => {
    for (let i = 0; i < 3; i++) fake.failNext(503);
    const err = await failure(client({ maxAttempts: 3 }).fetchReport());
    expect(err).toMatchObject({ code: 'transient', retryable: true, status: 503, context: { attempt: 3 } });
    expect(fake.requests).toHaveLength(3);
    expect(delays).toEqual([1000, 2000]);
  });

  it('honours Retry-After in seconds on 429', async () => {
    fake.failNext(429, 3);
    expect((await client().fetchReport()).entries).toEqual([ADA]);
    expect(delays).toEqual([3000]);
  });

  it('honours Retry-After as an HTTP-date on 503', async () => {
    fake.failNext(503, 'Tue, 10 Feb 2026 17:15:07 GMT'); // now() is 17:15:00
    await client().fetchReport();
    expect(delays).toEqual([7000]);
  });

  it('does not sleep on a Retry-After beyond maxRetryAfterMs: it throws it to the scheduler', async () => {
    fake.failNext(429, 600);
    const err = await failure(client().fetchReport());
    expect(err).toMatchObject({ code: 'rate-limited', retryable: true, retryAfterMs: 600_000, status: 429 });
    expect(fake.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('retries a dropped connection', async () => {
    fake.scriptNext({ reset: true });
    expect((await client().fetchReport()).entries).toEqual([ADA]);
    expect(fake.requests.map((r) => r.status)).toEqual([-1, 200]);
  });

  it('times out a stalled attempt and retries it', async () => {
    fake.scriptNext({ delayMs: 3_000 });
    const started = Date.now();
    expect((await client({ timeoutMs: 100 }).fetchReport()).entries).toEqual([ADA]);
    expect(Date.now() - started).toBeLessThan(2_500); // well before the stalled answer
    expect(delays).toEqual([1000]);
  });

  it('reports a timeout as transient once attempts run out', async () => {
    fake.scriptNext({ delayMs: 1_000 });
    const err = await failure(client({ timeoutMs: 50, maxAttempts: 1 }).fetchReport());
    expect(err).toMatchObject({ code: 'transient', retryable: true });
    expect(err.message).toContain('within 50 ms');
  });

  it('rejects a body that is not JSON, or JSON without Report_Entry, without retrying', async () => {
    fake.scriptNext({ body: '<wd:Report_Data/>' });
    expect(await failure(client().fetchReport())).toMatchObject({ code: 'invalid-response', retryable: false });
    fake.scriptNext({ body: '{}' }); // must not read as "nobody works here any more"
    expect(await failure(client().fetchReport())).toMatchObject({ code: 'invalid-response', retryable: false });
    fake.scriptNext({ body: '{"Report_Entry": ["21001"]}' });
    expect(await failure(client().fetchReport())).toMatchObject({ code: 'invalid-response' });
    expect(fake.requests).toHaveLength(3);
  });

  it('logs retries with context but never the credentials', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    fake.failNext(500);
    await client({ log: pino({ level: 'warn' }, sink) }).fetchReport();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ operation: 'fetchReport', report: 'JML_Workers', attempt: 1, code: 'transient', status: 500, delayMs: 1000 });
    expect(lines.join('')).not.toContain(PASSWORD);
    expect(lines.join('')).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
  });
});

describe('fake RaaS', () => {
  it('answers XML unless JSON is asked for, like Workday', async () => {
    const res = await fetch(fake.url, { headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` } });
    expect(res.headers.get('content-type')).toBe('text/xml');
    expect(await res.text()).toContain('Report_Data');
  });
});
