import { expect } from 'vitest';
import { handMadeHooks, type Scenario } from './scenario';

/**
 * Adopting is not creating: a create that claims an account made by hand answers `adopted` and
 * returns in `before` what it changed, and its inverse, releaseAccount, gives the account back
 * exactly as it was. Connectors that cannot adopt do not declare `account.release` and skip it.
 */
export const adoptionScenarios: readonly Scenario[] = [
  {
    id: 'adopt-release',
    title: 'adoption > a hand-made account is adopted (not created), and release gives it back exactly as it was',
    requires: ['account.create', 'account.release'],
    async run({ h, act }) {
      const handMade = handMadeHooks(h, 'adopt-release');
      const p = h.newPerson();
      const attributes = h.attributesFor({ person: p.person, variant: 'joiner' });
      const { externalRef } = await handMade.create({ person: p.person, attributes });
      const asMade = await handMade.read({ externalRef });

      const adopted = await act.create(p, { attributes });
      expect(adopted, 'a create that claims a hand-made account answers adopted, with what it changed in before').toMatchObject({ outcome: 'adopted', externalRef });
      expect(adopted.before, 'before: what release restores').toBeDefined();
      expect(await handMade.read({ externalRef }), 'the adoption wrote an anchor').not.toEqual(asMade);
      expect((await act.create(p, { attributes })).outcome, 'a repeat finds the account anchored to the person').toBe('already-in-state');

      // As the workflow compensates: the carried ref and the adoption's own `before`.
      expect((await act.release(p, adopted.before)).outcome).toBe('applied');
      expect(await handMade.read({ externalRef }), 'the account is exactly as it was made').toEqual(asMade);
      expect((await act.release(p, adopted.before)).outcome).toBe('already-in-state');
      expect(await handMade.read({ externalRef })).toEqual(asMade);
    },
  },
];
