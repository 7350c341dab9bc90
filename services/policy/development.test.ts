import { describe, expect, it } from 'vitest';
import { createDevRedisConnector } from '../../connectors/dev-redis';
import type { AnyConnector } from '../../connectors/sdk';
import type { EventPlan, HeldApps, PlanEventInput } from '../../schemas/contracts';
import { makeEvent } from '../../test/support/events';
import { planForEveryApp } from '../worker/plan';
import type { LoadedApp, LoadedPolicy } from './load';
import { planWithPolicy } from './plan';

/**
 * The development plan (no policy file) and the policy planner, side by side, on the same apps:
 * `grantEveryApp` is the policy a development setup amounts to (every configured app, an account and
 * no entitlements, disable only). Where the two plans differ, the development plan follows rules of
 * its own that no policy can express.
 */
const devRedis = createDevRedisConnector();
/** An app that finds accounts only by the id its createAccount returned (SCIM `lookupBy: [userName]`). */
const refOnly: AnyConnector = { ...devRedis, id: 'ref-only', locateBy: () => 'created-ref' };

function grantEveryApp(apps: ReadonlyArray<{ appId: string; connector: AnyConnector }>): LoadedPolicy {
  const loaded = new Map<string, LoadedApp>(apps.map(({ appId, connector }) => [appId, { appId, connector, config: { url: 'redis://127.0.0.1:1' }, secrets: {}, leaver: {} }]));
  return {
    file: {
      version: 1,
      apps: Object.fromEntries(apps.map(({ appId, connector }) => [appId, { connector: connector.id, settings: {}, secrets: {}, leaver: {} }])),
      rules: [{ name: 'every app', when: {}, grant: Object.fromEntries(apps.map(({ appId }) => [appId, []])) }],
      deny: [],
      overrides: {},
    },
    apps: loaded,
  };
}

const apps = [
  { appId: 'directory', connector: devRedis },
  { appId: 'wiki', connector: refOnly },
];
const policy = grantEveryApp(apps);
const ids = apps.map((a) => a.appId);

const both = (input: PlanEventInput): { dev: EventPlan; policy: EventPlan } => ({
  dev: planForEveryApp(input, ids),
  policy: planWithPolicy({ ...input, policy }),
});
const summaries = (plan: EventPlan) => Object.fromEntries(plan.apps.map((a) => [a.appId, a.steps.map((s) => s.summary)]));
const event = (type: Parameters<typeof makeEvent>[0]['type']) => makeEvent({ personKey: 'test:dev-1', type });
const heldDisabled: HeldApps = { directory: { status: 'disabled', entitlements: [] }, wiki: { status: 'disabled', entitlements: [], externalRef: 'w-1' } };
const heldActive: HeldApps = { directory: { status: 'active', entitlements: [] }, wiki: { status: 'active', entitlements: [], externalRef: 'w-1' } };

describe('development plan and policy plan, today', () => {
  it('joiner > both create an enabled account in every app', () => {
    const { dev, policy } = both({ event: event('jml.joiner') });
    expect(dev.apps).toEqual(policy.apps);
  });

  it('joiner > for a person whose accounts are disabled, only the policy enables them', () => {
    const { dev, policy } = both({ event: event('jml.joiner'), held: heldDisabled });
    expect(summaries(dev)).toEqual({ directory: ['create account'], wiki: ['create account'] });
    expect(summaries(policy)).toEqual({ directory: ['ensure account', 'enable account (start date)'], wiki: ['ensure account', 'enable account (start date)'] });
  });

  it('rehire > of a person holding nothing, development refreshes and enables what it just created; the policy creates', () => {
    const { dev, policy } = both({ event: event('jml.rehire') });
    expect(summaries(dev)).toEqual({ directory: ['create account', 'update attributes', 'enable account'], wiki: ['create account', 'update attributes', 'enable account'] });
    expect(summaries(policy)).toEqual({ directory: ['create account'], wiki: ['create account'] });
  });

  it('rehire > of a person holding disabled accounts, both ensure, refresh and enable (named differently)', () => {
    const { dev, policy } = both({ event: event('jml.rehire'), held: heldDisabled });
    expect(dev.apps.map((a) => a.steps.map((s) => s.operation))).toEqual(policy.apps.map((a) => a.steps.map((s) => s.operation)));
    expect(summaries(dev).directory?.[0]).toBe('create account');
    expect(summaries(policy).directory?.[0]).toBe('ensure account');
  });

  it('mover > with the accounts known, both update attributes only', () => {
    const { dev, policy } = both({ event: event('jml.mover'), held: heldActive });
    expect(dev.apps).toEqual(policy.apps);
  });

  it('mover > as the first event seen, development only updates; the policy ensures the account first', () => {
    const { dev, policy } = both({ event: event('jml.mover') });
    expect(summaries(dev)).toEqual({ directory: ['update attributes'], wiki: ['update attributes'] });
    expect(summaries(policy)).toEqual({ directory: ['ensure account', 'update attributes'], wiki: ['ensure account', 'update attributes'] });
  });

  it('leaver > development disables in an app that finds accounts only by a ref the person does not hold; the policy skips it', () => {
    const { dev, policy } = both({ event: event('jml.leaver') });
    expect(summaries(dev)).toEqual({ directory: ['disable account'], wiki: ['disable account'] });
    expect(summaries(policy)).toEqual({ directory: ['disable account'] });
  });

  it('leaver > with the ref held, both disable every app', () => {
    const { dev, policy } = both({ event: event('jml.leaver'), held: heldActive });
    expect(dev.apps.map((a) => [a.appId, a.steps])).toEqual(policy.apps.map((a) => [a.appId, a.steps]));
  });

  it('every plan > only the policy says why', () => {
    const { dev, policy } = both({ event: event('jml.joiner') });
    expect(dev.why).toBeUndefined();
    expect(policy.why).toEqual({ matchedRules: ['every app'], deniedBy: [] });
  });
});
