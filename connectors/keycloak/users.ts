import { adoptionRefused, ConnectorError } from '../sdk/errors';
import type { AccountRef, CreateAccountRequest, OperationResult, ReadAccountResult, ReleaseAccountRequest, UpdateAccountRequest } from '../sdk/types';
import { entitlementsOf } from './access';
import { anchorOf, getUser, locate, usersWithUsername, type Located } from './locate';
import { accountValues, changedNames, desiredValues, withValues } from './mapping';
import type { KeycloakUser } from './schema';
import type { KeycloakSession } from './session';

/**
 * joiner: finds the person's user (by ref, then anchor) or adopts a hand-made one holding the
 * username (with `adoptBy: username`, unless the request says `adopt: false`), else creates it
 * with our anchor attribute. A 409 (username or email taken) is looked up again: a user that
 * meanwhile got our anchor (a concurrent attempt) is ours; any other holder is a `conflict`.
 */
export async function createUser(s: KeycloakSession, req: CreateAccountRequest): Promise<OperationResult> {
  const { ctx } = s;
  const desired = desiredValues({ config: ctx.config, appId: ctx.appId, person: req.person, attributes: req.attributes, for: 'create' });
  const username = desired.username as string;
  const existing = (await locate(s, req.account)) ?? (await adoptable(s, req, username));
  if (existing) return adopt(s, existing, req);

  const user = withValues(ctx.config, { enabled: req.enabled, attributes: { [ctx.config.anchorAttribute]: [req.account.personKey] } }, desired);
  const res = await s.request({ method: 'POST', path: 'users', body: user, accept: [409] });
  if (res.status === 409) {
    const holder = (await locate(s, req.account)) ?? (await adoptable(s, req, username));
    if (holder) return adopt(s, holder, req);
    throw new ConnectorError({
      code: 'conflict',
      status: 409,
      message: `app '${ctx.appId}': Keycloak refused the user as a duplicate (its username or email is held by another user)`,
      context: { appId: ctx.appId },
    });
  }
  // 201 Created: Location is …/users/{id}.
  const id = res.headers.get('location')?.split('/').pop();
  // Retrying is safe: the next attempt finds the user by its anchor.
  if (!id) throw new ConnectorError({ code: 'transient', message: `app '${ctx.appId}': Keycloak created a user but sent no Location` });
  ctx.log.info({ appId: ctx.appId, externalRef: id }, 'keycloak: user created');
  return { outcome: 'applied', externalRef: id };
}

/**
 * The hand-made user holding `username` that a create may claim: one without an anchor (a user
 * carrying another person's anchor is a `conflict`). Undefined when adopting by username is off
 * or nobody holds it.
 */
async function adoptable(s: KeycloakSession, req: CreateAccountRequest, username: string): Promise<Located | undefined> {
  if (s.ctx.config.adoptBy !== 'username') return undefined;
  const [match] = await usersWithUsername(s, username);
  if (!match) return undefined;
  const anchor = anchorOf(s, match.user);
  if (anchor !== undefined && anchor !== req.account.personKey) {
    throw new ConnectorError({
      code: 'conflict',
      message: `app '${s.ctx.appId}': the username is held by another person's user (${match.id}); refusing to adopt or overwrite it`,
      context: { appId: s.ctx.appId, holder: match.id },
    });
  }
  return match;
}

/**
 * A user already ours is `already-in-state` (with its creation time, so that a retry whose first
 * answer was lost tells a user it created from one it adopted). A user without our anchor is
 * claimed by writing the anchor and nothing else: `adopted`, `before: { anchor: null }`.
 */
async function adopt(s: KeycloakSession, found: Located, req: CreateAccountRequest): Promise<OperationResult> {
  if (anchorOf(s, found.user) === req.account.personKey) return { outcome: 'already-in-state', externalRef: found.id, ...createdAt(found.user) };
  if (req.adopt === false) throw adoptionRefused(s.ctx.appId);
  const anchor = s.ctx.config.anchorAttribute;
  await putUser(s, found.id, profileOf({ ...found.user, attributes: { ...(found.user.attributes ?? {}), [anchor]: [req.account.personKey] } }));
  s.ctx.log.info({ appId: s.ctx.appId, externalRef: found.id }, 'keycloak: existing user adopted');
  const before: AdoptionBefore = { anchor: null };
  return { outcome: 'adopted', externalRef: found.id, before };
}

/** What an adoption changed: the anchor the user held before (always none: only anchorless users are adopted). */
export interface AdoptionBefore {
  anchor: null;
}

/**
 * The inverse of an adoption: removes our anchor attribute and changes nothing else; never deletes.
 * `already-in-state` when the user no longer carries our anchor, `not-applicable` when it is gone.
 */
