import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import type { AnyConnector } from '../../connectors/sdk';
import { makeEvent } from '../../test/support/events';
import { decide, globMatch } from './evaluate';
import { loadPolicy, PolicyError, type LoadedPolicy } from './load';
import type { AppHoldings } from '../../schemas/contracts';
import { planWithPolicy, preStartSchedule } from './plan';

const POLICY = `
version: 1
apps:
  directory: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }
  chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }
  code:
    connector: dev-redis
    settings: { url: "redis://127.0.0.1:1" }
    mapping: { attributes: { login: "{givenName|ascii|lower}{familyName|ascii|lower|truncate(3)}" } }
rules:
  - { name: everyone, when: { workerType: [employee, contractor] }, grant: { directory: [], chat: ["channel:general"] } }
  - { name: eng, when: { department: "engineering*" }, grant: { code: ["team:eng"], chat: ["channel:eng"] } }
  - { name: london, when: { custom.site: LON }, grant: { chat: ["channel:london"] } }
deny:
  - { name: no contractors in code, when: { workerType: contractor }, apps: [code] }
overrides:
  "test:vip": { grant: { code: ["team:admins"] } }
`;

const load = (text = POLICY, env: NodeJS.ProcessEnv = {}): LoadedPolicy => loadPolicy({ text, source: 'policy.yaml', env, connectors: CONNECTOR_FACTORIES });

const stepsOf = (policy: LoadedPolicy, event: ReturnType<typeof makeEvent>) =>
  Object.fromEntries(planWithPolicy({ policy, event }).apps.map((a) => [a.appId, a.steps.map((s) => s.summary)]));

