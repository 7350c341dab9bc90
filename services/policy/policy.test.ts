import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import { makeEvent } from '../../test/support/events';
import { decide, globMatch } from './evaluate';
import { loadPolicy, PolicyError, type LoadedPolicy } from './load';
import { planWithPolicy } from './plan';

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

  it('plans mover > grants new entitlements before revoking old ones, and disables apps no longer granted', () => {
    const policy = load();
    const event = makeEvent({ personKey: 'test:1', type: 'jml.mover', person: { department: 'Sales' }, changedFields: ['department'] });
    event.data.previous = { department: 'Engineering' };
    expect(stepsOf(policy, event)).toEqual({
      chat: ['update attributes', 'remove from channel:eng'],
      directory: ['update attributes'],
      code: ['disable account (no longer granted)'],
    });
    const back = makeEvent({ personKey: 'test:1', type: 'jml.mover', person: { department: 'Engineering' }, changedFields: ['department'] });
    back.data.previous = { department: 'Sales', workerType: 'employee' };
    const chatSteps = planWithPolicy({ policy, event: back }).apps.find((a) => a.appId === 'chat')?.steps.map((s) => s.operation);
    expect(chatSteps).toEqual(['updateAccount', 'grantAccess']);
  });

  it('plans leaver > disables in every configured app, granted today or not (kill switch)', () => {
    const policy = load();
    const event = makeEvent({ personKey: 'test:2', type: 'jml.leaver', person: { workerType: 'contractor', department: 'Sales' } });
    expect(stepsOf(policy, event)).toEqual({ chat: ['disable account'], code: ['disable account'], directory: ['disable account'] });
  });

  it('example > docs/examples/policy.yaml loads', () => {
    const text = readFileSync(new URL('../../docs/examples/policy.yaml', import.meta.url), 'utf8');
    expect([...load(text).apps.keys()]).toEqual(['directory', 'chat', 'code']);
  });
});
