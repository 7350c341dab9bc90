import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from './fault-proxy';

let upstream: Server;
let proxy: FaultProxy;
const seen: Array<{ url?: string; authorization?: string }> = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push({ url: req.url, authorization: req.headers.authorization });
    res.writeHead(req.headers.authorization === 'Bearer good' ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: req.url }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  proxy = await startFaultProxy({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/scim/v2` });
});
afterAll(async () => {
  await proxy.stop();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

const get = (path: string) => fetch(`${proxy.baseUrl}/${path}`, { headers: { authorization: 'Bearer good' } });

describe('fault proxy', () => {
  it('forwards > requests untouched, keeping the upstream base path', async () => {
    const res = await get('Users?count=1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ url: '/scim/v2/Users?count=1' });
  });

  it('injects > one armed answer, then forwards again', async () => {
    proxy.faults.respond(429, { 'retry-after': '9' });
    const before = seen.length;
    const faulted = await get('Users');
    expect(faulted.status).toBe(429);
    expect(faulted.headers.get('retry-after')).toBe('9');
    expect(seen.length).toBe(before);
    expect((await get('Users')).status).toBe(200);
  });

  it('rewrites > one request so that the app itself answers (a wrong token gets its own 401)', async () => {
    proxy.faults.next({ kind: 'rewrite', rewrite: (r) => ({ ...r, headers: { ...r.headers, authorization: 'Bearer bad' } }) });
    expect((await get('Users')).status).toBe(401);
    expect(seen.at(-1)?.authorization).toBe('Bearer bad');
  });

  it('waits > a fault with `when` lets other requests through and hits the first one that matches', async () => {
    proxy.faults.next({ kind: 'respond', status: 503, when: { method: 'POST', url: /^\/Users(\?|$)/ } });
    expect((await get('Users')).status).toBe(200);
    expect((await get('Groups')).status).toBe(200);
    const post = await fetch(`${proxy.baseUrl}/Users`, { method: 'POST', headers: { authorization: 'Bearer good' }, body: '{}' });
    expect(post.status).toBe(503);
    expect(proxy.faults.armed).toBe(0);
  });

  it('loses answers > the app acts on the request, the client sees the fault, and forwarded records it', async () => {
    proxy.faults.next({ kind: 'lose-answer', status: 504, when: { method: 'PUT' } });
    const before = seen.length;
    const put = await fetch(`${proxy.baseUrl}/Users/1`, { method: 'PUT', headers: { authorization: 'Bearer good' }, body: '{}' });
    expect(put.status).toBe(504);
    expect(seen.slice(before)).toEqual([{ url: '/scim/v2/Users/1', authorization: 'Bearer good' }]);
    expect(proxy.forwarded.at(-1)).toEqual({ method: 'PUT', url: '/scim/v2/Users/1' });
  });

  it('stalls > until cleared', async () => {
    proxy.faults.next({ kind: 'stall' });
    const pending = get('Users').then(
      () => 'answered',
      () => 'dropped',
    );
    const early = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve('waiting'), 200))]);
    expect(early).toBe('waiting');
    proxy.faults.clear();
    expect(await pending).toBe('dropped');
  });
});