describe('policy', () => {
  it('matches > globs are case-insensitive and literal apart from *', () => {
    expect(globMatch('engineering*', 'Engineering Platform')).toBe(true);
    expect(globMatch('eng.neering', 'engineering')).toBe(false);
    expect(globMatch('a*c', 'ab\nc')).toBe(true);
  });

  it('decides > grants of matching rules, minus deny rules, plus overrides; absent attributes never match', () => {
    const policy = load();
    const engineer = { workerType: 'employee' as const, department: 'Engineering', custom: { site: 'LON' } };
    const d = decide(policy.file, 'test:1', engineer);
    expect(Object.fromEntries([...d.entitlements].map(([k, v]) => [k, [...v].sort()]))).toEqual({
      directory: [],
      chat: ['channel:eng', 'channel:general', 'channel:london'],
      code: ['team:eng'],
    });
    expect(d.matchedRules).toEqual(['everyone', 'eng', 'london']);
    expect([...decide(policy.file, 'test:2', { ...engineer, workerType: 'contractor' }).entitlements.keys()]).toEqual(['directory', 'chat']);
    expect([...decide(policy.file, 'test:3', { department: 'Engineering' }).entitlements.keys()]).toEqual(['code', 'chat']);
    expect([...(decide(policy.file, 'test:vip', { workerType: 'intern' }).entitlements.get('code') ?? [])]).toEqual(['team:admins']);
  });

  it('loads > reports every problem at once', () => {
    const bad = `
version: 1
apps:
  a: { connector: nope, settings: {} }
  b: { connector: scim, settings: { baseUrl: "not a url", profile: generic } }
  c: { connector: dev-redis, settings: { url: "redis://x:1" }, secrets: { token: { env: NOPE } }, mapping: { attributes: { x: "{unknownField}" } } }
rules:
  - { name: r, grant: { ghost: [] } }
`;
    let error: unknown;
    try {
      load(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PolicyError);
    const problems = (error as PolicyError).problems.join('\n');
    expect(problems).toMatch(/apps\.a\.connector: unknown connector 'nope'/);
    expect(problems).toMatch(/apps\.b\.settings\.baseUrl/);
    expect(problems).toMatch(/apps\.b\.secrets\.bearerToken: required by connector scim/);
    expect(problems).toMatch(/apps\.c\.secrets\.token: connector dev-redis has no such secret/);
    expect(problems).toMatch(/apps\.c\.mapping: .*unknownField/);
    expect(problems).toMatch(/rules\[0\] \(r\): grants unknown app 'ghost'/);
  });

  it('plans joiner > an account then each entitlement, in every granted app, with mapped attributes', () => {
    const policy = load();
    const event = makeEvent({ personKey: 'test:1', type: 'jml.joiner', person: { givenName: 'José', familyName: 'Müller' } });
    const plan = planWithPolicy({ policy, event });
    expect(stepsOf(policy, event)).toEqual({
      chat: ['create account', 'add to channel:eng', 'add to channel:general'],
      code: ['create account', 'add to team:eng'],
      directory: ['create account'],
    });
    expect(plan.apps.find((a) => a.appId === 'code')?.steps[0]?.attributes).toEqual({ login: 'josemul' });
    expect(plan.why?.matchedRules).toEqual(['everyone', 'eng']);
  });

  it('plans mover > from what the person holds: grants new entitlements before revoking old ones, disables apps no longer granted', () => {
    const policy = load();
    const held: AppHoldings = {
      directory: { status: 'active', entitlements: [] },
      chat: { status: 'active', entitlements: ['channel:eng', 'channel:general'] },
      code: { status: 'active', entitlements: ['team:eng'] },
    };
    const event = makeEvent({ personKey: 'test:1', type: 'jml.mover', person: { department: 'Sales' }, changedFields: ['department'] });
    // What the workflow holds wins over what the event claims came before.
    event.data.previous = { department: 'Marketing' };
    const plan = planWithPolicy({ policy, event, holdings: held });
    expect(Object.fromEntries(plan.apps.map((a) => [a.appId, a.steps.map((s) => s.summary)]))).toEqual({
      chat: ['update attributes', 'remove from channel:eng'],
      directory: ['update attributes'],
      code: ['disable account (no longer granted)'],
    });
    expect(plan.apps.find((a) => a.appId === 'code')?.target).toEqual({ status: 'disabled', entitlements: ['team:eng'] });
    expect(plan.apps.find((a) => a.appId === 'chat')?.target).toEqual({ status: 'active', entitlements: ['channel:general'] });
    const back = makeEvent({ personKey: 'test:1', type: 'jml.mover', person: { department: 'Engineering' }, changedFields: ['department'] });
    const chat = planWithPolicy({ policy, event: back, holdings: { ...held, chat: { status: 'active', entitlements: ['channel:general'] } } }).apps.find((a) => a.appId === 'chat');
    expect(chat?.steps.map((s) => [s.operation, s.entitlement])).toEqual([
      ['updateAccount', undefined],
      ['grantAccess', 'channel:eng'],
    ]);
  });

  it('plans mover > for a person seen first through a change, ensures the whole state and revokes what `previous` granted', () => {
    const policy = load();
    const event = makeEvent({ personKey: 'test:1', type: 'jml.mover', person: { department: 'Sales' }, changedFields: ['department'] });
    event.data.previous = { department: 'Engineering' };
    expect(stepsOf(policy, event)).toEqual({
      chat: ['ensure account', 'update attributes', 'add to channel:general', 'remove from channel:eng'],
      directory: ['ensure account', 'update attributes'],
      code: ['disable account (no longer granted)'],
    });
  });

  it('plans rehire > refreshes and enables held accounts, acts as a joiner where the account was deleted', () => {
    const policy = load();
    const event = makeEvent({ personKey: 'test:1', type: 'jml.rehire', person: { department: 'Sales' } });
    const held: AppHoldings = { chat: { status: 'disabled', entitlements: ['channel:eng', 'channel:general'] }, directory: { status: 'deleted', entitlements: [] } };
    const plan = planWithPolicy({ policy, event, holdings: held });
    expect(Object.fromEntries(plan.apps.map((a) => [a.appId, a.steps.map((s) => s.summary)]))).toEqual({
      chat: ['ensure account', 'update attributes', 'enable account', 'remove from channel:eng'],
      directory: ['create account'],
    });
  });

  it('plans leaver > carries each app retention and the mass-change guard; a retention delete deletes only the apps due', () => {
    const policy = load(
      POLICY.replace('directory: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }', 'directory: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" }, leaver: { deleteAfter: P30D } }').replace(
        'version: 1',
        'version: 1\nmassChangeGuard: { max: 20, window: PT1H }',
      ),
    );
    const event = makeEvent({ personKey: 'test:2', type: 'jml.leaver' });
    const plan = planWithPolicy({ policy, event });
    expect(plan.guard).toEqual({ max: 20, windowMs: 3_600_000 });
    expect(plan.apps.map((a) => [a.appId, a.deleteAfterMs])).toEqual([
      ['chat', undefined],
      ['code', undefined],
      ['directory', 30 * 86_400_000],
    ]);
    const del = planWithPolicy({ policy, event, mode: 'retention-delete', appIds: ['directory'] });
    expect(del).toMatchObject({ kind: 'delete', guard: { max: 20 }, apps: [{ appId: 'directory', steps: [{ operation: 'deleteAccount' }], target: { status: 'deleted' } }] });
    // A joiner is not guarded.
    expect(planWithPolicy({ policy, event: makeEvent({ personKey: 'test:2', type: 'jml.joiner' }) }).guard).toBeUndefined();
  });

  it('plans leave start > is guarded like a leaver (a mass of leaves disables as many accounts as a mass of leavers); leave end is not', () => {
    const policy = load(POLICY.replace('version: 1', 'version: 1\nmassChangeGuard: { max: 20, window: PT1H }'));
    const leave = planWithPolicy({ policy, event: makeEvent({ personKey: 'test:2', type: 'jml.leave.start' }) });
    expect(leave.guard).toEqual({ max: 20, windowMs: 3_600_000 });
    expect(leave.apps.map((a) => a.steps[0]?.operation)).toEqual(['suspendAccount', 'suspendAccount', 'suspendAccount']);
    expect(planWithPolicy({ policy, event: makeEvent({ personKey: 'test:2', type: 'jml.leave.end' }) }).guard).toBeUndefined();
  });

  it('plans leave end > where no account is known (a missed joiner, or the leaver found none), the account is ensured before it is enabled, with what the rules grant now', () => {
    const policy = load();
    const event = makeEvent({ personKey: 'test:2', type: 'jml.leave.end' });
    const unknown = planWithPolicy({ policy, event });
    expect(unknown.apps.length).toBeGreaterThan(0);
    for (const app of unknown.apps) {
      expect(app.steps.slice(0, 2).map((st) => st.operation)).toEqual(['createAccount', 'restoreAccount']);
      expect(app.target?.status).toBe('active');
    }
    // Held (disabled by the leave start): ensured, enabled, and its groups brought to what the rules grant now.
    const [first] = unknown.apps;
    const appId = first?.appId as string;
    const granted = first?.target?.entitlements ?? [];
    const held = planWithPolicy({ policy, event, holdings: { [appId]: { status: 'disabled', entitlements: ['stale-group'] } } });
    const heldApp = held.apps.find((a) => a.appId === appId);
    expect(heldApp?.steps.map((st) => [st.operation, st.entitlement])).toEqual([
      ['createAccount', undefined],
      ['restoreAccount', undefined],
      ...granted.map((e) => ['grantAccess', e]),
      ['revokeAccess', 'stale-group'],
    ]);
    expect(heldApp?.target).toEqual({ status: 'active', entitlements: [...granted].sort() });
  });

  it('plans for a person on leave or gone > nothing enables: a late hire creates disabled with its groups, a terminated person gets nothing', () => {
    const policy = load();
    const onLeave = makeEvent({ personKey: 'test:3', type: 'jml.joiner', person: { status: 'on-leave' } });
    const plan = planWithPolicy({ policy, event: onLeave });
    expect(plan.apps.map((a) => a.appId)).toEqual(['chat', 'code', 'directory']);
    for (const app of plan.apps) {
      expect(app.steps.some((st) => st.operation === 'restoreAccount')).toBe(false);
      expect(app.steps.filter((st) => st.operation === 'createAccount').map((st) => st.enabled)).toEqual([false]);
      expect(app.target?.status).toBe('disabled');
    }
    expect(plan.apps.find((a) => a.appId === 'chat')?.target?.entitlements).toEqual(['channel:eng', 'channel:general']);
    // A rehire or leave end planned for who the person is now (on leave) enables nothing either.
    for (const type of ['jml.rehire', 'jml.leave.end', 'jml.mover'] as const) {
      const held: AppHoldings = { chat: { status: 'disabled', entitlements: ['channel:general'] } };
      const apps = planWithPolicy({ policy, event: makeEvent({ personKey: 'test:3', type, person: { status: 'on-leave' } }), holdings: held }).apps;
      expect(apps.flatMap((a) => a.steps).filter((st) => st.operation === 'restoreAccount' || (st.operation === 'createAccount' && st.enabled !== false))).toEqual([]);
      expect(apps.every((a) => a.target?.status === 'disabled')).toBe(true);
    }
    // An account the workflow still holds enabled is disabled.
    const stillOn = planWithPolicy({ policy, event: makeEvent({ personKey: 'test:3', type: 'jml.update', person: { status: 'on-leave' } }), holdings: { chat: { status: 'active', entitlements: ['channel:general'] } } });
    expect(stillOn.apps.find((a) => a.appId === 'chat')?.steps.at(-1)?.operation).toBe('suspendAccount');
    const gone = planWithPolicy({ policy, event: makeEvent({ personKey: 'test:3', type: 'jml.joiner', person: { status: 'terminated' } }) });
    expect(gone.apps).toEqual([]);
    expect(gone.nothingBecause).toMatch(/terminated/);
    // A change of a terminated person still disables what is no longer granted.
    const moved = planWithPolicy({
      policy,
      event: makeEvent({ personKey: 'test:3', type: 'jml.mover', person: { status: 'terminated', department: 'Sales' } }),
      holdings: { code: { status: 'active', entitlements: ['team:eng'] }, chat: { status: 'disabled', entitlements: [] } },
    });
    expect(moved.apps.map((a) => [a.appId, a.steps.map((st) => st.operation)])).toEqual([['code', ['suspendAccount']]]);
  });

  it('loads > refuses unique attributes on a connector that cannot check values', () => {
    const devRedis = CONNECTOR_FACTORIES['dev-redis'] as () => AnyConnector;
    const plain = (): AnyConnector => {
      const c = devRedis();
      const { checkUnique: _dropped, ...operations } = c.operations as Record<string, unknown>;
      return { ...c, id: 'plain', capabilities: c.capabilities.filter((x: string) => x !== 'unique.check'), operations };
    };
    const text = `version: 1
apps:
  wiki: { connector: plain, settings: { url: "redis://127.0.0.1:1" }, mapping: { attributes: {}, unique: { userName: ["{givenName|lower}"] } } }
`;
    expect(() => loadPolicy({ text, source: 'policy.yaml', env: {}, connectors: { ...CONNECTOR_FACTORIES, plain } })).toThrow(
      "apps.wiki.mapping: unique attributes (userName) need a connector that can check values; plain lacks 'unique.check'",
    );
    expect(() => load(text.replace('connector: plain', 'connector: dev-redis'))).not.toThrow();
  });

  it('loads > reconcile.every schedules an app whose connector lists accounts; a connector that cannot, or an interval under a minute, is refused', () => {
    const devRedis = CONNECTOR_FACTORIES['dev-redis'] as () => AnyConnector;
    const blindList = (): AnyConnector => {
      const c = devRedis();
      const { listAccounts: _dropped, ...operations } = c.operations as Record<string, unknown>;
      return { ...c, id: 'no-list', capabilities: c.capabilities.filter((x: string) => x !== 'accounts.list'), operations };
    };
    const text = `version: 1
apps:
  wiki: { connector: scim, settings: { baseUrl: "http://127.0.0.1:1/scim/v2" }, secrets: { bearerToken: { env: T } }, reconcile: { every: PT6H } }
  chat: { connector: no-list, settings: { url: "redis://127.0.0.1:1" }, reconcile: { every: PT6H } }
  code: { connector: scim, settings: { baseUrl: "http://127.0.0.1:1/scim/v2" }, secrets: { bearerToken: { env: T } }, reconcile: { every: PT30S } }
`;
    const connectors = { ...CONNECTOR_FACTORIES, 'no-list': blindList };
    let error: unknown;
    try {
      loadPolicy({ text, source: 'policy.yaml', env: { T: 'token-value' }, connectors });
    } catch (err) {
      error = err;
    }
    expect((error as PolicyError).problems).toEqual([
      'apps.chat.reconcile: the no-list connector cannot list accounts (capability accounts.list)',
      'apps.code.reconcile.every: PT30S is less than a minute; reconciling lists every account of the app',
    ]);
    const ok = loadPolicy({ text: text.split('\n').filter((l) => !/^ {2}(chat|code):/.test(l)).join('\n'), source: 'policy.yaml', env: { T: 'token-value' }, connectors });
    expect(ok.apps.get('wiki')?.reconcileEveryMs).toBe(6 * 3_600_000);
  });

  it('loads > reconcile.fix needs a schedule; fix and adopt are carried to the loaded app', () => {
    const app = (reconcile: string) => `version: 1
apps:
  chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" }, reconcile: ${reconcile} }
`;
    expect(() => loadPolicy({ text: app('{ fix: true }'), source: 'policy.yaml', env: {}, connectors: CONNECTOR_FACTORIES })).toThrow(/apps\.chat\.reconcile\.fix: needs reconcile\.every/);
    const loaded = loadPolicy({ text: app('{ every: PT1H, fix: true, adopt: true }'), source: 'policy.yaml', env: {}, connectors: CONNECTOR_FACTORIES }).apps.get('chat');
    expect(loaded).toMatchObject({ reconcileEveryMs: 3_600_000, reconcileFix: true, reconcileAdopt: true });
    const onDemand = loadPolicy({ text: app('{ adopt: false }'), source: 'policy.yaml', env: {}, connectors: CONNECTOR_FACTORIES }).apps.get('chat');
    expect(onDemand?.reconcileEveryMs).toBeUndefined();
    expect(onDemand?.reconcileFix).toBeUndefined();
  });

  it('loads > unused.after is a policy duration (short ones too), carried with disable; zero, a non-duration or a connector that cannot list is refused', () => {
    const app = (unused: string, connector = 'dev-redis') => `version: 1
apps:
  chat: { connector: ${connector}, settings: { url: "redis://127.0.0.1:1" }, unused: ${unused} }
`;
    const load = (text: string) => loadPolicy({ text, source: 'policy.yaml', env: {}, connectors: CONNECTOR_FACTORIES });
    expect(load(app('{ after: P90D, disable: true }')).apps.get('chat')).toMatchObject({ unusedAfterMs: 90 * 86_400_000, unusedDisable: true });
    const short = load(app('{ after: PT5S }')).apps.get('chat');
    expect(short?.unusedAfterMs).toBe(5_000);
    expect(short?.unusedDisable).toBeUndefined();
    expect(() => load(app('{ after: PT0S }'))).toThrow(/apps\.chat\.unused\.after: must be longer than zero/);
    expect(() => load(app('{ after: P1M }'))).toThrow(/apps\.chat\.unused\.after/);
    expect(() => load(app('{ disable: true }'))).toThrow(/after/);
  });

  it('loads > refuses every app that could never locate an account, and accepts SCIM found only by the created ref', () => {
    const devRedis = CONNECTOR_FACTORIES['dev-redis'] as () => AnyConnector;
    // Finds accounts only by the ref its create returns, but cannot create: no step ever yields the ref.
    const noCreate = (): AnyConnector => {
      const c = devRedis();
      const { createAccount: _dropped, ...operations } = c.operations as Record<string, unknown>;
      return { ...c, id: 'no-create', capabilities: c.capabilities.filter((x: string) => x !== 'account.create'), operations, locateBy: () => 'created-ref' };
    };
    // Its settings turn off every lookup, and its create returns no ref.
    const blind = (): AnyConnector => ({ ...devRedis(), id: 'blind', locateBy: () => 'none' });
    const text = `version: 1
apps:
  legacy: { connector: no-create, settings: { url: "redis://127.0.0.1:1" } }
  kiosk: { connector: blind, settings: { url: "redis://127.0.0.1:1" } }
  wiki: { connector: scim, settings: { baseUrl: "http://127.0.0.1:1/scim/v2", lookupBy: [userName] }, secrets: { bearerToken: { env: T } } }
`;
    let error: unknown;
    try {
      loadPolicy({ text, source: 'policy.yaml', env: { T: 'token-value' }, connectors: { ...CONNECTOR_FACTORIES, 'no-create': noCreate, blind } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).problems).toEqual([
      "apps.legacy: connector no-create finds accounts only by the externalRef createAccount returns, but cannot create accounts ('account.create'): a leaver could never reach this app",
      'apps.kiosk: connector blind cannot find accounts with these settings (no lookup by person, no externalRef from createAccount): a leaver could never reach this app',
    ]);
    const scimOnly = load(text.split('\n').filter((line) => !/legacy|kiosk/.test(line)).join('\n'), { T: 'token-value' });
    expect(scimOnly.apps.get('wiki')?.connector.locateBy?.(scimOnly.apps.get('wiki')?.config)).toBe('created-ref');
  });

  it('loads > an app profile\'s documented write limit is the rate limit unless the policy sets one', () => {
    const scim = (profile: string, extra = '') =>
      `{ connector: scim, settings: { baseUrl: "http://127.0.0.1:1/scim/v2", profile: ${profile} }, secrets: { bearerToken: { env: T } }${extra} }`;
    const policy = load(`version: 1
apps:
  slack: ${scim('slack')}
  tuned: ${scim('slack', ', rateLimit: { perSecond: 1, burst: 2 }')}
  plain: ${scim('generic')}
`, { T: 'token' });
    expect(policy.apps.get('slack')?.rateLimit).toEqual({ perSecond: 3, burst: 15 });
    expect(policy.apps.get('tuned')?.rateLimit).toEqual({ perSecond: 1, burst: 2 });
    expect(policy.apps.get('plain')?.rateLimit).toBeUndefined();
  });

  it('plans pre-start > schedules each looking-ahead app before the start, prepares it disabled with its groups, enables it at the start', () => {
    const policy = load(
      POLICY.replace('chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }', 'chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" }, preStart: P7D }').replace(
        'directory: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }',
        'directory: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" }, preStart: P1D }',
      ),
    );
    const joiner = makeEvent({ personKey: 'test:3', type: 'jml.joiner', effectiveAt: '2026-12-14T09:00:00Z' });
    const start = Date.parse('2026-12-14T09:00:00Z');
    expect(preStartSchedule({ policy, event: joiner })).toEqual({
      groups: [
        { at: start - 7 * 86_400_000, appIds: ['chat'] },
        { at: start - 86_400_000, appIds: ['directory'] },
      ],
    });
    expect(preStartSchedule({ policy, event: makeEvent({ personKey: 'test:3', type: 'jml.mover' }) })).toEqual({ groups: [] });
    const prepare = planWithPolicy({ policy, event: joiner, mode: 'prestart', appIds: ['chat'] });
    expect(prepare.apps).toEqual([
      {
        appId: 'chat',
        steps: [
          expect.objectContaining({ operation: 'createAccount', enabled: false }),
          expect.objectContaining({ operation: 'grantAccess', entitlement: 'channel:eng' }),
          expect.objectContaining({ operation: 'grantAccess', entitlement: 'channel:general' }),
        ],
        target: { status: 'disabled', entitlements: ['channel:eng', 'channel:general'] },
      },
    ]);
    const atStart = planWithPolicy({ policy, event: joiner, holdings: { chat: { status: 'disabled', entitlements: ['channel:general'] } } });
    expect(Object.fromEntries(atStart.apps.map((a) => [a.appId, a.steps.map((st) => st.summary)]))).toEqual({
      chat: ['ensure account', 'enable account (start date)', 'add to channel:eng'],
      code: ['create account', 'add to team:eng'],
      directory: ['create account'],
    });
  });

  it('plans retries > an app\'s retry policy travels with each of its plans, durations in ms', () => {
    const policy = load(
      POLICY.replace('chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }', 'chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" }, retry: { maximumAttempts: 3, initialInterval: PT2S, maximumInterval: PT30S } }'),
    );
    for (const type of ['jml.joiner', 'jml.leaver'] as const) {
      const plan = planWithPolicy({ policy, event: makeEvent({ personKey: 'test:4', type }) });
      expect(plan.apps.find((a) => a.appId === 'chat')?.retry).toEqual({ maximumAttempts: 3, initialIntervalMs: 2_000, maximumIntervalMs: 30_000 });
      expect(plan.apps.find((a) => a.appId === 'directory')?.retry).toBeUndefined();
    }
  });

  it('loads > refuses retention periods and guard windows in calendar units', () => {
    const text = POLICY.replace('version: 1', 'version: 1\nmassChangeGuard: { max: 5, window: P1M }').replace(
      'chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }',
      'chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" }, leaver: { deleteAfter: P1Y } }',
    );
    expect(() => load(text)).toThrow(PolicyError);
    try {
      load(text);
    } catch (err) {
      expect((err as PolicyError).problems).toEqual([
        expect.stringMatching(/^apps\.chat\.leaver\.deleteAfter: 'P1Y' is not a duration/),
        expect.stringMatching(/^massChangeGuard\.window: 'P1M' is not a duration/),
      ]);
    }
  });

  it('plans leaver > disables in every configured app, granted today or not (kill switch)', () => {
    const policy = load();
    const event = makeEvent({ personKey: 'test:2', type: 'jml.leaver', person: { workerType: 'contractor', department: 'Sales' } });
    expect(stepsOf(policy, event)).toEqual({ chat: ['disable account'], code: ['disable account'], directory: ['disable account'] });
  });

  it('plans leaver > ends sessions and tokens after the disable, only where the connector can revoke them', () => {
    const devRedis = CONNECTOR_FACTORIES['dev-redis'] as () => AnyConnector;
    const withSessions = (): AnyConnector => {
      const c = devRedis();
      return {
        ...c,
        id: 'with-sessions',
        capabilities: [...c.capabilities, 'sessions.revoke'],
        operations: { ...(c.operations as Record<string, unknown>), revokeSessions: async () => ({ outcome: 'applied' as const }) },
      } as AnyConnector;
    };
    const policy = loadPolicy({
      text: POLICY.replace('chat: { connector: dev-redis', 'chat: { connector: with-sessions'),
      source: 'policy.yaml',
      env: {},
      connectors: { ...CONNECTOR_FACTORIES, 'with-sessions': withSessions },
    });
    for (const type of ['jml.leaver', 'jml.leave.start'] as const) {
      const plan = planWithPolicy({ policy, event: makeEvent({ personKey: 'test:2', type }) });
      expect(Object.fromEntries(plan.apps.map((a) => [a.appId, a.steps.map((s) => s.operation)]))).toEqual({
        chat: ['suspendAccount', 'revokeSessions'],
        code: ['suspendAccount'],
        directory: ['suspendAccount'],
      });
    }
  });

  it('plans leaver > removes credentials after the disable and the sign-out, where the connector can and the app does not opt out; not on a leave', () => {
    const devRedis = CONNECTOR_FACTORIES['dev-redis'] as () => AnyConnector;
    const withCredentials = (): AnyConnector => {
      const c = devRedis();
      const applied = async () => ({ outcome: 'applied' as const });
      return {
        ...c,
        id: 'with-credentials',
        capabilities: [...c.capabilities, 'sessions.revoke', 'credentials.revoke'],
        operations: { ...(c.operations as Record<string, unknown>), revokeSessions: applied, revokeCredentials: applied },
      } as AnyConnector;
    };
    const policy = loadPolicy({
      text: POLICY.replace('chat: { connector: dev-redis', 'chat: { connector: with-credentials').replace(
        'directory: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }',
        'directory: { connector: with-credentials, settings: { url: "redis://127.0.0.1:1" }, leaver: { revokeCredentials: false } }',
      ),
      source: 'policy.yaml',
      env: {},
      connectors: { ...CONNECTOR_FACTORIES, 'with-credentials': withCredentials },
    });
    const operations = (type: 'jml.leaver' | 'jml.leave.start' | 'jml.mover') =>
      Object.fromEntries(planWithPolicy({ policy, event: makeEvent({ personKey: 'test:2', type }) }).apps.map((a) => [a.appId, a.steps.map((s) => s.operation)]));
    expect(operations('jml.leaver')).toEqual({
      chat: ['suspendAccount', 'revokeSessions', 'revokeCredentials'],
      code: ['suspendAccount'],
      directory: ['suspendAccount', 'revokeSessions'],
    });
    // A leave ends: the person comes back to the same keys and password.
    expect(operations('jml.leave.start')).toEqual({ chat: ['suspendAccount', 'revokeSessions'], code: ['suspendAccount'], directory: ['suspendAccount', 'revokeSessions'] });
    // Nothing else removes credentials: a mover's disable of an app no longer granted keeps them.
    expect(Object.values(operations('jml.mover')).flat()).not.toContain('revokeCredentials');
  });

  it('loads > refuses leaver.revokeCredentials: true for an app whose connector cannot revoke credentials', () => {
    const text = POLICY.replace(
      'chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }',
      'chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" }, leaver: { revokeCredentials: true } }',
    );
    expect(() => load(text)).toThrow(/apps\.chat\.leaver\.revokeCredentials: the dev-redis connector cannot revoke credentials \(capability credentials\.revoke\)/);
  });

  it('example > docs/examples/policy.yaml loads', () => {
    const text = readFileSync(new URL('../../docs/examples/policy.yaml', import.meta.url), 'utf8');
    expect([...load(text).apps.keys()]).toEqual(['directory', 'chat', 'code']);
  });
});
