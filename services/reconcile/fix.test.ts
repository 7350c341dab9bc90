import { describe, expect, it } from 'vitest';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import type { AnyConnector } from '../../connectors/sdk';
import { makeEvent } from '../../test/support/events';
import { loadPolicy } from '../policy/load';
import type { Finding } from './compare';
import { reconcileFixId } from '../../schemas/contracts';
import { fixPlan, planFix, planOrphanFix } from './fix';
import { fixesOf } from './apply';

const load = (text: string) => loadPolicy({ source: 'policy.yaml', env: {}, connectors: CONNECTOR_FACTORIES, text });
const policy = load(`
version: 1
apps:
  chat:
    connector: dev-redis
    settings: { url: "redis://127.0.0.1:1" }
    mapping: { attributes: { login: "{givenName|ascii|lower}", title: "{jobTitle}" } }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { chat: ["channel:general"] } }
`);
const ada = makeEvent({ personKey: 'test:ada', type: 'jml.joiner' }).data.person;
const finding = (over: Partial<Finding>): Finding => ({ kind: 'drift', appId: 'chat', personKey: 'test:ada', externalRef: 'u-1', summary: 's', ...over });
const ops = (f: Finding) => fixPlan({ policy, finding: f, person: ada }).plan?.steps.map((s) => `${s.operation}${s.entitlement ? ` ${s.entitlement}` : ''}`);

