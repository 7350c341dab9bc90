import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createDevRedisConnector } from '../../connectors/dev-redis';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import type { AnyConnector } from '../../connectors/sdk';
import type { EventPlan, AppHoldings, PlanEventInput } from '../../schemas/contracts';
import type { JmlEventType } from '../../schemas/jml-event.v1';
import { makeEvent } from '../../test/support/events';
import { createActivities } from '../worker/activities';
import type { AppInstance } from './app';
import { DEVELOPMENT_RULE, developmentPolicy } from './development';
import { loadPolicy } from './load';
import { planWithPolicy, preStartSchedule } from './plan';

/**
 * Development mode (no policy file) is a generated policy planned by the one planner. Until it was,
 * a second planner gave development apps rules of its own; the cases where the two differed are
 * pinned below to the policy's rules.
 */
const devRedis = createDevRedisConnector();
/** An app that finds accounts only by the id its createAccount returned (SCIM `lookupBy: [userName]`). */
const refOnly: AnyConnector = { ...devRedis, id: 'ref-only', locateBy: () => 'created-ref' };
const instance = (appId: string, connector: AnyConnector): [string, AppInstance] => [appId, { appId, connector, config: { url: 'redis://127.0.0.1:1' }, secrets: {} }];

const policy = developmentPolicy(new Map([instance('directory', devRedis), instance('wiki', refOnly)]));
const plan = (input: PlanEventInput): EventPlan => planWithPolicy({ ...input, policy });
const summaries = (p: EventPlan) => Object.fromEntries(p.apps.map((a) => [a.appId, a.steps.map((s) => s.summary)]));
const event = (type: JmlEventType) => makeEvent({ personKey: 'test:dev-1', type });
const heldDisabled: AppHoldings = { directory: { status: 'disabled', entitlements: [] }, wiki: { status: 'disabled', entitlements: [], externalRef: 'w-1' } };
const heldActive: AppHoldings = { directory: { status: 'active', entitlements: [] }, wiki: { status: 'active', entitlements: [], externalRef: 'w-1' } };

describe('development policy', () => {
  it('joiner > creates an enabled account with the default attributes in every app, and says which rule granted it', () => {
    const p = plan({ event: makeEvent({ personKey: 'bamboohr:7', type: 'jml.joiner' }) });
    expect(p.kind).toBe('joiner');
    expect(p.apps.map((a) => a.appId)).toEqual(['directory', 'wiki']);
    expect(p.apps[0]?.steps).toEqual([
      {
        operation: 'createAccount',
        summary: 'create account',
        enabled: true,
        attributes: { userName: 'ada.7@example.com', displayName: 'Ada Lovelace', title: 'Engineer', department: 'Engineering', employeeNumber: '7' },
      },
    ]);
    expect(p.apps[0]?.target).toEqual({ status: 'active', entitlements: [] });
    expect(p.why).toEqual({ matchedRules: [DEVELOPMENT_RULE], deniedBy: [] });
  });

  it('joiner > for a person whose accounts are disabled, ensures and enables them (the development planner only created)', () => {
    expect(summaries(plan({ event: event('jml.joiner'), holdings: heldDisabled }))).toEqual({
      directory: ['ensure account', 'enable account (start date)'],
      wiki: ['ensure account', 'enable account (start date)'],
    });
  });

  it('rehire > of a person holding nothing, creates the account (the development planner also refreshed and enabled it)', () => {
    expect(summaries(plan({ event: event('jml.rehire') }))).toEqual({ directory: ['create account'], wiki: ['create account'] });
  });

  it('rehire > of a person holding disabled accounts, ensures, refreshes and enables them', () => {
    expect(summaries(plan({ event: event('jml.rehire'), holdings: heldDisabled })).directory).toEqual(['ensure account', 'update attributes', 'enable account']);
  });

  it('mover > with the accounts known, updates attributes only', () => {
    expect(summaries(plan({ event: event('jml.mover'), holdings: heldActive }))).toEqual({ directory: ['update attributes'], wiki: ['update attributes'] });
  });

  it('mover > as the first event seen, ensures the account before updating it (the development planner only updated)', () => {
    expect(summaries(plan({ event: event('jml.mover') }))).toEqual({ directory: ['ensure account', 'update attributes'], wiki: ['ensure account', 'update attributes'] });
  });

  it('leaver > only disables: no retention delete, no guard, no sessions step for a connector without sessions.revoke', () => {
    const p = plan({ event: event('jml.leaver'), holdings: heldActive });
    expect(summaries(p)).toEqual({ directory: ['disable account'], wiki: ['disable account'] });
    expect(p.apps.some((a) => a.deleteAfterMs !== undefined)).toBe(false);
    expect(p.guard).toBeUndefined();
  });

  it('leaver > skips an app that finds accounts only by a ref the person does not hold (the development planner disabled there too)', () => {
    expect(summaries(plan({ event: event('jml.leaver') }))).toEqual({ directory: ['disable account'] });
  });

  it('joiner > prepares nothing ahead of the start date', () => {
    expect(preStartSchedule({ policy, event: makeEvent({ personKey: 'test:dev-1', type: 'jml.joiner', effectiveAt: '2027-01-04T09:00:00Z' }) })).toEqual({ groups: [] });
  });

  it('plans > exactly as the same policy written as a file', () => {
    const file = loadPolicy({
      text: `version: 1
apps:
  chat: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }
  directory: { connector: dev-redis, settings: { url: "redis://127.0.0.1:1" } }
rules:
  - { name: "${DEVELOPMENT_RULE}", grant: { chat: [], directory: [] } }
`,
      source: 'policy.yaml',
      env: {},
      connectors: CONNECTOR_FACTORIES,
    });
    const generated = developmentPolicy(file.apps);
    const types: JmlEventType[] = ['jml.joiner', 'jml.rehire', 'jml.mover', 'jml.update', 'jml.leaver', 'jml.leave.start', 'jml.leave.end'];
    for (const type of types) {
      for (const held of [undefined, heldActive, heldDisabled]) {
        const input = { event: event(type), ...(held ? { holdings: held } : {}) };
        expect(planWithPolicy({ ...input, policy: generated }), `${type} held=${JSON.stringify(held)}`).toEqual(planWithPolicy({ ...input, policy: file }));
      }
    }
    const deletes = { event: event('jml.leaver'), mode: 'retention-delete' as const, appIds: ['directory'] };
    expect(planWithPolicy({ ...deletes, policy: generated })).toEqual(planWithPolicy({ ...deletes, policy: file }));
  });

  it('activities > without a policy, planEvent plans with the development policy of the configured apps', async () => {
    const apps = new Map([instance('directory', devRedis), instance('wiki', refOnly)]);
    const activities = createActivities({ apps, log: pino({ level: 'silent' }) });
    const input = { event: event('jml.rehire') };
    expect(await activities.planEvent(input)).toEqual(planWithPolicy({ ...input, policy: developmentPolicy(apps) }));
  });
});
