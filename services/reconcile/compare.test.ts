import { describe, expect, it } from 'vitest';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import type { AnyConnector } from '../../connectors/sdk';
import { makeEvent } from '../../test/support/events';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { loadPolicy } from '../policy/load';
import { desiredAttributes } from '../policy/plan';
import type { LoadedApp } from '../policy/load';
import { managedEntitlements, reconcileApp, type KnownPerson, type ListedAccount } from './compare';

const policyText = `
version: 1
apps:
  chat:
    connector: dev-redis
    settings: { url: "redis://127.0.0.1:1" }
    mapping: { attributes: { login: "{givenName|ascii|lower}.{familyName|ascii|lower}", title: "{jobTitle}" } }
  code: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { chat: ["channel:general"] } }
  - { name: eng, when: { department: "Engineering*" }, grant: { chat: ["channel:eng"], code: [] } }
overrides:
  "test:vip": { grant: { chat: ["channel:board"] } }
`;
const policy = loadPolicy({ source: 'policy.yaml', env: {}, connectors: CONNECTOR_FACTORIES, text: policyText });

const person = (key: string, over: Partial<PersonSnapshot> = {}): KnownPerson => ({
  personKey: key,
  person: { ...makeEvent({ personKey: key, type: 'jml.joiner' }).data.person, ...over },
});
const chat = policy.apps.get('chat') as LoadedApp;
/** The account the policy would make for this person in chat, exactly. */
const exact = (p: KnownPerson, over: Partial<ListedAccount> = {}): ListedAccount => ({
  externalRef: `ref-${p.personKey}`,
  personKey: p.personKey,
  enabled: true,
  attributes: desiredAttributes(chat, p.person),
  entitlements: ['channel:eng', 'channel:general'],
  ...over,
});
const run = (people: KnownPerson[], accounts: ListedAccount[], appId = 'chat') => reconcileApp({ policy, appId, people, accounts });

