import { describe, expect, it } from 'vitest';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import type { AppHoldings } from '../../schemas/contracts';
import { makeEvent } from '../../test/support/events';
import { loadPolicy, type LoadedPolicy } from './load';
import { planWithPolicy } from './plan';
import { whileSuspended } from './suspension';

const POLICY = `
version: 1
apps:
  directory: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }
  chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }
  code: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }
  wiki: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" }, leaver: { deleteAfter: P30D } }
rules:
  - { name: everyone, when: { workerType: [employee] }, grant: { directory: [], chat: ["channel:general"] } }
  - { name: eng, when: { department: "Engineering" }, grant: { code: ["team:eng"], chat: ["channel:eng"] } }
  - { name: sales, when: { department: "Sales" }, grant: { wiki: ["space:sales"], chat: ["channel:sales"] } }
`;
const policy: LoadedPolicy = loadPolicy({ text: POLICY, source: 'policy.yaml', env: {}, connectors: CONNECTOR_FACTORIES });
const engineer = { workerType: 'employee' as const, department: 'Engineering' };
/** An engineer's holdings once suspended: every app disabled, groups kept. */
const suspendedEngineer: AppHoldings = {
  directory: { status: 'disabled', entitlements: [] },
  chat: { status: 'disabled', entitlements: ['channel:eng', 'channel:general'] },
  code: { status: 'disabled', entitlements: ['team:eng'] },
};
const ops = (plan: ReturnType<typeof planWithPolicy>) => Object.fromEntries(plan.apps.map((a) => [a.appId, a.steps.map((s) => (s.qualifier ? `${s.operation} ${s.qualifier}` : s.operation))]));
const targets = (plan: ReturnType<typeof planWithPolicy>) => Object.fromEntries(plan.apps.map((a) => [a.appId, a.target]));

describe('suspension', () => {
  it('plans suspend > disables in every configured app like a leaver, unguarded and without retention deletes', () => {
    const event = makeEvent({ personKey: 'test:1', type: 'jml.update', person: engineer });
    const plan = planWithPolicy({ policy, event, mode: 'suspend', holdings: { code: { status: 'active', entitlements: ['team:eng'] } } });
    expect(plan.kind).toBe('suspend');
    expect(ops(plan)).toEqual({ chat: ['suspendAccount'], code: ['suspendAccount'], directory: ['suspendAccount'], wiki: ['suspendAccount'] });
    expect(plan.guard).toBeUndefined();
    expect(plan.apps.some((a) => a.deleteAfterMs !== undefined)).toBe(false);
    expect(targets(plan).code).toEqual({ status: 'disabled', entitlements: ['team:eng'] });
  });

  it('while suspended > a mover to sales revokes and disables what it removes, and creates, enables and grants nothing', () => {
    const mover = makeEvent({ personKey: 'test:1', type: 'jml.mover', person: { ...engineer, department: 'Sales' }, changedFields: ['department'] });
    const plan = whileSuspended(planWithPolicy({ policy, event: mover, holdings: suspendedEngineer }), suspendedEngineer);
    // code is no longer granted but already disabled (nothing to do); wiki is new: it waits for the restore.
    expect(ops(plan)).toEqual({ chat: ['updateAccount', 'revokeAccess channel:eng'], directory: ['updateAccount'] });
    expect(targets(plan)).toEqual({ chat: { status: 'disabled', entitlements: ['channel:general'] }, directory: { status: 'disabled', entitlements: [] } });
  });

  it('while suspended > a joiner, a rehire and a leave end give nothing; a leaver still disables everywhere with its retention', () => {
    for (const type of ['jml.joiner', 'jml.rehire', 'jml.leave.end'] as const) {
      const plan = whileSuspended(planWithPolicy({ policy, event: makeEvent({ personKey: 'test:1', type, person: engineer }), holdings: suspendedEngineer }), suspendedEngineer);
      for (const app of plan.apps) expect(app.steps.map((s) => s.operation)).not.toContain('restoreAccount');
      expect(plan.apps.flatMap((a) => a.steps).filter((s) => s.operation === 'createAccount' || s.operation === 'grantAccess')).toEqual([]);
      expect(plan.apps.every((a) => a.target?.status === 'disabled')).toBe(true);
    }
    const leaver = whileSuspended(planWithPolicy({ policy, event: makeEvent({ personKey: 'test:1', type: 'jml.leaver', person: engineer }), holdings: suspendedEngineer }), suspendedEngineer);
    expect(Object.keys(ops(leaver))).toEqual(['chat', 'code', 'directory', 'wiki']);
    expect(leaver.apps.find((a) => a.appId === 'wiki')?.deleteAfterMs).toBe(30 * 24 * 3600_000);
    expect(leaver.guard).toEqual(planWithPolicy({ policy, event: makeEvent({ personKey: 'test:1', type: 'jml.leaver', person: engineer }) }).guard);
  });

  it('plans restore > gives back what the rules grant now, with the groups a mover changed, never an app held disabled before', () => {
    const afterMover: AppHoldings = { ...suspendedEngineer, chat: { status: 'disabled', entitlements: ['channel:general'] } };
    const sales = makeEvent({ personKey: 'test:1', type: 'jml.update', person: { ...engineer, department: 'Sales' } });
    const plan = planWithPolicy({ policy, event: sales, mode: 'restore', holdings: afterMover, suspended: { took: ['chat', 'code', 'directory'], inactive: [] } });
    expect(plan.kind).toBe('restore');
    expect(ops(plan)).toEqual({
      chat: ['createAccount', 'restoreAccount', 'grantAccess channel:sales'],
      directory: ['createAccount', 'restoreAccount'],
      wiki: ['createAccount', 'restoreAccount', 'grantAccess space:sales'],
    });
    expect(targets(plan).chat).toEqual({ status: 'active', entitlements: ['channel:general', 'channel:sales'] });
    const held = planWithPolicy({ policy, event: sales, mode: 'restore', holdings: afterMover, suspended: { took: ['chat', 'directory'], inactive: ['wiki'] } });
    expect(Object.keys(ops(held))).toEqual(['chat', 'directory']);
  });

  it('plans restore > gives nothing back to a person HR no longer has active', () => {
    for (const status of ['terminated', 'on-leave'] as const) {
      const event = makeEvent({ personKey: 'test:1', type: 'jml.update', person: { ...engineer, status } });
      const plan = planWithPolicy({ policy, event, mode: 'restore', holdings: suspendedEngineer, suspended: { took: ['chat', 'code', 'directory'], inactive: [] } });
      expect(plan.apps).toEqual([]);
      expect(plan.nothingBecause).toMatch(status);
    }
  });
});
