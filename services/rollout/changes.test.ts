import { describe, expect, it } from 'vitest';
import type { AppHoldings } from '../../schemas/contracts';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { PolicyFile } from '../policy/schema';
import { afterCursor } from './apply';
import { policyDiff, policyHash, rolloutChanges } from './changes';

const app = { connector: 'dev-redis', settings: {} };
const policyOf = (eng: Record<string, string[]>) =>
  PolicyFile.parse({
    version: 1,
    apps: { directory: app, tools: app, wiki: app },
    rules: [
      { name: 'engineering', when: { department: 'Engineering' }, grant: { directory: [], ...eng } },
      { name: 'sales', when: { department: 'Sales' }, grant: { directory: [] } },
    ],
  });
const person = (department: string, status: PersonSnapshot['status'] = 'active'): PersonSnapshot =>
  ({ employeeId: 'E1', workerType: 'employee', status, givenName: 'A', familyName: 'B', department }) as PersonSnapshot;
const record = (personKey: string, department: string, holdings: AppHoldings = {}, status: PersonSnapshot['status'] = 'active') => ({ personKey, person: person(department, status), holdings });

describe('policy diff', () => {
  it('counts per app the people who gain the account and its groups, only in the department whose rule changed', () => {
    const people = [record('p:1', 'Engineering'), record('p:2', 'Engineering'), record('p:3', 'Sales')];
    const diff = policyDiff({ current: policyOf({}), next: policyOf({ tools: ['builders'] }), people });
    expect(diff).toEqual({ people: 3, changed: 2, apps: [{ appId: 'tools', accounts: { gain: 2, lose: 0 }, groups: { builders: { gain: 2, lose: 0 } } }] });
  });

  it('counts an app taken away as accounts lost, and a group renamed as one lost and one gained', () => {
    const people = [record('p:1', 'Engineering'), record('p:3', 'Sales')];
    expect(policyDiff({ current: policyOf({ tools: [] }), next: policyOf({}), people }).apps).toEqual([{ appId: 'tools', accounts: { gain: 0, lose: 1 }, groups: {} }]);
    expect(policyDiff({ current: policyOf({ wiki: ['old'] }), next: policyOf({ wiki: ['new'] }), people }).apps).toEqual([
      { appId: 'wiki', accounts: { gain: 0, lose: 0 }, groups: { new: { gain: 1, lose: 0 }, old: { gain: 0, lose: 1 } } },
    ]);
  });

  it('leaves people who are gone or not started out: the leaver lane decides for them', () => {
    const people = [record('p:1', 'Engineering', {}, 'terminated'), record('p:2', 'Engineering', {}, 'on-leave'), record('p:4', 'Engineering', {}, 'pre-hire')];
    expect(policyDiff({ current: policyOf({}), next: policyOf({ tools: [] }), people })).toEqual({ people: 3, changed: 0, apps: [] });
  });
});

describe('rollout changes', () => {
  const appIds = ['directory', 'tools', 'wiki'];
  const held = (entitlements: string[] = [], status: 'active' | 'disabled' | 'deleted' = 'active') => ({ status, entitlements });

  it('asks to create an app newly granted, with its groups, and nothing where the person is in step', () => {
    const policy = policyOf({ tools: ['builders'] });
    const changes = rolloutChanges({ policy, policyHash: policyHash(policy), appIds, person: record('p:1', 'Engineering', { directory: held() }) });
    expect(changes).toMatchObject([{ appId: 'tools', kind: 'missing', removes: false, steps: ['create account', 'add to builders'] }]);
    const inStep = record('p:1', 'Engineering', { directory: held(), tools: held(['builders']) });
    expect(rolloutChanges({ policy, policyHash: policyHash(policy), appIds, person: inStep })).toEqual([]);
  });

  it('asks to disable an app no longer granted (a removal), and to enable again one granted again', () => {
    const policy = policyOf({});
    const [disable] = rolloutChanges({ policy, policyHash: 'h', appIds, person: record('p:1', 'Engineering', { directory: held(), tools: held(['builders']) }) });
    expect(disable).toMatchObject({ appId: 'tools', kind: 'drift', drift: { enabled: false }, removes: true });
    const again = rolloutChanges({ policy: policyOf({ tools: ['builders'] }), policyHash: 'h', appIds, person: record('p:1', 'Engineering', { directory: held(), tools: held(['builders'], 'disabled') }) });
    expect(again).toMatchObject([{ appId: 'tools', kind: 'drift', drift: { enabled: true }, removes: false }]);
    // Already disabled: nothing to take away.
    expect(rolloutChanges({ policy, policyHash: 'h', appIds, person: record('p:1', 'Engineering', { directory: held(), tools: held([], 'disabled') }) })).toEqual([]);
  });

  it('adds and removes groups of an app kept; a removal counts for the guard', () => {
    const [change] = rolloutChanges({ policy: policyOf({ wiki: ['new'] }), policyHash: 'h', appIds, person: record('p:1', 'Engineering', { directory: held(), wiki: held(['old']) }) });
    expect(change).toMatchObject({ appId: 'wiki', kind: 'drift', drift: { grant: ['new'], revoke: ['old'] }, removes: true, steps: ['add to new', 'remove from old'] });
  });

  it('leaves a gone person to the leaver lane, and apps the policy no longer has alone', () => {
    const policy = policyOf({});
    expect(rolloutChanges({ policy, policyHash: 'h', appIds, person: record('p:1', 'Engineering', { tools: held() }, 'terminated') })).toEqual([]);
    expect(rolloutChanges({ policy, policyHash: 'h', appIds: ['directory'], person: record('p:1', 'Engineering', { directory: held(), retired: held() }) })).toEqual([]);
  });

  it('names a change by policy, person, app and change: the same ask again is the same fix, another person or a later change is another', () => {
    const policy = policyOf({ tools: [] });
    const ask = (key: string, holdings: AppHoldings) => rolloutChanges({ policy, policyHash: 'h1', appIds, person: record(key, 'Engineering', holdings) })[0]?.runId;
    const first = ask('p:1', { directory: held() });
    expect(first).toMatch(/^rollout-h1-[0-9a-f]{12}$/);
    expect(ask('p:1', { directory: held() })).toBe(first);
    expect(ask('p:2', { directory: held() })).not.toBe(first);
    expect(ask('p:1', { directory: held(), tools: held([], 'disabled') })).not.toBe(first);
  });
});

describe('rollout cursor', () => {
  it('continues after the last person done, in key order', () => {
    const people = ['p:1', 'p:2', 'p:3'].map((personKey) => ({ personKey }));
    expect(afterCursor(people, undefined).map((p) => p.personKey)).toEqual(['p:1', 'p:2', 'p:3']);
    expect(afterCursor(people, 'p:1').map((p) => p.personKey)).toEqual(['p:2', 'p:3']);
  });
});

describe('policy hash', () => {
  it('is stable for the same content and differs for another', () => {
    expect(policyHash(policyOf({}))).toBe(policyHash(policyOf({})));
    expect(policyHash(policyOf({ tools: [] }))).not.toBe(policyHash(policyOf({})));
  });
});
