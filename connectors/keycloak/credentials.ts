import type { AccountStateRequest, OperationResult } from '../sdk/types';
import { locate } from './locate';
import type { KeycloakCredential } from './schema';
import type { KeycloakSession } from './session';

/**
 * credentials.revoke: removes every credential the user holds in the realm (password, OTP
 * devices, WebAuthn keys, recovery codes), so that a disabled leaver has nothing left to sign in
 * with should the account be enabled again by mistake; a rehire sets a new password.
 *
 * `GET /users/{id}/credentials` lists them (ids and types only; Keycloak never returns the secret
 * data), then `DELETE /users/{id}/credentials/{credentialId}` removes each; a 404 there is a
 * concurrent retry that removed it first. `applied` when there was one, `already-in-state` when
 * none, `not-applicable` when the user is gone. Deleting the user (retention) removes them too.
 */
export async function revokeCredentials(s: KeycloakSession, req: AccountStateRequest): Promise<OperationResult> {
  const found = await locate(s, req.account);
  if (!found) return { outcome: 'not-applicable' };
  const user = `users/${encodeURIComponent(found.id)}`;
  const listed = await s.request<KeycloakCredential[]>({ method: 'GET', path: `${user}/credentials`, accept: [404] });
  if (listed.status === 404) return { outcome: 'not-applicable' };
  const credentials = (listed.body ?? []).filter((c) => typeof c.id === 'string');
  for (const credential of credentials) await s.request({ method: 'DELETE', path: `${user}/credentials/${encodeURIComponent(credential.id)}`, accept: [404] });
  // Types only (password, otp, …): never labels, which people name after themselves or their devices.
  s.ctx.log.info({ appId: s.ctx.appId, externalRef: found.id, removed: credentials.length, types: [...new Set(credentials.map((c) => c.type ?? 'unknown'))].sort() }, 'keycloak: credentials removed');
  return { outcome: credentials.length > 0 ? 'applied' : 'already-in-state', externalRef: found.id };
}
