import { PersonKey } from '../../schemas/jml-event.v1';
import { badCursor, mapConcurrently, pageSizeOf } from '../sdk/list';
import type { ListAccountsRequest, ListAccountsResult, ListedAccount } from '../sdk/types';
import { entitlementsOf } from './access';
import { EventsForbidden, lastLoginOf, lastLoginUnreadable } from './last-used';
import { anchorOf } from './locate';
import { accountValues } from './mapping';
import type { KeycloakUser } from './schema';
import type { KeycloakSession } from './session';
import { createdAt } from './users';

/** Per-user entitlement lookups (groups and role mappings) of one page in flight at once. */
const ENTITLEMENT_LOOKUPS = 8;

const CURSOR = /^o1\.(0|[1-9]\d{0,9})$/;

/**
 * accounts.list: `GET /users?first=&max=` in Keycloak's order (by username). The cursor is the
 * offset of the next page; one more user than the page size is asked for, so the last page has no
 * cursor. Keycloak pages by position: a user created or deleted during a listing shifts later
 * positions, so a listing can skip or repeat a user then; reconciliation confirms a finding with
 * readAccount before acting. Service-account users are not listed (the admin API leaves them out).
 * Each user carries what readAccount reports for it, groups and direct role mappings included
 * (two requests per user, eight users at a time). With `lastUsed`, each user's newest LOGIN event
 * too (one more request per user; last-used.ts), or the page says why the realm would not tell.
 */
export async function listUsers(s: KeycloakSession, req: ListAccountsRequest): Promise<ListAccountsResult> {
  const size = pageSizeOf(req);
  const first = req.cursor === undefined ? 0 : offsetOf(req.cursor);
  const res = await s.request<KeycloakUser[]>({ method: 'GET', path: 'users', query: { first, max: size + 1, briefRepresentation: 'false' } });
  const all = (res.body ?? []).filter((u): u is KeycloakUser & { id: string } => typeof u.id === 'string');
  const users = all.slice(0, size);
  const unreadable = req.lastUsed === true && users.length > 0 ? await lastLoginUnreadable(s) : undefined;
  let forbidden = false;
  const accounts = await mapConcurrently(users, ENTITLEMENT_LOOKUPS, async (user) => {
    const listed = listedUser(s, user, await entitlementsOf(s, user.id));
    if (req.lastUsed !== true || unreadable !== undefined || forbidden) return listed;
    try {
      const at = await lastLoginOf(s, user.id);
      return at === undefined ? listed : { ...listed, lastUsedAt: at };
    } catch (err) {
      if (!(err instanceof EventsForbidden)) throw err;
      forbidden = true;
      return listed;
    }
  });
  s.ctx.heartbeat({ listed: accounts.length, first });
  const reason = unreadable ?? (forbidden ? new EventsForbidden().message : undefined);
  return {
    // A page whose store refused part-way carries no last use at all: half a page must not look never used.
    accounts: reason === undefined ? accounts : accounts.map(({ lastUsedAt: _dropped, ...a }) => a),
    ...(all.length > size ? { nextCursor: `o1.${first + size}` } : {}),
    ...(req.lastUsed === true ? { lastUsed: reason === undefined ? { read: true } : { read: false, reason } } : {}),
  };
}

/** One listed user; exported for unit tests of the mapping. */
export function listedUser(s: Pick<KeycloakSession, 'ctx'>, user: KeycloakUser & { id: string }, entitlements: readonly string[]): ListedAccount {
  const anchor = anchorOf(s, user);
  return {
    externalRef: user.id,
    ...(PersonKey.safeParse(anchor).success ? { personKey: anchor as string } : {}),
    enabled: user.enabled !== false,
    attributes: accountValues(s.ctx.config, user),
    entitlements: [...entitlements].sort(),
    ...createdAt(user),
  };
}

function offsetOf(cursor: string): number {
  const match = CURSOR.exec(cursor);
  if (!match) throw badCursor();
  return Number(match[1]);
}
