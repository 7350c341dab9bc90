import { expect } from 'vitest';
import { expectNoAccount, type Scenario } from './scenario';

/**
 * Values that would match other accounts if a connector pasted them into a query unescaped: a
 * wildcard (LDAP `*`, a glob), an LDAP filter break-out (RFC 4515) and a SCIM filter break-out
 * (RFC 7644 §3.4.2.2). Each must be looked up as the literal text it is, which no account holds.
 */
const CRAFTED = ['*', '*)(uid=*', 'x" or userName pr or userName eq "x', '\\'];

/** `unique.check`: who holds a value, as the worker asks it before a create (services/worker/unique.ts). */
export const uniqueScenarios: readonly Scenario[] = [
  {
    id: 'unique-check',
    title: 'unique values > another person’s value is taken, the person’s own is not, free and crafted values are free',
    requires: ['account.create', 'account.read', 'unique.check'],
    async run({ h, act }) {
      const attribute = h.target.uniqueAttribute ?? 'userName';
      const owner = h.newPerson();
      const other = h.newPerson();
      const attributes = h.attributesFor({ person: owner.person, variant: 'joiner' });
      const value = attributes[attribute];
      if (typeof value !== 'string') throw new Error(`attributesFor gives no string '${attribute}'; set target.uniqueAttribute`);

      expect(await act.checkUnique(other, attribute, value)).toEqual({ holder: 'none' });
      await act.create(owner, { attributes });
      // Asked again by a retried create whose first answer was lost (no ref yet), then with the ref.
      expect(await act.checkUnique(owner, attribute, value, { withoutRef: true }), 'the person’s own value must not count as taken (retries converge)').toEqual({
        holder: 'this-person',
      });
      expect(await act.checkUnique(owner, attribute, value)).toEqual({ holder: 'this-person' });
      expect(await act.checkUnique(other, attribute, value)).toEqual({ holder: 'other' });
      expect(await act.checkUnique(other, attribute, `${value}-free`)).toEqual({ holder: 'none' });
      for (const crafted of CRAFTED) expect(await act.checkUnique(other, attribute, crafted), JSON.stringify(crafted)).toEqual({ holder: 'none' });
      // Asking changed nothing.
      expect((await act.create(owner, { attributes })).outcome).toBe('already-in-state');
      await expectNoAccount(h, act, other);
    },
  },
];