describe('fixing findings', () => {
  it('zombie and orphan > disable (never delete), and count against the guard', () => {
    for (const kind of ['zombie', 'orphan'] as const) {
      const fix = fixPlan({ policy, finding: finding({ kind }) });
      expect(fix.removes).toBe(true);
      expect(fix.plan?.steps.map((s) => s.operation)).toEqual(['suspendAccount']);
    }
  });

  it('zombie > a person who left also loses their credentials where the connector can remove them; one on leave keeps them', () => {
    const withCredentials = () => {
      const c = (CONNECTOR_FACTORIES['dev-redis'] as () => AnyConnector)();
      return { ...c, id: 'with-credentials', capabilities: [...c.capabilities, 'credentials.revoke'], operations: { ...(c.operations as object), revokeCredentials: async () => ({ outcome: 'applied' }) } } as AnyConnector;
    };
    const creds = loadPolicy({
      source: 'policy.yaml',
      env: {},
      connectors: { ...CONNECTOR_FACTORIES, 'with-credentials': withCredentials },
      text: 'version: 1\napps:\n  chat: { connector: with-credentials, settings: { url: "redis://127.0.0.1:1" } }\n',
    });
    const steps = (status: 'terminated' | 'on-leave') => fixPlan({ policy: creds, finding: finding({ kind: 'zombie' }), person: { ...ada, status } }).plan?.steps.map((s) => s.operation);
    expect(steps('terminated')).toEqual(['suspendAccount', 'revokeCredentials']);
    expect(steps('on-leave')).toEqual(['suspendAccount']);
  });

  it('missing > create with the mapped attributes, then the granted groups; adds only, not guarded', () => {
    const fix = fixPlan({ policy, finding: finding({ kind: 'missing', externalRef: undefined }), person: ada });
    expect(fix.removes).toBe(false);
    expect(fix.plan?.steps[0]).toMatchObject({ operation: 'createAccount', attributes: { login: 'ada', title: 'Engineer' }, enabled: true });
    expect(ops(finding({ kind: 'missing' }))).toEqual(['createAccount', 'grantAccess channel:general']);
  });

  it('drift > only what differs: update, enable, add, remove (removal guarded); a disable alone when no longer granted', () => {
    expect(ops(finding({ drift: { attributes: ['title'] } }))).toEqual(['updateAccount']);
    expect(ops(finding({ drift: { enabled: true, grant: ['channel:general'], revoke: ['channel:old'] } }))).toEqual(['restoreAccount', 'grantAccess channel:general', 'revokeAccess channel:old']);
    expect(fixPlan({ policy, finding: finding({ drift: { grant: ['channel:general'] } }), person: ada }).removes).toBe(false);
    expect(fixPlan({ policy, finding: finding({ drift: { revoke: ['channel:old'] } }), person: ada }).removes).toBe(true);
    const contractor = { ...ada, workerType: 'contractor' as const };
    expect(fixPlan({ policy, finding: finding({ drift: { enabled: false } }), person: contractor }).plan?.steps.map((s) => s.operation)).toEqual(['suspendAccount']);
  });

  it('newest truth > a fix that no longer applies plans nothing, and one that partly applies plans only that part', () => {
    const contractor = { ...ada, workerType: 'contractor' as const };
    const leaver = { ...ada, status: 'terminated' as const };
    // Rehired since the run: the zombie's account may stay enabled.
    expect(fixPlan({ policy, finding: finding({ kind: 'zombie' }), person: ada })).toMatchObject({ skipped: expect.stringMatching(/now active/) });
    expect(fixPlan({ policy, finding: finding({ kind: 'zombie' }), person: leaver }).plan?.steps.map((s) => s.operation)).toEqual(['suspendAccount']);
    // No longer granted, or gone: nothing to create.
    expect(fixPlan({ policy, finding: finding({ kind: 'missing' }), person: contractor }).skipped).toMatch(/no longer grants/);
    expect(fixPlan({ policy, finding: finding({ kind: 'missing' }), person: leaver }).skipped).toMatch(/no longer grants/);
    // Granted again since the run: the disable is dropped.
    expect(fixPlan({ policy, finding: finding({ drift: { enabled: false } }), person: ada }).skipped).toMatch(/grants chat to the person again/);
    // A group granted since is not revoked; one no longer granted is not added.
    expect(ops(finding({ drift: { grant: ['channel:gone'], revoke: ['channel:general', 'channel:old'] } }))).toEqual(['revokeAccess channel:old']);
    expect(fixPlan({ policy, finding: finding({ drift: { grant: ['channel:gone'] } }), person: ada }).skipped).toMatch(/nothing differs/);
  });

  it('adoption > a missing account\'s create may not claim an account someone else made, unless the app says reconcile.adopt', () => {
    expect(fixPlan({ policy, finding: finding({ kind: 'missing' }), person: ada }).plan?.steps[0]).toMatchObject({ operation: 'createAccount', adopt: false });
    const adopting = load(`
version: 1
apps:
  chat:
    connector: dev-redis
    settings: { url: "redis://127.0.0.1:1" }
    reconcile: { adopt: true }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { chat: [] } }
`);
    const step = fixPlan({ policy: adopting, finding: finding({ kind: 'missing' }), person: ada }).plan?.steps[0];
    expect(step?.operation).toBe('createAccount');
    expect(step && 'adopt' in step).toBe(false);
  });

  it('planFix > the person workflow\'s fix: one app, the app\'s holding kept on a disable, guarded only when it takes access away', () => {
    const guarded = load(`
version: 1
massChangeGuard: { max: 3, window: PT10M }
apps:
  chat:
    connector: dev-redis
    settings: { url: "redis://127.0.0.1:1" }
    retry: { maximumAttempts: 4 }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { chat: ["channel:general"] } }
`);
    const gone = makeEvent({ personKey: 'test:ada', type: 'jml.update' });
    const leaverEvent = { ...gone, data: { ...gone.data, person: { ...gone.data.person, status: 'terminated' as const } } };
    const fix = { runId: 'reconcile-2026-12-06T00:00:00.000Z', appId: 'chat', by: 'test' };
    const zombie = planFix({ policy: guarded, event: leaverEvent, mode: 'reconcile', fix: { ...fix, kind: 'zombie' }, holdings: { chat: { status: 'active', entitlements: ['channel:general'] } } });
    expect(zombie).toMatchObject({ kind: 'reconcile', guard: { max: 3, windowMs: 600_000 }, apps: [{ appId: 'chat', retry: { maximumAttempts: 4 }, target: { status: 'disabled', entitlements: ['channel:general'] } }] });
    const missing = planFix({ policy: guarded, event: gone, mode: 'reconcile', fix: { ...fix, kind: 'missing' } });
    expect(missing.guard).toBeUndefined();
    expect(missing.apps.map((a) => a.appId)).toEqual(['chat']);
    const stale = planFix({ policy: guarded, event: gone, mode: 'reconcile', fix: { ...fix, kind: 'zombie' } });
    expect(stale).toMatchObject({ apps: [], nothingBecause: expect.stringMatching(/now active/) });
    expect(stale.guard).toBeUndefined();
    const orphan = planOrphanFix({ policy: guarded, runId: fix.runId, appId: 'chat', externalRef: 'u-9', personKey: 'test:nobody', by: 'test' });
    expect(orphan).toMatchObject({ guard: { max: 3 }, apps: [{ appId: 'chat', steps: [{ operation: 'suspendAccount' }] }] });
    // Each orphan is counted on its own by the guard, and apart from a person's fix of the same run and app.
    const other = planOrphanFix({ policy: guarded, runId: fix.runId, appId: 'chat', externalRef: 'u-10', personKey: 'test:nobody2', by: 'test' });
    expect(new Set([orphan.eventId, other.eventId, reconcileFixId(fix.runId, 'chat')]).size).toBe(3);
  });

  it('nothing > for unmanaged accounts, unknown apps, or a person the pipeline does not know', () => {
    expect(fixPlan({ policy, finding: finding({ kind: 'unmanaged', personKey: undefined }) })).toMatchObject({ skipped: expect.stringMatching(/left alone/) });
    expect(fixPlan({ policy, finding: finding({ appId: 'nope' }) }).plan).toBeUndefined();
    expect(fixPlan({ policy, finding: finding({ kind: 'missing' }) }).skipped).toMatch(/not known/);
  });
});

