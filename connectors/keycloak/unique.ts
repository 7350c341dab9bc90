import { ConnectorError } from '../sdk/errors';
import type { CheckUniqueRequest, CheckUniqueResult } from '../sdk/types';
import { anchorOf, type Located } from './locate';
import type { KeycloakUser } from './schema';
import type { KeycloakSession } from './session';

/** The fields Keycloak keeps unique in a realm: usernames always, emails unless the realm allows duplicates. */
const CHECKABLE = ['username', 'email'] as const;

/**
 * `unique.check`: who holds `value` as a username (or an email), by `GET /users?<field>=<value>&exact=true`.
 * Keycloak compares both in lower case, as its own 409 does, so a value in another letter case is
 * the same value. The person's own user (our anchor, or the `externalRef` a previous step returned
 * when it carries no anchor) is `this-person`; a single anchorless holder of the username is
 * `adoptable` when the instance adopts by username (the create would claim it); else `other`.
 *
 * @throws ConnectorError `invalid-request` for an attribute other than `username` and `email`.
 */
export async function checkUnique(s: KeycloakSession, req: CheckUniqueRequest): Promise<CheckUniqueResult> {
  const { ctx } = s;
  const field = CHECKABLE.find((f) => f === req.attribute);
  if (!field) {
    throw new ConnectorError({
      code: 'invalid-request',
      message: `the Keycloak connector cannot check '${req.attribute}' for uniqueness; checkable: ${CHECKABLE.join(', ')}`,
      context: { appId: ctx.appId, attribute: req.attribute },
    });
  }
  const res = await s.request<KeycloakUser[]>({ method: 'GET', path: 'users', query: { [field]: req.value, exact: 'true', briefRepresentation: 'false', max: 10 } });
  const wanted = req.value.toLowerCase();
  const holders: Located[] = (res.body ?? [])
    .filter((u): u is Located['user'] => typeof u.id === 'string' && (u[field] ?? '').toLowerCase() === wanted)
    .map((user) => ({ id: user.id, user }));
  const holder: CheckUniqueResult['holder'] =
    holders.length === 0
      ? 'none'
      : holders.some((u) => anchorOf(s, u.user) === req.account.personKey || (anchorOf(s, u.user) === undefined && u.id === req.account.externalRef))
        ? 'this-person'
        : holders.length === 1 && field === 'username' && ctx.config.adoptBy === 'username' && anchorOf(s, holders[0]?.user ?? {}) === undefined
          ? 'adoptable'
          : 'other';
  ctx.log.debug({ appId: ctx.appId, attribute: field, holder }, 'keycloak: unique value checked');
  return { holder };
}
