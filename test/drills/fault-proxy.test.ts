import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryGaps, startFaultProxy, type FaultProxy } from './fault-proxy';

let upstream: Server;
let proxy: FaultProxy;
const seen: Array<{ method?: string; url?: string; body: string }> = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, body });
      // `/slow` answers late, so that an outage can begin while it is in flight.
      const delay = req.url?.includes('/slow') ? 1_000 : 0;
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ url: req.url, body }));
      }, delay);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  proxy = await startFaultProxy({
    upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/scim/v2`,
    subjectOf: (r) => /"externalId":"([^"]+)"/.exec(r.body)?.[1] ?? new URLSearchParams(r.path.split('?')[1]).get('who') ?? undefined,
  });
});
afterAll(async () => {
  await proxy.stop();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

const get = (path: string) => fetch(`${proxy.baseUrl}/${path}`);
const post = (path: string, body: unknown) => fetch(`${proxy.baseUrl}/${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('drill fault proxy', () => {
  it('passes > forwards method, path with query and body to the upstream base path, and logs the answer', async () => {
    const res = await post('Users?x=1', { externalId: 'drill:a-1' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ url: '/scim/v2/Users?x=1', body: '{"externalId":"drill:a-1"}' });
    expect(proxy.log.at(-1)).toMatchObject({ method: 'POST', path: '/Users?x=1', subject: 'drill:a-1', mode: 'pass', answer: 201, forwarded: true });
  });

  it('throttles > answers 429 with Retry-After without forwarding, only what `when` matches, then passes again', async () => {
    await proxy.setMode({ kind: 'throttle', retryAfterSeconds: 7, when: (r) => r.method === 'POST' });
    const before = seen.length;
    const throttled = await post('Users', { externalId: 'drill:a-2' });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect((await get('Users?who=drill:a-2')).status).toBe(200);
    expect(seen.length).toBe(before + 1);
    expect(proxy.log.at(-2)).toMatchObject({ subject: 'drill:a-2', mode: 'throttle', answer: 429, retryAfterSeconds: 7, forwarded: false });
    await proxy.setMode({ kind: 'pass' });
    expect((await post('Users', { externalId: 'drill:a-2' })).status).toBe(201);
  });

  it('rejects > answers the status `decide` returns for the requests it picks, forwards the others', async () => {
    await proxy.setMode({ kind: 'reject', decide: async (r) => (r.method === 'POST' && r.body.includes('drill:bad') ? 400 : undefined) });
    const before = seen.length;
    const rejected = await post('Users', { externalId: 'drill:bad' });
    expect(rejected.status).toBe(400);
    expect(await rejected.json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect((await post('Users', { externalId: 'drill:good' })).status).toBe(201);
    expect(seen.slice(before).map((s) => s.body)).toEqual(['{"externalId":"drill:good"}']);
    await proxy.setMode({ kind: 'pass' });
  });

  it('goes down > connections are refused, an answer in flight is cut and logged reset, and the same URL works again after', async () => {
    const inFlight = get('slow?who=drill:a-3').then(
      (r) => r.status,
      (err: Error) => err,
    );
    await new Promise((r) => setTimeout(r, 200));
    await proxy.setMode({ kind: 'down' });
    expect(proxy.mode).toBe('down');
    expect(await inFlight).toBeInstanceOf(Error);
    const refused = await get('Users').catch((err: Error) => err);
    expect(refused).toBeInstanceOf(Error);
    expect(((refused as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(proxy.log.find((e) => e.subject === 'drill:a-3')).toMatchObject({ answer: 'reset', forwarded: true });
    await proxy.setMode({ kind: 'pass' });
    expect((await get('Users')).status).toBe(200);
    expect(proxy.outages).toHaveLength(1);
    expect((proxy.outages[0]?.to ?? 0) - (proxy.outages[0]?.from ?? 0)).toBeGreaterThanOrEqual(0);
  });
});

describe('retryGaps', () => {
  const entry = (at: number, subject: string | undefined, answer: number, answeredAt = at) => ({ at, answeredAt, method: 'GET', path: '/Users', ...(subject ? { subject } : {}), mode: 'pass' as const, answer, forwarded: answer !== 429, ...(answer === 429 ? { retryAfterSeconds: 2 } : {}) });

  it('measures > from each 429 answer about a person to that person\'s next request, whoever comes in between', () => {
    const log = [entry(0, 'p1', 429, 10), entry(5, 'p2', 429, 6), entry(900, 'p1', 200), entry(2_006, 'p2', 429), entry(2_500, 'p1', 201), entry(4_100, 'p2', 200), entry(4_200, undefined, 429)];
    expect(retryGaps(log)).toEqual({
      gaps: [
        { subject: 'p1', asked: 2_000, gapMs: 890 },
        { subject: 'p2', asked: 2_000, gapMs: 2_000 },
        { subject: 'p2', asked: 2_000, gapMs: 2_094 },
      ],
      unretried: [],
    });
  });

  it('names > a person throttled and never seen again', () => {
    expect(retryGaps([entry(0, 'p1', 200), entry(10, 'p1', 429)]).unretried).toEqual(['p1']);
  });
});
