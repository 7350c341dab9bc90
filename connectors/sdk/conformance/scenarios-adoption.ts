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
  {
    id: 'adopt-refused',
    title: 'adoption > a create told not to adopt (adopt: false) fails as a conflict and leaves the hand-made account exactly as it was',
    requires: ['account.create', 'account.release'],
    async run({ h, act }) {
      const handMade = handMadeHooks(h, 'adopt-refused');
      const p = h.newPerson();
      const attributes = h.attributesFor({ person: p.person, variant: 'joiner' });
      const { externalRef } = await handMade.create({ person: p.person, attributes });
      const asMade = await handMade.read({ externalRef });

      const refused = await act.create(p, { attributes, adopt: false }).then(
        () => undefined,
        (err: unknown) => err as { code?: string; message?: string },
      );
      expect(refused?.code, 'a refused adoption is a conflict, not a retryable failure').toBe('conflict');
      expect(refused?.message, 'the error says why, without the account\'s names').toMatch(/adopt/);
      expect(await handMade.read({ externalRef }), 'nothing was written to the account').toEqual(asMade);

      // Allowed again, the same create adopts it: the refusal was the flag, not the account.
      const adopted = await act.create(p, { attributes });
      expect(adopted.outcome).toBe('adopted');
      // Give it back, so the app ends as the scenario found it.
      expect((await act.release(p, adopted.before)).outcome).toBe('applied');
      expect(await handMade.read({ externalRef })).toEqual(asMade);
    },
  },
];
