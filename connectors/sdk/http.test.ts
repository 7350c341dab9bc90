import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnectorError, type ConnectorError } from './errors';
import { createHttpClient, parseRetryAfter } from './http';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let handler: Handler = (_req, res) => res.end();
const seen: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const answer = (status: number, headers: Record<string, string> = {}, body?: string): Handler => (_req, res) => {
  res.writeHead(status, headers);
  res.end(body);
};

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isConnectorError(err)) throw new Error(`expected a ConnectorError, got ${String(err)}`);
  return err;
}

describe('http client', () => {
  const client = () => createHttpClient({ baseUrl, headers: { authorization: 'Bearer s3cret-token' }, timeoutMs: 2_000 });

  it('returns > parsed JSON of a 2xx answer, joining base URL, path and query', async () => {
    handler = answer(200, { 'content-type': 'application/scim+json' }, '{"ok":true}');
    const res = await client().request({ method: 'GET', path: '/Users', query: { filter: 'userName eq "a b"', count: 5, skip: undefined } });
    expect(res).toMatchObject({ status: 200, body: { ok: true } });
    expect(seen.at(-1)?.url).toBe('/api/Users?filter=userName+eq+%22a+b%22&count=5');
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer s3cret-token');
  });

  it('sends > JSON bodies with the configured media type', async () => {
    let received = '';
    handler = (req, res) => {
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (received += chunk));
      req.on('end', () => res.writeHead(204).end());
    };
    const c = createHttpClient({ baseUrl, contentType: 'application/scim+json' });
    const res = await c.request({ method: 'POST', path: 'Users', body: { userName: 'ada' } });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect(JSON.parse(received)).toEqual({ userName: 'ada' });
    expect(seen.at(-1)?.headers['content-type']).toBe('application/scim+json');
  });

  it('maps > 429 to rate-limited with Retry-After in seconds', async () => {
    handler = answer(429, { 'retry-after': '7' });
    const err = await failure(client().request({ method: 'GET', path: 'Users' }));
    expect(err).toMatchObject({ code: 'rate-limited', retryable: true, retryAfterMs: 7_000, status: 429 });
  });

  it('maps > 429 to rate-limited with Retry-After as an HTTP-date', async () => {
    const at = Date.UTC(2030, 0, 1, 0, 0, 30);
    handler = answer(429, { 'retry-after': new Date(at).toUTCString() });
    const c = createHttpClient({ baseUrl, now: () => at - 12_000 });
    const err = await failure(c.request({ method: 'GET', path: 'Users' }));
    expect(err).toMatchObject({ code: 'rate-limited', retryAfterMs: 12_000 });
  });

  it.each([
    ['RFC 850', 'Tuesday, 01-Jan-30 00:00:30 GMT'],
    ['asctime', 'Tue Jan  1 00:00:30 2030'],
  ])('maps > 429 with Retry-After in the obsolete %s form, read as UTC', async (_form, value) => {
    handler = answer(429, { 'retry-after': value });
    const c = createHttpClient({ baseUrl, now: () => Date.UTC(2030, 0, 1, 0, 0, 18) });
    const err = await failure(c.request({ method: 'GET', path: 'Users' }));
    expect(err).toMatchObject({ code: 'rate-limited', retryAfterMs: 12_000 });
  });

  it('maps > 429 without Retry-After to rate-limited without a delay', async () => {
    handler = answer(429);
    const err = await failure(client().request({ method: 'GET', path: 'Users' }));
    expect(err.code).toBe('rate-limited');
    expect(err.retryAfterMs).toBeUndefined();
  });

  it.each([
    [500, 'transient', true],
    [502, 'transient', true],
    [503, 'transient', true],
    [408, 'transient', true],
    [401, 'auth', false],
    [403, 'auth', false],
    [400, 'invalid-request', false],
    [422, 'invalid-request', false],
    [404, 'invalid-request', false],
    [409, 'conflict', false],
    [412, 'conflict', false],
    [302, 'invalid-request', false],
  ] as const)('maps > %i to %s (retryable %s)', async (status, code, retryable) => {
    handler = answer(status, status === 302 ? { location: 'http://elsewhere.invalid/' } : {});
    const err = await failure(client().request({ method: 'GET', path: 'Users' }));
    expect(err).toMatchObject({ code, retryable, status });
  });

  it('maps > 503 with Retry-After to transient carrying the delay', async () => {
    handler = answer(503, { 'retry-after': '3' });
    const err = await failure(client().request({ method: 'GET', path: 'Users' }));
    expect(err).toMatchObject({ code: 'transient', retryable: true, retryAfterMs: 3_000 });
  });

  it('returns > accepted non-2xx statuses instead of throwing', async () => {
    handler = answer(404, { 'content-type': 'application/json' }, '{"detail":"gone"}');
    const res = await client().request({ method: 'DELETE', path: 'Users/1', accept: [404] });
    expect(res).toMatchObject({ status: 404, body: { detail: 'gone' } });
  });

  it('describes > error bodies through the describeError hook', async () => {
    handler = answer(409, { 'content-type': 'application/scim+json' }, '{"scimType":"uniqueness","detail":"userName taken"}');
    const c = createHttpClient({
      baseUrl,
      describeError: (body) => ({ detail: (body as { detail: string }).detail, context: { scimType: (body as { scimType: string }).scimType } }),
    });
    const err = await failure(c.request({ method: 'POST', path: 'Users', body: {} }));
    expect(err.message).toContain('userName taken');
    expect(err.context).toMatchObject({ scimType: 'uniqueness', status: 409 });
  });

  it('maps > a malformed JSON success body to transient', async () => {
    handler = answer(200, { 'content-type': 'application/json' }, '{"half":');
    const err = await failure(client().request({ method: 'GET', path: 'Users' }));
    expect(err.code).toBe('transient');
  });

  it('maps > a refused connection to transient', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const c = createHttpClient({ baseUrl: `http://127.0.0.1:${port}` });
    const err = await failure(c.request({ method: 'GET', path: 'Users' }));
    expect(err).toMatchObject({ code: 'transient', retryable: true });
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('maps > a request that outlives its timeout to transient, promptly', async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    const err = await failure(client().request({ method: 'GET', path: 'Users', timeoutMs: 150 }));
    expect(err).toMatchObject({ code: 'transient', retryable: true, context: { timedOut: true } });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('rejects > with the signal reason when the caller cancels in flight, promptly', async () => {
    handler = () => undefined;
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    setTimeout(() => controller.abort(reason), 100);
    const started = Date.now();
    await expect(client().request({ method: 'GET', path: 'Users', signal: controller.signal })).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('rejects > an already-aborted signal without sending anything', async () => {
    const before = seen.length;
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(client().request({ method: 'GET', path: 'Users', signal: controller.signal })).rejects.toThrow('cancelled');
    expect(seen.length).toBe(before);
  });

  it('logs > method, path and status, never headers, query or secrets', async () => {
    const lines: string[] = [];
    const log = pino(
      { level: 'trace' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    handler = answer(401, { 'content-type': 'application/json' }, '{"detail":"bad token"}');
    await failure(client().request({ method: 'GET', path: 'Users', query: { filter: 'userName eq "ada@example.com"' }, log }));
    handler = () => undefined;
    await failure(client().request({ method: 'GET', path: 'Users', timeoutMs: 50, log }));
    const all = lines.join('');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(all).toContain('"status":401');
    expect(all).not.toContain('s3cret-token');
    expect(all.toLowerCase()).not.toContain('authorization');
    expect(all).not.toContain('ada@example.com');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2030, 0, 1);
  it('reads > delay-seconds', () => expect(parseRetryAfter('120', now)).toBe(120_000));
  it('reads > an IMF-fixdate', () => expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:05 GMT', now)).toBe(5_000));
  it('clamps > a date in the past to zero', () => expect(parseRetryAfter('Mon, 31 Dec 2029 23:59:00 GMT', now)).toBe(0));
  it.each([null, '', '-5', '1.5', 'soon', '2030-01-01T00:00:05Z'])('ignores > %j', (value) => expect(parseRetryAfter(value, now)).toBeUndefined());
});