describe('reconcile one app', () => {
  const ada = person('test:ada');

  it('in step > the account the policy would make gives no finding', () => {
    const r = run([ada], [exact(ada)]);
    expect(r.findings).toEqual([]);
    expect(r.counts).toEqual({ orphan: 0, zombie: 0, missing: 0, drift: 0, unmanaged: 0, unused: 0 });
  });

  it('unmanaged > an account without our anchor is reported and nothing else', () => {
    const r = run([ada], [exact(ada), { externalRef: 'admin', enabled: true }]);
    expect(r.findings).toEqual([expect.objectContaining({ kind: 'unmanaged', externalRef: 'admin' })]);
    expect(r.findings[0]).not.toHaveProperty('personKey');
  });

  it('orphan > an anchored account of a person no HR event made known, unless it is disabled (as far as a fix goes)', () => {
    const r = run([ada], [exact(ada), { externalRef: 'x1', personKey: 'test:ghost', enabled: true }, { externalRef: 'x2', personKey: 'test:ghost2' }]);
    expect(r.findings).toEqual([
      expect.objectContaining({ kind: 'orphan', personKey: 'test:ghost', externalRef: 'x1' }),
      // An app that cannot tell whether it is enabled: still reported.
      expect.objectContaining({ kind: 'orphan', personKey: 'test:ghost2', externalRef: 'x2' }),
    ]);
    expect(run([ada], [exact(ada), { externalRef: 'x1', personKey: 'test:ghost', enabled: false }]).findings).toEqual([]);
  });

  it('zombie > an enabled account of a leaver, or of a person on leave; a disabled one is fine', () => {
    const gone = person('test:gone', { status: 'terminated' });
    const away = person('test:away', { status: 'on-leave' });
    const r = run([gone, away], [exact(gone), exact(away, { enabled: false })]);
    expect(r.findings.map((f) => [f.kind, f.personKey])).toEqual([['zombie', 'test:gone']]);
  });

  it('unknown enabled state > an app that keeps no trace of a disable gives neither zombie nor enabled drift', () => {
    const gone = person('test:gone', { status: 'terminated' });
    const { enabled: _unknown, ...noState } = exact(gone);
    expect(run([gone], [noState]).findings).toEqual([]);
    const { enabled: _alsoUnknown, ...adaNoState } = exact(ada);
    expect(run([ada], [adaNoState]).findings).toEqual([]);
  });

  it('missing > a person granted the app without an account; leavers, people on leave and future hires are not missing', () => {
    const r = run([ada, person('test:gone', { status: 'terminated' }), person('test:soon', { status: 'pre-hire' }), person('test:away', { status: 'on-leave' })], []);
    expect(r.findings.map((f) => [f.kind, f.personKey])).toEqual([['missing', 'test:ada']]);
    // Not granted code (department Sales): not missing there either.
    expect(run([person('test:sam', { department: 'Sales' })], [], 'code').findings).toEqual([]);
  });

  it('drift > attributes by name (never by value), groups to add and ours to remove, and the enabled state', () => {
    const r = run([ada], [exact(ada, { enabled: false, attributes: { ...exact(ada).attributes, title: 'Intern' }, entitlements: ['channel:general', 'channel:board', 'channel:random'] })]);
    expect(r.findings).toHaveLength(1);
    const [f] = r.findings;
    expect(f).toMatchObject({ kind: 'drift', personKey: 'test:ada', drift: { enabled: true, attributes: ['title'], grant: ['channel:eng'], revoke: ['channel:board'] } });
    // channel:random is no entitlement the policy manages: someone else's, left alone.
    expect(f?.drift?.revoke).not.toContain('channel:random');
    // No personal value in what is reported.
    const text = JSON.stringify(r);
    for (const value of [ada.person.givenName, ada.person.familyName, ada.person.workEmail, 'Intern', 'Engineer']) expect(text).not.toContain(value as string);
  });

  it('drift > an enabled account of a person the policy no longer grants the app should be disabled', () => {
    const sam = person('test:sam', { department: 'Sales' });
    const r = run([sam], [{ externalRef: 'c1', personKey: 'test:sam', enabled: true }], 'code');
    expect(r.findings).toEqual([expect.objectContaining({ kind: 'drift', personKey: 'test:sam', drift: { enabled: false } })]);
    expect(run([sam], [{ externalRef: 'c1', personKey: 'test:sam', enabled: false }], 'code').findings).toEqual([]);
  });

  it('drift > the connector judges attribute values (dev-redis keeps them exactly: empty is not null)', () => {
    const p = person('test:ada', { jobTitle: null });
    expect(run([p], [exact(p, { attributes: { ...exact(p).attributes, title: '' } })]).findings.map((f) => f.drift)).toEqual([{ attributes: ['title'] }]);
    expect(run([p], [exact(p)]).findings).toEqual([]);
  });

  it('drift > a connector without its own judgement: null, empty and absent are the same, numbers as text', () => {
    const devRedis = CONNECTOR_FACTORIES['dev-redis'] as () => AnyConnector;
    const plain = (): AnyConnector => {
      const { attributeDrift: _none, ...c } = devRedis();
      return { ...c, id: 'plain' };
    };
    const plainPolicy = loadPolicy({ source: 'p.yaml', env: {}, connectors: { ...CONNECTOR_FACTORIES, plain }, text: policyText.replace(/connector: dev-redis/g, 'connector: plain') });
    const p = person('test:ada', { jobTitle: null });
    const attrs = { ...desiredAttributes(plainPolicy.apps.get('chat') as LoadedApp, p.person), title: '' };
    expect(reconcileApp({ policy: plainPolicy, appId: 'chat', people: [p], accounts: [exact(p, { attributes: attrs })] }).findings).toEqual([]);
    expect(reconcileApp({ policy: plainPolicy, appId: 'chat', people: [p], accounts: [exact(p, { attributes: { ...attrs, title: 'Intern' } })] }).findings.map((f) => f.drift)).toEqual([{ attributes: ['title'] }]);
    // A source of accounts that cannot read attributes or groups reports neither as drift.
    expect(run([ada], [{ externalRef: 'r', personKey: 'test:ada', enabled: true }]).findings).toEqual([]);
  });

  it('is deterministic > findings come sorted whatever order the app lists its accounts in', () => {
    const people = ['test:c', 'test:a', 'test:b'].map((k) => person(k));
    const accounts = [{ externalRef: 'z', personKey: 'test:zz', enabled: true }, { externalRef: 'u', enabled: true }, { externalRef: 'y', personKey: 'test:yy', enabled: true }];
    const a = run(people, accounts);
    const b = run([...people].reverse(), [...accounts].reverse());
    expect(b).toEqual(a);
    expect(a.findings.map((f) => f.kind)).toEqual(['unmanaged', 'orphan', 'orphan', 'missing', 'missing', 'missing']);
    expect(a.counts).toMatchObject({ unmanaged: 1, orphan: 2, missing: 3 });
  });

  it('unreadable > the account of a person whose workflow did not answer is neither orphan nor anything else, only counted', () => {
    const r = reconcileApp({ policy, appId: 'chat', people: [], accounts: [{ externalRef: 'q', personKey: 'test:quiet', enabled: true }], unreadable: ['test:quiet'] });
    expect(r.findings).toEqual([]);
    expect(r.unchecked).toBe(1);
  });

  it('managed entitlements > from rules and overrides of that app only', () => {
    expect([...managedEntitlements(policy, 'chat')].sort()).toEqual(['channel:board', 'channel:eng', 'channel:general']);
    expect([...managedEntitlements(policy, 'code')]).toEqual([]);
    expect(() => run([], [], 'nope')).toThrow(/no app 'nope'/);
  });
});

