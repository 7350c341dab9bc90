import { PersonKey } from '../../schemas/jml-event.v1';
import { badCursor, mapConcurrently, pageSizeOf } from '../sdk/list';
import type { ListAccountsRequest, ListAccountsResult, ListedAccount } from '../sdk/types';
import { groupsOf } from './groups';
import { lastUsedOf } from './last-used';
import { listPage } from './list';
import { accountValues } from './mapping';
import type { ScimUser } from './schema';
import type { ScimSession } from './session';

/** Group queries of one page in flight at once, for profiles that query /Groups per user. */
const GROUP_LOOKUPS = 8;

/**
 * accounts.list: one page of /Users without a filter (RFC 7644 §3.4.2.4). The cursor is the
 * 1-based `startIndex` of the next page, as SCIM pages by position: a user created or deleted
 * during a listing shifts later positions, so a listing can skip or repeat a user then (the RFC
 * says as much); reconciliation confirms a finding with readAccount before it acts on it.
 *
 * Each user carries what readAccount reports for it: the managed attributes, `active`, and the
 * groups as the profile says the app tells them (the User's `groups`, or one filtered /Groups query
 * per user, a few at a time, for apps that leave `groups` empty). With `lastUsed`, and where the
 * instance names its `lastUsedAttribute`, when each user was last used (no extra request).
 */
export async function listUsers(s: ScimSession, req: ListAccountsRequest): Promise<ListAccountsResult> {
  const count = pageSizeOf(req);
  const startIndex = req.cursor === undefined ? 1 : startIndexOf(req.cursor);
  const page = await listPage<ScimUser>(s, { path: 'Users', startIndex, count });
  // An app that answers more than `count` is cut back to it; the rest comes with the next page.
  const resources = page.resources.slice(0, count);
  const next = resources.length < page.resources.length ? startIndex + count : page.nextStartIndex;
  const users = resources.filter((u): u is ScimUser & { id: string } => typeof u.id === 'string');
  const accounts = await mapConcurrently(users, GROUP_LOOKUPS, async (user) =>
    listedUser(s, user, (await groupsOf(s, { id: user.id, user })).map((g) => g.displayName ?? g.id)),
  );
  s.ctx.heartbeat({ listed: accounts.length, startIndex });
  return { ...withLastUse(s, req, users, accounts), ...(next !== undefined ? { nextCursor: String(next) } : {}) };
}

/**
 * The page's last use, when asked and the instance names where the app keeps it. A value that is
 * not a time makes the whole page unknown (said in `lastUsed.reason`), never "never used".
 */
function withLastUse(s: Pick<ScimSession, 'ctx'>, req: ListAccountsRequest, users: readonly ScimUser[], accounts: ListedAccount[]): Pick<ListAccountsResult, 'accounts' | 'lastUsed'> {
  const attribute = s.ctx.config.lastUsedAttribute;
  if (req.lastUsed !== true || attribute === undefined) return { accounts };
  const times = users.map((u) => lastUsedOf(u, attribute));
  if (times.includes(undefined)) return { accounts, lastUsed: { read: false, reason: `the app's ${attribute} holds a value that is not a time` } };
  return { accounts: accounts.map((a, i) => (typeof times[i] === 'string' ? { ...a, lastUsedAt: times[i] } : a)), lastUsed: { read: true } };
}

/** One listed user; exported for unit tests of the mapping. */
export function listedUser(s: Pick<ScimSession, 'ctx'>, user: ScimUser & { id: string }, entitlements: readonly string[]): ListedAccount {
  const created = Date.parse(user.meta?.created ?? '');
  return {
    externalRef: user.id,
    ...personKeyOf(s, user),
    enabled: user.active !== false,
    attributes: accountValues(user),
    entitlements: [...entitlements].sort(),
    ...(Number.isNaN(created) ? {} : { createdAt: new Date(created).toISOString() }),
  };
}

/**
 * The person a user belongs to: its `externalId` when that is a whole person key and the instance
 * writes person keys there. With `externalId: employeeId` the bare id names no source or tenant, so
 * no user is reported as any person's (reconciliation then treats them all as unmanaged).
 */
function personKeyOf(s: Pick<ScimSession, 'ctx'>, user: ScimUser): { personKey?: string } {
  if (s.ctx.config.externalId !== 'personKey') return {};
  return PersonKey.safeParse(user.externalId).success ? { personKey: user.externalId as string } : {};
}

function startIndexOf(cursor: string): number {
  const index = /^[1-9]\d{0,9}$/.test(cursor) ? Number(cursor) : Number.NaN;
  if (!Number.isSafeInteger(index)) throw badCursor();
  return index;
}
