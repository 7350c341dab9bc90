import { ConnectorError } from '../sdk/errors';
import type { AccountRef } from '../sdk/types';
import type { KeycloakUser } from './schema';
import type { KeycloakSession } from './session';

/** A user found in the realm, with its full representation (what a write sends back). */
export interface Located {
  id: string;
  user: KeycloakUser & { id: string };
}

/** The person key a user carries in the anchor attribute, if any. */
export function anchorOf(s: Pick<KeycloakSession, 'ctx'>, user: KeycloakUser): string | undefined {
  return user.attributes?.[s.ctx.config.anchorAttribute]?.[0];
}

/** GET /users/{id}; undefined on 404. */
export async function getUser(s: KeycloakSession, id: string): Promise<Located | undefined> {
  const res = await s.request<KeycloakUser>({ method: 'GET', path: `users/${encodeURIComponent(id)}`, accept: [404] });
  if (res.status === 404 || typeof res.body?.id !== 'string') return undefined;
  return { id: res.body.id, user: res.body as Located['user'] };
}

/**
 * Users whose anchor attribute is exactly `personKey`: `GET /users?q=<attr>:<value>&exact=true`
 * (the admin API's attribute search). Keycloak matches `q` values case-insensitively, so the
 * answer is filtered again on the exact value. Asks for a few, so that duplicates are visible.
 */
export async function usersWithAnchor(s: KeycloakSession, personKey: string): Promise<Located[]> {
  const res = await s.request<KeycloakUser[]>({
    method: 'GET',
    path: 'users',
    query: { q: `${s.ctx.config.anchorAttribute}:${personKey}`, exact: 'true', briefRepresentation: 'false', max: 5 },
  });
  return located(res.body).filter((u) => anchorOf(s, u.user) === personKey);
}

/** Users whose username is exactly `username` (Keycloak usernames are lower case: at most one). */
export async function usersWithUsername(s: KeycloakSession, username: string): Promise<Located[]> {
  const res = await s.request<KeycloakUser[]>({ method: 'GET', path: 'users', query: { username, exact: 'true', briefRepresentation: 'false', max: 5 } });
  return located(res.body).filter((u) => u.user.username?.toLowerCase() === username.toLowerCase());
}

function located(body: KeycloakUser[] | undefined): Located[] {
  return (Array.isArray(body) ? body : []).filter((u): u is Located['user'] => typeof u.id === 'string').map((user) => ({ id: user.id, user }));
}

/**
 * Finds the person's user: by the id a previous step returned (when that user carries our anchor,
 * or none), then by the anchor attribute. Undefined when the realm holds none. A username is
 * searched only by createAccount, to adopt (see users.ts).
 *
 * @throws ConnectorError `conflict` when several users carry the person's anchor.
 */
export async function locate(s: KeycloakSession, account: AccountRef): Promise<Located | undefined> {
  if (account.externalRef) {
    const byRef = await getUser(s, account.externalRef);
    const anchor = byRef && anchorOf(s, byRef.user);
    if (byRef && (anchor === undefined || anchor === account.personKey)) return byRef;
    if (byRef) s.ctx.log.warn({ appId: s.ctx.appId, externalRef: account.externalRef }, 'keycloak: externalRef now names another person; looking up by anchor');
  }
  const found = await usersWithAnchor(s, account.personKey);
  if (found.length > 1) {
    throw new ConnectorError({
      code: 'conflict',
      message: `app '${s.ctx.appId}' holds ${found.length} users carrying this person's anchor; an admin must merge them`,
      context: { appId: s.ctx.appId },
    });
  }
  return found[0];
}