export async function releaseUser(s: KeycloakSession, req: ReleaseAccountRequest): Promise<OperationResult> {
  if (req.before !== undefined && (req.before as { anchor?: unknown } | null)?.anchor !== null) {
    throw new ConnectorError({ code: 'invalid-request', message: `app '${s.ctx.appId}': releaseAccount needs the \`before\` of the adopting createAccount ({ anchor: null })` });
  }
  const found = req.account.externalRef ? await getUser(s, req.account.externalRef) : await locate(s, req.account);
  if (!found) return { outcome: 'not-applicable' };
  if (anchorOf(s, found.user) !== req.account.personKey) return { outcome: 'already-in-state', externalRef: found.id };
  const attributes = { ...(found.user.attributes ?? {}) };
  delete attributes[s.ctx.config.anchorAttribute];
  await putUser(s, found.id, profileOf({ ...found.user, attributes }));
  s.ctx.log.info({ appId: s.ctx.appId, externalRef: found.id }, 'keycloak: adopted user released');
  return { outcome: 'applied', externalRef: found.id, before: { anchor: req.account.personKey } };
}

/** mover: writes only when a managed value differs; `before` holds every managed value as it was. */
export async function updateUser(s: KeycloakSession, req: UpdateAccountRequest): Promise<OperationResult> {
  const found = await locate(s, req.account);
  if (!found) return { outcome: 'not-applicable' };
  const desired = desiredValues({ config: s.ctx.config, appId: s.ctx.appId, person: req.person, attributes: req.attributes, for: 'update' });
  if (changedNames(s.ctx.config, found.user, desired).length === 0) return { outcome: 'already-in-state', externalRef: found.id };
  const before = accountValues(s.ctx.config, found.user);
  await putUser(s, found.id, profileOf(withValues(s.ctx.config, found.user, desired)));
  return { outcome: 'applied', externalRef: found.id, before };
}

/**
 * leaver / restore: the user's `enabled`. Keycloak refuses logins and token refreshes of a disabled
 * user at once; its open sessions are ended by `revokeSessions` (the leaver's next step).
 */
export async function setEnabled(s: KeycloakSession, account: AccountRef, enabled: boolean): Promise<OperationResult> {
  const found = await locate(s, account);
  if (!found) return { outcome: 'not-applicable' };
  if ((found.user.enabled ?? true) === enabled) return { outcome: 'already-in-state', externalRef: found.id };
  // `enabled` alone: a PUT without `attributes` leaves the profile (names, email, attributes) as it is.
  await putUser(s, found.id, { enabled });
  return { outcome: 'applied', externalRef: found.id, before: { enabled: !enabled } };
}

/**
 * DELETE /users/{id}; 404 means already gone. Keycloak deletes the user's credentials (passwords,
 * OTP, WebAuthn keys), sessions, consents, group and role memberships with it.
 */
export async function deleteUser(s: KeycloakSession, account: AccountRef): Promise<OperationResult> {
  const found = await locate(s, account);
  if (!found) return { outcome: 'already-in-state' };
  const before = { attributes: accountValues(s.ctx.config, found.user), enabled: found.user.enabled !== false };
  const res = await s.request({ method: 'DELETE', path: `users/${encodeURIComponent(found.id)}`, accept: [404] });
  if (res.status === 404) return { outcome: 'already-in-state' };
  s.ctx.log.info({ appId: s.ctx.appId, externalRef: found.id }, 'keycloak: user deleted');
  return { outcome: 'applied', externalRef: found.id, before };
}

/** What the realm holds for the person, in the connector's vocabulary. */
export async function readUser(s: KeycloakSession, account: AccountRef): Promise<ReadAccountResult> {
  const found = await locate(s, account);
  if (!found) return { exists: false };
  return {
    exists: true,
    externalRef: found.id,
    enabled: found.user.enabled !== false,
    attributes: accountValues(s.ctx.config, found.user),
    entitlements: await entitlementsOf(s, found.id),
    ...createdAt(found.user),
  };
}

/**
 * The user-profile part of a user, as a PUT that changes attributes must send it whole: when a PUT
 * carries `attributes`, Keycloak (24+, user profile) takes it as the complete profile and clears
 * the core fields it does not find (an `attributes`-only PUT empties firstName, lastName
 * and email; checked on 26.5.6). A PUT without `attributes` leaves the profile alone.
 */
export function profileOf(user: KeycloakUser): KeycloakUser {
  const profile: KeycloakUser = { attributes: user.attributes ?? {} };
  for (const field of ['username', 'email', 'firstName', 'lastName'] as const) if (user[field] !== undefined) profile[field] = user[field];
  return profile;
}

/**
 * PUT /users/{id}. A write that changes the profile starts from a fresh read and sends it whole
 * ({@link profileOf}). Keycloak has no ETags: a change an admin makes between the read and the
 * write is overwritten for the fields the write carries.
 */
async function putUser(s: KeycloakSession, id: string, user: KeycloakUser): Promise<void> {
  const res = await s.request({ method: 'PUT', path: `users/${encodeURIComponent(id)}`, body: user, accept: [404] });
  // Gone between the read and the write: the retry converges (creates, or finds nothing to do).
  if (res.status === 404) throw new ConnectorError({ code: 'transient', message: `app '${s.ctx.appId}': user ${id} disappeared during the write; retry`, status: 404 });
}

/** The user's creation time as an ISO instant, when Keycloak gives one. */
export function createdAt(user: KeycloakUser): { createdAt?: string } {
  return typeof user.createdTimestamp === 'number' ? { createdAt: new Date(user.createdTimestamp).toISOString() } : {};
}