describe('reconcile one app > unused accounts', () => {
  const idlePolicy = loadPolicy({ source: 'policy.yaml', env: {}, connectors: CONNECTOR_FACTORIES, text: policyText.replace('  code: {', '    unused: { after: P30D }\n  code: {') });
  const ada = person('test:ada');
  const bob = person('test:bob');
  const at = '2026-12-31T12:00:00.000Z';
  const daysBefore = (d: number) => new Date(Date.parse(at) - d * 86_400_000).toISOString();
  const idle = (people: KnownPerson[], accounts: ListedAccount[], lastUse: { read: true } | { read: false; reason: string } = { read: true }) =>
    reconcileApp({ policy: idlePolicy, appId: 'chat', people, accounts, at, lastUse });

  it('unused > last used at least `after` ago (the boundary counts), with the time and whole days; a later use is not', () => {
    const r = idle([ada, bob], [exact(ada, { lastUsedAt: daysBefore(30), createdAt: daysBefore(400) }), exact(bob, { lastUsedAt: daysBefore(29.9), createdAt: daysBefore(400) })]);
    expect(r.findings).toEqual([
      { kind: 'unused', appId: 'chat', personKey: 'test:ada', externalRef: 'ref-test:ada', lastUsedAt: daysBefore(30), daysUnused: 30, summary: `account of test:ada last used ${daysBefore(30)}, 30 days ago` },
    ]);
    expect(r.counts.unused).toBe(1);
    expect(r.unusedUnknown).toBeUndefined();
    expect(r.lastUse).toEqual({ 'test:ada': daysBefore(30), 'test:bob': daysBefore(29.9) });
  });

  it('never used > counted from the creation; a young account is not unused, and one telling neither time is not judged', () => {
    const r = idle([ada, bob, person('test:cy')], [exact(ada, { createdAt: daysBefore(45) }), exact(bob, { createdAt: daysBefore(2) }), exact(person('test:cy'))]);
    expect(r.findings.map((f) => [f.personKey, f.daysUnused, f.lastUsedAt])).toEqual([['test:ada', 45, undefined]]);
    expect(r.findings[0]?.summary).toContain('never used since it was created');
    expect(r.lastUse?.['test:ada']).toBeNull();
  });

  it('only enabled accounts of active people: leavers, people on leave, pre-hires, disabled, unmanaged and orphan accounts are not unused', () => {
    const old = { lastUsedAt: daysBefore(300) };
    const gone = person('test:gone', { status: 'terminated' });
    const away = person('test:away', { status: 'on-leave' });
    const early = person('test:early', { status: 'pre-hire' });
    const r = idle(
      [ada, gone, away, early],
      [
        exact(ada, { ...old, enabled: false }),
        exact(gone, { ...old, enabled: false }),
        exact(away, { ...old, enabled: false }),
        exact(early, old),
        { externalRef: 'admin', enabled: true, ...old },
        { externalRef: 'x', personKey: 'test:ghost', enabled: true, ...old },
      ],
    );
    expect(r.findings.filter((f) => f.kind === 'unused')).toEqual([]);
  });

  it('a listing that could not tell last use judges nothing and says why; an app without `unused` says nothing', () => {
    const r = idle([ada], [exact(ada, { createdAt: daysBefore(400) })], { read: false, reason: 'the service account may not read the realm events' });
    expect(r.counts.unused).toBe(0);
    expect(r.unusedUnknown).toBe('the service account may not read the realm events');
    expect(reconcileApp({ policy: idlePolicy, appId: 'chat', people: [ada], accounts: [exact(ada)], at }).unusedUnknown).toMatch(/does not tell when accounts are used/);
    expect(run([ada], [exact(ada, { lastUsedAt: daysBefore(400) })])).not.toHaveProperty('unusedUnknown');
  });

  it('drift > an account the person workflow itself holds disabled (an unused disable) is not enabled drift; one disabled out of band is', () => {
    const held = { ...ada, holding: { status: 'disabled' as const, entitlements: ['channel:eng', 'channel:general'] } };
    expect(idle([held], [exact(ada, { enabled: false, lastUsedAt: daysBefore(400) })]).findings).toEqual([]);
    expect(idle([ada], [exact(ada, { enabled: false })]).findings).toEqual([expect.objectContaining({ kind: 'drift', drift: { enabled: true } })]);
  });
});
