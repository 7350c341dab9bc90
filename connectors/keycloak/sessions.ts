import type { AccountStateRequest, OperationResult } from '../sdk/types';
import { locate } from './locate';
import type { KeycloakUserSession } from './schema';
import type { KeycloakSession } from './session';

/**
 * sessions.revoke: `POST /users/{id}/logout`, the admin API's "sign out of all sessions". Keycloak
 * removes the user's sessions and sets the user's not-before to now, so that tokens issued earlier
 * fail introspection and refresh. It is sent every time (repeating it is harmless, and it also
 * revokes tokens whose session already ended); the outcome says whether there was an open session:
 * `applied` when `GET /users/{id}/sessions` listed one, else `already-in-state`. `not-applicable`
 * when the user is gone.
 */
export async function revokeSessions(s: KeycloakSession, req: AccountStateRequest): Promise<OperationResult> {
  const found = await locate(s, req.account);
  if (!found) return { outcome: 'not-applicable' };
  const user = `users/${encodeURIComponent(found.id)}`;
  const open = await s.request<KeycloakUserSession[]>({ method: 'GET', path: `${user}/sessions`, accept: [404] });
  if (open.status === 404) return { outcome: 'not-applicable' };
  const res = await s.request({ method: 'POST', path: `${user}/logout`, accept: [404] });
  if (res.status === 404) return { outcome: 'not-applicable' };
  const ended = (open.body ?? []).length;
  s.ctx.log.info({ appId: s.ctx.appId, externalRef: found.id, sessions: ended }, 'keycloak: user signed out');
  return { outcome: ended > 0 ? 'applied' : 'already-in-state', externalRef: found.id };
}
