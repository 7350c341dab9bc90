import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../test/support/events';
import { planForEveryApp } from './plan';

describe('skeleton plan', () => {
  const apps = ['directory', 'chat'];

  it('joiner > creates an enabled account in every app with mapped attributes', () => {
    const plan = planForEveryApp({ event: makeEvent({ personKey: 'bamboohr:7', type: 'jml.joiner' }) }, apps);
    expect(plan.kind).toBe('joiner');
    expect(plan.apps.map((a) => a.appId)).toEqual(apps);
    expect(plan.apps[0]?.steps).toEqual([
      {
        operation: 'createAccount',
        summary: 'create account',
        enabled: true,
        attributes: { userName: 'ada.7@example.com', displayName: 'Ada Lovelace', title: 'Engineer', department: 'Engineering', employeeNumber: '7' },
      },
    ]);
  });

  it('leaver > only disables (deletion is a later, separate decision)', () => {
    const plan = planForEveryApp({ event: makeEvent({ personKey: 'bamboohr:7', type: 'jml.leaver' }) }, apps);
    expect(plan.apps.flatMap((a) => a.steps.map((s) => s.operation))).toEqual(['suspendAccount', 'suspendAccount']);
  });

  it('rehire > ensures the account exists, refreshes it and enables it', () => {
    const plan = planForEveryApp({ event: makeEvent({ personKey: 'bamboohr:7', type: 'jml.rehire' }) }, ['directory']);
    expect(plan.apps[0]?.steps.map((s) => s.operation)).toEqual(['createAccount', 'updateAccount', 'restoreAccount']);
  });
});
