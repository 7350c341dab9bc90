import { expect } from 'vitest';
import { isConnectorError } from '../errors';
import type { ListAccountsResult, ListedAccount, ReadAccountResult } from '../types';
import type { Actions } from './actions';
import { handMadeHooks, type Scenario } from './scenario';

/** More pages than this means the connector's cursor never ends. */
const MAX_PAGES = 500;

/** Every page of a listing, following `nextCursor` until it is absent. */
async function listEverything(act: Actions, pageSize: number): Promise<ListAccountsResult[]> {
  const pages: ListAccountsResult[] = [];
  let cursor: string | undefined;
  do {
    const page = await act.list({ pageSize, ...(cursor === undefined ? {} : { cursor }) });
    pages.push(page);
    cursor = page.nextCursor;
    if (pages.length > MAX_PAGES) throw new Error(`listAccounts returned a nextCursor on more than ${MAX_PAGES} pages of ${pageSize}`);
  } while (cursor !== undefined);
  return pages;
}

const everyAccount = async (act: Actions, pageSize = 100): Promise<ListedAccount[]> => (await listEverything(act, pageSize)).flatMap((p) => p.accounts);

/** What a listing and a read of the same account must agree on. */
const comparable = (a: ListedAccount | ReadAccountResult) => ({
  externalRef: a.externalRef,
  enabled: a.enabled,
  attributes: a.attributes,
  entitlements: [...(a.entitlements ?? [])].sort(),
  createdAt: a.createdAt,
});

const codeOf = (err: unknown): unknown => (isConnectorError(err) ? err.code : err);

/**
 * accounts.list, what reconciliation pages through: every account the app holds, with the person
 * key of those carrying the pipeline's anchor and nothing for the others, each exactly as
 * readAccount reports it, visited once however small the pages.
 */
export const listScenarios: readonly Scenario[] = [
  {
    id: 'accounts-list',
    title: 'accounts.list > lists each account the kit created once, with its person key, enabled state, attributes and groups, as readAccount reports them; attributeDrift sees no drift in them',
    requires: ['accounts.list', 'account.create', 'account.read'],
    async run({ h, act }) {
      const active = h.newPerson();
      const inactive = h.newPerson();
      const attributes = h.attributesFor({ person: active.person, variant: 'joiner' });
      await act.create(active, { attributes });
      await act.create(inactive, { enabled: false });
      const entitlement = h.connector.capabilities.includes('access.grant') ? h.target.entitlement : undefined;
      if (entitlement) await act.grant(active, entitlement);

      const listed = await everyAccount(act);
      const find = (personKey: string) => {
        const mine = listed.filter((a) => a.personKey === personKey);
        expect(mine, 'exactly one listed account carries the person key').toHaveLength(1);
        return mine[0] as ListedAccount;
      };
      const a = find(active.personKey);
      const i = find(inactive.personKey);
      expect(a.externalRef, 'the externalRef the steps returned').toBe(act.carriedRef(active));
      expect(i.externalRef).toBe(act.carriedRef(inactive));
      expect(a.enabled).toBe(true);
      expect(i.enabled, 'created disabled').toBe(false);
      expect(a.attributes, 'the attributes the create wrote, under the names it took them').toMatchObject(attributes);
      expect(Array.isArray(a.entitlements) && Array.isArray(i.entitlements), 'entitlements is always a list').toBe(true);
      if (entitlement) {
        expect(a.entitlements).toContain(entitlement);
        expect(i.entitlements).not.toContain(entitlement);
      }
      if (h.connector.attributeDrift) {
        const drift = (wanted: typeof attributes) =>
          h.connector.attributeDrift?.(h.config, { personKey: active.personKey, person: active.person, attributes: wanted, held: a.attributes });
        expect(drift(attributes), 'attributeDrift: none for an account just created with the attributes').toEqual([]);
        const moved = h.attributesFor({ person: active.person, variant: 'mover' });
        const changed = Object.keys(moved).filter((name) => moved[name] !== attributes[name]);
        expect(drift(moved), 'attributeDrift: exactly the attributes a mover changes').toEqual(changed.sort());
      }
      // Reconciliation compares listings with what reads and steps see: the two must agree exactly.
      expect(comparable(a)).toEqual(comparable(await act.read(active)));
      expect(comparable(i)).toEqual(comparable(await act.read(inactive)));
    },
  },
  {
    id: 'accounts-list-paging',
    title: 'accounts.list > small pages visit every account exactly once, never exceed pageSize, and a foreign cursor or page size is invalid-request',
    requires: ['accounts.list', 'account.create'],
    async run({ h, act }) {
      const people = Array.from({ length: 5 }, () => h.newPerson());
      for (const p of people) await act.create(p);

      const pages = await listEverything(act, 2);
      for (const page of pages) expect(page.accounts.length, 'a page holds at most pageSize accounts').toBeLessThanOrEqual(2);
      const refs = pages.flatMap((p) => p.accounts.map((a) => a.externalRef));
      expect(refs.length - new Set(refs).size, 'accounts listed more than once').toBe(0);
      for (const p of people) expect(refs).toContain(act.carriedRef(p));
      expect(pages.length, 'five accounts in pages of two take at least three pages').toBeGreaterThanOrEqual(3);
      const whole = (await everyAccount(act, 1000)).map((a) => a.externalRef);
      expect([...refs].sort(), 'small pages list what one large page lists').toEqual([...whole].sort());

      expect(codeOf(await act.list({ pageSize: 2, cursor: 'not-a-cursor-this-connector-made' }).catch((e: unknown) => e))).toBe('invalid-request');
      expect(codeOf(await act.list({ pageSize: 0 }).catch((e: unknown) => e))).toBe('invalid-request');
    },
  },
  {
    id: 'accounts-list-unmanaged',
    title: 'accounts.list > an account made outside the pipeline is listed without a person key, beside the pipeline’s own',
    requires: ['accounts.list', 'account.create'],
    async run({ h, act }) {
      const handMade = handMadeHooks(h, 'accounts-list-unmanaged');
      const stranger = h.newPerson();
      const member = h.newPerson();
      const { externalRef } = await handMade.create({ person: stranger.person, attributes: h.attributesFor({ person: stranger.person, variant: 'joiner' }) });
      await act.create(member);

      const listed = await everyAccount(act);
      const hand = listed.filter((a) => a.externalRef === externalRef);
      expect(hand, 'the hand-made account is listed once').toHaveLength(1);
      expect(hand[0]?.personKey, 'it carries no person key: reconciliation reports it and never touches it').toBeUndefined();
      expect(listed.filter((a) => a.personKey === stranger.personKey), 'nobody is named by a person the pipeline never provisioned').toEqual([]);
      expect(listed.find((a) => a.externalRef === act.carriedRef(member))?.personKey).toBe(member.personKey);
    },
  },
];
