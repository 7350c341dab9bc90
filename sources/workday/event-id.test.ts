import { describe, expect, it } from 'vitest';
import { raasEventId, workdayEventId, type WorkdayEventIdRequest } from './event-id';

const BASE: WorkdayEventIdRequest = {
  tenant: 'acme',
  source: '/hr/workday/acme',
  workerId: '21001',
  type: 'jml.mover',
  businessProcessType: 'Change Job',
  rescind: false,
  entryMoment: '2026-06-10T18:20:00Z',
  changedFields: ['location', 'department'],
};

describe('workdayEventId', () => {
  it('is the tenant and the event WID, lowercased, with a suffix for its rescind', () => {
    expect(workdayEventId({ ...BASE, eventWid: 'E7D6C5B4A3924F1E8D7C6B5A49382716' })).toBe('workday-acme-e7d6c5b4a3924f1e8d7c6b5a49382716');
    expect(workdayEventId({ ...BASE, eventWid: 'e7d6c5b4a3924f1e8d7c6b5a49382716', rescind: true })).toBe('workday-acme-e7d6c5b4a3924f1e8d7c6b5a49382716-rescind');
  });

  it('two tenants > the same WID (a sandbox refreshed from production) is two events', () => {
    const wid = 'e7d6c5b4a3924f1e8d7c6b5a49382716';
    expect(workdayEventId({ ...BASE, eventWid: wid })).not.toBe(workdayEventId({ ...BASE, tenant: 'acme-sandbox', source: '/hr/workday/acme-sandbox', eventWid: wid }));
  });

  it('without a WID, hashes the facts, ignoring the order and repetition of changed fields', () => {
    const id = workdayEventId(BASE);
    expect(id).toMatch(/^workday-digest-[0-9a-f]{32}$/);
    expect(workdayEventId({ ...BASE, changedFields: ['department', 'location', 'location'] })).toBe(id);
    for (const over of [{ type: 'jml.update' }, { rescind: true }, { businessProcessType: 'Hire Employee' }, { changedFields: ['location'] }, { source: '/hr/workday/other' }] as const) {
      expect(workdayEventId({ ...BASE, ...over }), JSON.stringify(over)).not.toBe(id);
    }
  });
});

describe('raasEventId', () => {
  it('depends on the baseline and the values, not on key order', () => {
    const req = { source: '/hr/workday/acme', workerId: '21001', type: 'jml.mover' as const, baselineAsOf: '2026-04-01T13:00:00Z', changedFields: ['location'], before: { location: 'London' }, after: { location: 'Cambridge' } };
    const id = raasEventId(req);
    expect(id).toMatch(/^workday-raas-[0-9a-f]{32}$/);
    expect(raasEventId({ ...req, baselineAsOf: '2026-04-02T13:00:00Z' })).not.toBe(id);
    expect(raasEventId({ ...req, after: { location: 'Oxford' } })).not.toBe(id);
  });
});

describe('ids are pinned', () => {
  // Values computed before canonicalJson moved to schemas/canonical-json.ts: the shared copy must
  // keep every id already produced (an undefined member is dropped, key order does not matter).
  it('a digest id and a RaaS id keep their values', () => {
    expect(workdayEventId(BASE)).toBe('workday-digest-3ed928fe2244eee2a7e463b395a57bd3');
    const raas = {
      source: '/hr/workday/acme',
      workerId: '21001',
      type: 'jml.mover' as const,
      baselineAsOf: '2026-04-01T13:00:00Z',
      changedFields: ['location', 'department'],
      before: { location: 'London', department: 'R&D', manager: undefined },
      after: { department: 'Research', location: 'Cambridge' },
    };
    expect(raasEventId(raas)).toBe('workday-raas-d3a6786def6d229d7a205afe3b82fdea');
  });
});
