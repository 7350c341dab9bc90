import type { AccountStateRequest, OperationResult } from '../sdk/types';
import { locate } from './locate';
import type { KeycloakConsent, KeycloakUserSession } from './schema';
import type { KeycloakSession } from './session';

/** The `additionalGrants` key Keycloak lists for a client holding one of the user's offline tokens. */
const OFFLINE_TOKEN = 'Offline Token';

/**
 * sessions.revoke: ends every way the user is signed in.
 *
 * 1. `POST /users/{id}/logout`, the admin API's "sign out": Keycloak removes the user's (online)
 *    sessions and sets the user's not-before to now, so tokens issued earlier fail refresh and
 *    introspection. It is sent every time (repeating it is harmless, and it also revokes tokens
 *    whose session already ended).
 * 2. The logout leaves offline sessions alone (seen on 26.5.6: an offline refresh token still
 *    worked after it), so for each client that `GET /users/{id}/consents` lists with an offline
 *    token, `DELETE /users/{id}/consents/{clientId}` revokes it. That also withdraws the user's
 *    consent to that client: after a restore they are asked to consent again.
 *
 * `applied` when an online session or an offline token was there, else `already-in-state`;
 * `not-applicable` when the user is gone.
 */
export async function revokeSessions(s: KeycloakSession, req: AccountStateRequest): Promise<OperationResult> {
  const found = await locate(s, req.account);
  if (!found) return { outcome: 'not-applicable' };
  const user = `users/${encodeURIComponent(found.id)}`;
  const [online, consents] = await Promise.all([
    s.request<KeycloakUserSession[]>({ method: 'GET', path: `${user}/sessions`, accept: [404] }),
    s.request<KeycloakConsent[]>({ method: 'GET', path: `${user}/consents`, accept: [404] }),
  ]);
  if (online.status === 404 || consents.status === 404) return { outcome: 'not-applicable' };
  const res = await s.request({ method: 'POST', path: `${user}/logout`, accept: [404] });
  if (res.status === 404) return { outcome: 'not-applicable' };
  const offline = (consents.body ?? []).filter((c) => typeof c.clientId === 'string' && (c.additionalGrants ?? []).some((g) => g.key === OFFLINE_TOKEN));
  // 404: revoked meanwhile (a concurrent retry); the state is what we want.
  for (const consent of offline) await s.request({ method: 'DELETE', path: `${user}/consents/${encodeURIComponent(consent.clientId)}`, accept: [404] });
  const sessions = (online.body ?? []).length;
  s.ctx.log.info({ appId: s.ctx.appId, externalRef: found.id, sessions, offlineClients: offline.length }, 'keycloak: user signed out');
  return { outcome: sessions > 0 || offline.length > 0 ? 'applied' : 'already-in-state', externalRef: found.id };
}
