import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricSet } from './metric-set';
import { startOpsServer, type OpsServer } from './ops-server';

let server: OpsServer | undefined;
afterEach(async () => server?.close());

describe('ops server', () => {
  it('serves /metrics from its registry, /healthz always, and /readyz as the role says', async () => {
    const registry = new Registry();
    new MetricSet(registry, { jml_test_total: { type: 'counter', help: 'Test.' } }).inc('jml_test_total');
    let ready = false;
    server = await startOpsServer({ host: '127.0.0.1', port: 0, registry, ready: () => ready, log: pino({ level: 'silent' }) });
    const get = (path: string) => fetch(`${server?.url}${path}`);
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('jml_test_total 1');
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(503);
    ready = true;
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/other')).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('fails to start, with the error, when its port is taken', async () => {
    const registry = new Registry();
    server = await startOpsServer({ host: '127.0.0.1', port: 0, registry, ready: () => true, log: pino({ level: 'silent' }) });
    const port = Number(new URL(server.url).port);
    await expect(startOpsServer({ host: '127.0.0.1', port, registry, ready: () => true, log: pino({ level: 'silent' }) })).rejects.toThrow(/EADDRINUSE/);
  });
});
