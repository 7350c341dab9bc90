import { expect } from 'vitest';
import type { AppAttributes } from '../types';
import { expectNoAccount, expectNothingToDo, type Scenario } from './scenario';

/**
 * Saga round trips: a forward step followed by its inverse leaves readAccount exactly as it was,
 * and the inverse applied where the forward step never ran does nothing (a compensation may run
 * after a forward step that failed before reaching the app).
 */
export const compensationScenarios: readonly Scenario[] = [
  {
    id: 'compensation-create-delete',
    title: 'compensation > delete undoes create; delete of nothing is already-in-state',
    requires: ['account.create', 'account.delete', 'account.read'],
    async run({ h, act }) {
      const p = h.newPerson();
      await expectNoAccount(h, act, p);
      await act.create(p);
      expect((await act.remove(p)).outcome).toBe('applied');
      expect(await act.read(p)).toEqual({ exists: false });
      expect((await act.remove(p)).outcome).toBe('already-in-state');
      await expectNothingToDo(h, () => act.remove(h.newPerson()), ['already-in-state']);
    },
  },
  {
    id: 'compensation-suspend-restore',
    title: 'compensation > restore undoes suspend; restore of nothing does nothing',
    requires: ['account.create', 'account.suspend', 'account.restore', 'account.read'],
    async run({ h, act }) {
      const p = h.newPerson();
      await act.create(p);
      const before = await act.read(p);
      expect((await act.suspend(p)).outcome).toBe('applied');
      expect((await act.restore(p)).outcome).toBe('applied');
      expect(await act.read(p)).toEqual(before);
      expect((await act.restore(p)).outcome).toBe('already-in-state');
      await expectNothingToDo(h, () => act.restore(h.newPerson()));
    },
  },
  {
    id: 'compensation-grant-revoke',
    title: 'compensation > revoke undoes grant; revoke of nothing does nothing',
    requires: ['account.create', 'access.grant', 'access.revoke', 'account.read'],
    async run({ h, act }) {
      const entitlement = h.target.entitlement;
      if (!entitlement) throw new Error(`target '${h.target.name}' names no entitlement for grant/revoke`);
      const p = h.newPerson();
      await act.create(p);
      const before = await act.read(p);
      expect((await act.grant(p, entitlement)).outcome).toBe('applied');
      expect((await act.grant(p, entitlement)).outcome).toBe('already-in-state');
      expect((await act.read(p)).entitlements).toContain(entitlement);
      expect((await act.revoke(p, entitlement)).outcome).toBe('applied');
      expect(await act.read(p)).toEqual(before);
      expect((await act.revoke(p, entitlement)).outcome).toBe('already-in-state');
      await expectNothingToDo(h, () => act.revoke(h.newPerson(), entitlement));
    },
  },
  {
    id: 'compensation-update',
    title: 'compensation > an update with the returned `before` undoes the update; on nothing it does nothing',
    requires: ['account.create', 'account.update', 'account.read'],
    async run({ h, act }) {
      const p = h.newPerson();
      await act.create(p);
      const before = await act.read(p);
      const forward = await act.update(p, h.attributesFor({ person: p.person, variant: 'mover' }));
      expect(forward.outcome).toBe('applied');
      const restore = forward.before;
      expect(isAttributes(restore), 'updateAccount returns `before` as the attributes that restore the account').toBe(true);
      expect((await act.update(p, restore as AppAttributes)).outcome).toBe('applied');
      expect(await act.read(p)).toEqual(before);
      expect((await act.update(p, restore as AppAttributes)).outcome).toBe('already-in-state');
      const nobody = h.newPerson();
      await expectNothingToDo(h, () => act.update(nobody, restore as AppAttributes));
      await expectNoAccount(h, act, nobody);
    },
  },
];

function isAttributes(value: unknown): value is AppAttributes {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
  );
}