describe('fixing unused accounts', () => {
  const idle = load(`
version: 1
apps:
  chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" }, unused: { after: P30D, disable: true } }
  wiki: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" }, unused: { after: P30D } }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { chat: ["channel:general"], wiki: [] } }
`);
  const unused = (appId: string): Finding => ({ kind: 'unused', appId, personKey: 'test:ada', externalRef: 'u-1', summary: 's', daysUnused: 40 });

  it('unused > disabled, counted by the guard, only where the app says unused.disable; the groups stay held', () => {
    const fix = fixPlan({ policy: idle, finding: unused('chat'), person: ada });
    expect(fix.removes).toBe(true);
    expect(fix.plan?.steps.map((s) => s.operation)).toEqual(['suspendAccount']);
    expect(fix.plan?.target).toEqual({ status: 'disabled', entitlements: ['channel:general'] });
    expect(fixPlan({ policy: idle, finding: unused('wiki'), person: ada })).toMatchObject({ removes: false, skipped: expect.stringContaining('unused.disable') });
  });

  it('unused > a person who left or went on leave since the run is not disabled as unused', () => {
    for (const status of ['terminated', 'on-leave'] as const) {
      expect(fixPlan({ policy: idle, finding: unused('chat'), person: { ...ada, status } }).plan).toBeUndefined();
    }
  });

  it('unused > the person workflow plans it with the mass-change guard', () => {
    const guarded = load(`
version: 1
massChangeGuard: { max: 1, window: PT1H }
apps:
  chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" }, unused: { after: P30D, disable: true } }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { chat: [] } }
`);
    const event = makeEvent({ personKey: 'test:ada', type: 'jml.update' });
    const plan = planFix({ policy: guarded, event, fix: { runId: 'reconcile-x', appId: 'chat', kind: 'unused', by: 'ops' } } as never);
    expect(plan.guard).toEqual({ max: 1, windowMs: 3_600_000 });
    expect(plan.apps[0]?.steps.map((s) => s.operation)).toEqual(['suspendAccount']);
  });
});

describe('asking for unused fixes', () => {
  const idle = load(`
version: 1
apps:
  chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" }, unused: { after: P30D, disable: true } }
  wiki: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" }, unused: { after: P30D } }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { chat: [], wiki: [] } }
`);
  const counts = { orphan: 0, zombie: 0, missing: 0, drift: 1, unmanaged: 0, unused: 1 };
  const appRun = (appId: string) => ({
    appId,
    accounts: 1,
    people: 1,
    unchecked: 0,
    counts,
    findings: [
      finding({ appId, kind: 'drift', drift: { attributes: ['title'] } }),
      finding({ appId, kind: 'unused', daysUnused: 40 }),
    ],
  });
  const report = { runId: 'reconcile-x', at: '2026-12-06T00:00:00Z', skipped: [], unreadable: [], problems: 2, apps: [appRun('chat'), appRun('wiki')] };

  it('unused > asked as a removal where the app says unused.disable (its drift waits for a later run); reported only elsewhere', () => {
    expect(fixesOf(report, idle).map((f) => `${f.appId} ${f.kind} ${f.status}${f.removes ? ' removes' : ''}`)).toEqual([
      'chat drift skipped',
      'chat unused asked removes',
      'wiki drift asked',
      'wiki unused skipped',
    ]);
  });
});
