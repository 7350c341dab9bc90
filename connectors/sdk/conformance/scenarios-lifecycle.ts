import { expect } from 'vitest';
import { definitionProblems } from '../define';
import type { ConnectorDefinition } from '../types';
import { CANARY_SECRET } from './harness';
import { credentialHooks, NOTHING_TO_DO, type Scenario } from './scenario';

/** Definition checks and the joiner / mover / leaver lifecycle, each run twice to prove idempotence. */
export const lifecycleScenarios: readonly Scenario[] = [
  {
    id: 'definition',
    title: 'definition > is valid, its config parses and every declared secret is provided',
    requires: [],
    async run({ h }) {
      expect(definitionProblems(h.connector as ConnectorDefinition)).toEqual([]);
      const parsed = h.connector.config.safeParse(h.target.config);
      expect(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
      const missing = h.connector.secrets.filter((name) => !(name in h.secrets) || name === CANARY_SECRET);
      expect(missing, 'secrets the connector declares but the target does not provide').toEqual([]);
      if (h.connector.capabilities.includes('access.grant')) expect(h.target.entitlement, 'target.entitlement for grant/revoke').toBeTruthy();
      // What the connector declares for policy load must be what the target exercises.
      const location = h.connector.locateBy?.(h.config) ?? 'person-key';
      expect(location, 'locateBy: an instance that can find no account is refused at policy load').not.toBe('none');
      expect(location === 'created-ref', `locateBy says '${location}'; target.findsAccountsOnlyByRef must say the same`).toBe(h.target.findsAccountsOnlyByRef === true);
    },
  },
  {
    id: 'joiner',
    title: 'joiner > creates the account once; the second run is already-in-state and read shows it',
    requires: ['account.create', 'account.read'],
    async run({ h, act }) {
      const p = h.newPerson();
      const attributes = h.attributesFor({ person: p.person, variant: 'joiner' });
      const first = await act.create(p, { attributes });
      expect(first.outcome).toBe('applied');
      expect(typeof first.externalRef, 'createAccount returns the app id as externalRef').toBe('string');
      const second = await act.create(p, { attributes });
      expect(second.outcome).toBe('already-in-state');
      expect(second.externalRef).toBe(first.externalRef);
      // A retry of the first create whose answer was lost carries no ref: it must find the account too.
      expect(await act.create(p, { attributes, withoutRef: true })).toMatchObject({ outcome: 'already-in-state', externalRef: first.externalRef });
      const read = await act.read(p);
      expect(read).toMatchObject({ exists: true, enabled: true, externalRef: first.externalRef });
      expect(read.attributes).toMatchObject(attributes);
    },
  },
  {
    id: 'joiner-disabled',
    title: 'joiner > created disabled (pre-start lookahead) reads as disabled',
    requires: ['account.create', 'account.read'],
    async run({ h, act }) {
      const p = h.newPerson();
      expect((await act.create(p, { enabled: false })).outcome).toBe('applied');
      expect(await act.read(p)).toMatchObject({ exists: true, enabled: false });
    },
  },
  {
    id: 'mover',
    title: 'mover > the update is visible on read; repeating it is a no-op',
    requires: ['account.create', 'account.update', 'account.read'],
    async run({ h, act }) {
      const p = h.newPerson();
      await act.create(p);
      const moved = h.attributesFor({ person: p.person, variant: 'mover' });
      expect((await act.update(p, moved)).outcome).toBe('applied');
      const read = await act.read(p);
      expect(read.attributes).toMatchObject(moved);
      expect((await act.update(p, moved)).outcome).toBe('already-in-state');
      expect(await act.read(p)).toEqual(read);
    },
  },
  {
    id: 'leaver',
    title: 'leaver > suspends once, knowing only the person key and the ref the create returned; the second run is already-in-state and the account stays',
    requires: ['account.create', 'account.suspend', 'account.read'],
    async run({ h, act }) {
      const p = h.newPerson();
      await act.create(p);
      expect((await act.suspend(p)).outcome).toBe('applied');
      expect((await act.suspend(p)).outcome).toBe('already-in-state');
      expect(await act.read(p)).toMatchObject({ exists: true, enabled: false });
    },
  },
  {
    id: 'leaver-after-out-of-band-delete',
    title: 'leaver > converges without throwing when the account was deleted out of band',
    requires: ['account.create', 'account.suspend', 'account.read'],
    async run({ h, act }) {
      const p = h.newPerson();
      await act.create(p);
      await h.target.deleteOutOfBand({ personKey: p.personKey });
      expect(NOTHING_TO_DO).toContain((await act.suspend(p)).outcome);
      expect(NOTHING_TO_DO).toContain((await act.suspend(p)).outcome);
      expect((await act.read(p)).exists).toBe(false);
      if (h.connector.capabilities.includes('account.delete')) {
        expect((await act.remove(p)).outcome).toBe('already-in-state');
      }
    },
  },
  {
    id: 'leaver-sessions',
    title: 'leaver > ends sessions after the disable, repeatably, without touching the account; nothing to end after a delete',
    requires: ['account.create', 'account.suspend', 'account.read', 'sessions.revoke'],
    async run({ h, act }) {
      const p = h.newPerson();
      await act.create(p);
      await act.suspend(p);
      const first = await act.signOut(p);
      expect(['applied', 'already-in-state']).toContain(first.outcome);
      // Ensure-state: a repeat (a retried leaver) succeeds too, however the app reports it.
      expect(['applied', 'already-in-state']).toContain((await act.signOut(p)).outcome);
      expect(await act.read(p)).toMatchObject({ exists: true, enabled: false, externalRef: act.carriedRef(p) });
      await h.target.deleteOutOfBand({ personKey: p.personKey });
      expect(NOTHING_TO_DO).toContain((await act.signOut(p)).outcome);
    },
  },
  {
    id: 'leaver-credentials',
    title: 'leaver > removes the credentials after the disable, leaving the account disabled; a repeat is already-in-state; nothing to do after a delete',
    requires: ['account.create', 'account.suspend', 'account.read', 'credentials.revoke'],
    async run({ h, act }) {
      const credentials = credentialHooks(h, 'leaver-credentials');
      const p = h.newPerson();
      const { externalRef } = await act.create(p);
      const at = { personKey: p.personKey, externalRef: act.carriedRef(p) ?? (externalRef as string) };
      await credentials.give(at);
      expect(await credentials.count(at), 'the target gave the account credentials').toBeGreaterThan(0);
      await act.suspend(p);
      expect((await act.revokeCredentials(p)).outcome).toBe('applied');
      expect(await credentials.count(at), 'credentials left after revokeCredentials').toBe(0);
      // Ensure-state: a retried leaver finds nothing left to remove.
      expect((await act.revokeCredentials(p)).outcome).toBe('already-in-state');
      expect(await act.read(p)).toMatchObject({ exists: true, enabled: false, externalRef: act.carriedRef(p) });
      await h.target.deleteOutOfBand({ personKey: p.personKey });
      expect(NOTHING_TO_DO).toContain((await act.revokeCredentials(p)).outcome);
    },
  },
];
