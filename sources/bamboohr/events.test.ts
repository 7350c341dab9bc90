import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeBambooHr, type FakeBambooHr } from './testing/fake-api';
import { BambooHrApiError } from './errors';
import { buildBambooHrEvents, needsHydration } from './events';
import { createBambooHrClient } from './api-client';
import { parseBambooHrBody, type NormalizedChange } from './payload';

const API_KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f9001122334';
const updated = (employeeId: string): NormalizedChange => ({ style: 'event-based', action: 'updated', employeeId, timestamp: '2026-02-10T14:03:27Z', changedFields: ['jobTitle'] });

describe('buildBambooHrEvents with the API client', () => {
  let fake: FakeBambooHr;
  beforeEach(async () => {
    fake = await startFakeBambooHr({
      apiKey: API_KEY,
      employees: { '4101': { firstName: 'Ada', lastName: 'Lovelace', jobTitle: 'Staff Engineer', status: 'Active', hireDate: '2020-01-06', terminationDate: '0000-00-00' } },
    });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('hydrates an event-based webhook through the API and normalizes it', async () => {
    const client = createBambooHrClient({ baseUrl: fake.url, apiKey: API_KEY, sleep: async () => {} });
    const parsed = parseBambooHrBody(
      Buffer.from('{"type":"employee.updated","timestamp":"2026-02-10T14:03:27+0000","data":{"companyId":"12345","employeeId":"4101","changedFields":["jobTitle"]}}'),
      'application/json',
    );
    if (!parsed.ok) throw new Error(parsed.reason);
    fake.failNext(503, 0); // a rate-limited first attempt changes nothing but the request count
    const [built] = await buildBambooHrEvents({ tenant: 'acme', deliveries: parsed.deliveries, receivedAt: '2026-02-10T14:03:29Z', fetchEmployee: (r) => client.getEmployee(r) });
    expect(built).toMatchObject({ ok: true, employeeId: '4101', event: { type: 'jml.mover', data: { person: { givenName: 'Ada', jobTitle: 'Staff Engineer', terminationDate: null } } } });
    expect(fake.requests.map((r) => [r.path, r.status])).toEqual([
      ['/employees/4101', 503],
      ['/employees/4101', 200],
    ]);
  });
});

describe('buildBambooHrEvents', () => {
  it('dead-letters a delivery whose employee is gone, and carries on with the rest', async () => {
    const built = await buildBambooHrEvents({
      tenant: 'acme',
      deliveries: [updated('4101'), updated('4102')],
      receivedAt: '2026-02-10T14:03:29Z',
      fetchEmployee: async ({ employeeId }) => {
        if (employeeId === '4101') throw new BambooHrApiError({ code: 'not-found', message: 'BambooHR answered 404', status: 404 });
        return { firstName: 'Grace', lastName: 'Hopper' };
      },
    });
    expect(built).toEqual([
      { ok: false, employeeId: '4101', reason: 'hydrating employee 4101 failed (not-found): BambooHR answered 404' },
      expect.objectContaining({ ok: true, employeeId: '4102' }),
    ]);
  });

  it('throws a retryable API failure so the whole post is redelivered', async () => {
    const failing = buildBambooHrEvents({
      tenant: 'acme',
      deliveries: [updated('4101')],
      receivedAt: '2026-02-10T14:03:29Z',
      fetchEmployee: async () => {
        throw new BambooHrApiError({ code: 'transient', message: 'BambooHR answered 502', status: 502 });
      },
    });
    await expect(failing).rejects.toMatchObject({ code: 'transient', retryable: true });
  });

  it('reports an unusable record per delivery', async () => {
    const [built] = await buildBambooHrEvents({ tenant: 'acme', deliveries: [updated('4101')], receivedAt: '2026-02-10T14:03:29Z', fetchEmployee: async () => ({ lastName: 'Hopper' }) });
    expect(built).toEqual({ ok: false, employeeId: '4101', reason: 'employee 4101: firstName and lastName are required but unknown (hydrate the record first)' });
  });

  it('lets posted field values win over fetched ones', async () => {
    const change: NormalizedChange = { style: 'field-based', action: 'updated', employeeId: '7', changedFields: ['Department'], fields: { Department: 'Finance' } };
    const [built] = await buildBambooHrEvents({
      tenant: 'acme',
      deliveries: [change],
      receivedAt: '2026-02-10T14:03:29Z',
      fetchEmployee: async () => ({ firstName: 'Mary', lastName: 'Jackson', department: 'Engineering' }),
    });
    expect(built).toMatchObject({ ok: true, event: { type: 'jml.mover', data: { person: { department: 'Finance', givenName: 'Mary' } } } });
  });

  it('passes what the caller knew before the change to the rehire rule', async () => {
    const change: NormalizedChange = { ...updated('4101'), changedFields: ['status'] };
    const [built] = await buildBambooHrEvents({
      tenant: 'acme',
      deliveries: [change],
      receivedAt: '2026-02-10T14:03:29Z',
      fetchEmployee: async () => ({ firstName: 'Ada', lastName: 'Lovelace', status: 'Active', hireDate: '2026-02-16' }),
      previousOf: () => ({ status: 'terminated' }),
    });
    expect(built).toMatchObject({ ok: true, event: { type: 'jml.rehire', data: { effectiveAt: '2026-02-16T00:00:00Z', previous: { status: 'terminated' } } } });
  });
});

describe('needsHydration', () => {
  const field = (over: Partial<NormalizedChange>): NormalizedChange => ({ style: 'field-based', action: 'updated', employeeId: '1', changedFields: [], ...over });
  const names = { firstName: 'Ada', lastName: 'Lovelace' };

  it('always for event-based changes except deletions', () => {
    expect(needsHydration(updated('1'), names)).toBe(true);
    expect(needsHydration({ ...updated('1'), action: 'deleted' }, {})).toBe(false);
  });

  it('for field-based changes only when a name or a changed value is missing', () => {
    expect(needsHydration(field({ changedFields: ['Job Title'] }), { ...names, jobTitle: 'CTO' })).toBe(false);
    expect(needsHydration(field({ changedFields: ['Job Title'] }), names)).toBe(true);
    expect(needsHydration(field({ changedFields: ['Reporting to'] }), names)).toBe(true);
    expect(needsHydration(field({ changedFields: ['Reporting to'] }), { ...names, supervisorEId: '9' })).toBe(false);
    expect(needsHydration(field({ changedFields: ['Home Phone'] }), names)).toBe(false);
    expect(needsHydration(field({ action: 'created' }), {})).toBe(true);
  });
});
