import { expect } from 'vitest';
import type { AppAttributes } from '../types';
import { NOTHING_TO_DO, type Scenario } from './scenario';

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
      const before = await act.read(p);
      expect(before.exists).toBe(false);
      const { externalRef } = await act.create(p);
      expect((await act.remove(p, { externalRef })).outcome).toBe('applied');
      expect(await act.read(p)).toEqual(before);
      expect((await act.remove(p, { externalRef })).outcome).toBe('already-in-state');
      expect((await act.remove(h.newPerson())).outcome).toBe('already-in-state');
    },
  },
  {
    id: 'compensation-suspend-restore',
    title: 'compensation > restore undoes suspend; restore of nothing does nothing',
    requires: ['account.create', 'account.suspend', 'account.restore', 'account.read'],
    async run({ h, act }) {
      const p = h.newPerson();
      const { externalRef } = await act.create(p);
      const before = await act.read(p);
      expect((await act.suspend(p, { externalRef })).outcome).toBe('applied');
      expect((await act.restore(p, { externalRef })).outcome).toBe('applied');
      expect(await act.read(p)).toEqual(before);
      expect((await act.restore(p, { externalRef })).outcome).toBe('already-in-state');
      expect(NOTHING_TO_DO).toContain((await act.restore(h.newPerson())).outcome);
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
      const { externalRef } = await act.create(p);
      const before = await act.read(p);
      expect((await act.grant(p, entitlement, { externalRef })).outcome).toBe('applied');
      expect((await act.grant(p, entitlement, { externalRef })).outcome).toBe('already-in-state');
      expect((await act.read(p)).entitlements).toContain(entitlement);
      expect((await act.revoke(p, entitlement, { externalRef })).outcome).toBe('applied');
      expect(await act.read(p)).toEqual(before);
      expect((await act.revoke(p, entitlement, { externalRef })).outcome).toBe('already-in-state');
      expect(NOTHING_TO_DO).toContain((await act.revoke(h.newPerson(), entitlement)).outcome);
    },
  },
  {
    id: 'compensation-update',
    title: 'compensation > an update with the returned `before` undoes the update; on nothing it does nothing',
    requires: ['account.create', 'account.update', 'account.read'],
    async run({ h, act }) {
      const p = h.newPerson();
      const { externalRef } = await act.create(p);
      const before = await act.read(p);
      const forward = await act.update(p, h.attributesFor({ person: p.person, variant: 'mover' }), { externalRef });
      expect(forward.outcome).toBe('applied');
      const restore = forward.before;
      expect(isAttributes(restore), 'updateAccount returns `before` as the attributes that restore the account').toBe(true);
      expect((await act.update(p, restore as AppAttributes, { externalRef })).outcome).toBe('applied');
      expect(await act.read(p)).toEqual(before);
      expect((await act.update(p, restore as AppAttributes, { externalRef })).outcome).toBe('already-in-state');
      const nobody = h.newPerson();
      expect(NOTHING_TO_DO).toContain((await act.update(nobody, restore as AppAttributes)).outcome);
      expect((await act.read(nobody)).exists).toBe(false);
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
