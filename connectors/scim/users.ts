import { ConnectorError } from '../sdk/errors';
import type { AccountRef, CreateAccountRequest, OperationResult, ReadAccountResult, UpdateAccountRequest } from '../sdk/types';
import { groupsOf, removeFromAllGroups } from './groups';
import { externalIdFor, findUsers, getUser, locate, managerExternalId, type Located } from './locate';
import { accountValues, changesFor, desiredValues, newUser, patchOperations, withChanges } from './mapping';
import type { ScimErrorBody, ScimUser } from './schema';
import type { ScimSession } from './session';
import { ifMatch, patchOrPut, writeUser } from './write';

/**
 * joiner: finds the person's user (adopting one created by hand when its userName matches and it
 * belongs to no one else) or creates it (RFC 7644 §3.3). A 409 uniqueness answer means another
 * writer won a race or the app matched on something we did not filter on: look up again and adopt,
 * else report `conflict`. Adoption leaves attributes and `active` alone (update/restore steps
 * converge them) but writes our `externalId` so that later lookups are exact.
 */
export async function createUser(s: ScimSession, req: CreateAccountRequest): Promise<OperationResult> {
  const managerRef = 'manager' in req.attributes ? undefined : await resolveManager(s, req);
  const desired = desiredValues({ person: req.person, attributes: req.attributes, managerRef, for: 'create' });
  const userName = desired.userName;
  if (!userName) {
    throw new ConnectorError({ code: 'invalid-request', message: `app '${s.ctx.appId}': no userName (map one, or give the person a work email)` });
  }
  const externalId = externalIdFor(s.ctx.config, req.account.personKey);
  const existing = await locate(s, req.account, { adoptUserName: userName });
  if (existing) return adopt(s, existing, externalId);

  const res = await s.request<ScimUser & ScimErrorBody>({
    method: 'POST',
    path: 'Users',
    body: newUser({ values: desired, externalId, active: req.enabled }),
    accept: [409],
  });
  if (res.status === 409) {
    const holder = await locate(s, req.account, { adoptUserName: userName });
    if (holder) return adopt(s, holder, externalId);
    throw new ConnectorError({
      code: 'conflict',
      status: 409,
      message: `app '${s.ctx.appId}' reports a uniqueness conflict (${res.body?.scimType ?? 'no scimType'}) but no user matches our externalId or userName`,
      context: { appId: s.ctx.appId },
    });
  }
  const id = res.body?.id;
  // Retrying is safe: the next attempt finds the user by externalId and adopts it.
  if (!id) throw new ConnectorError({ code: 'transient', message: `app '${s.ctx.appId}' created a user but returned no id` });
  s.ctx.log.info({ appId: s.ctx.appId, externalRef: id }, 'scim: user created');
  return { outcome: 'applied', externalRef: id };
}

async function adopt(s: ScimSession, found: Located, externalId: string): Promise<OperationResult> {
  const claimed = await writeUser(s, found, (current) =>
    current.user.externalId === externalId
      ? undefined
      : patchOrPut(s, [{ op: 'replace', path: 'externalId', value: externalId }], () => withChanges(current.user, [], { externalId })),
  );
  if (!claimed) throw new ConnectorError({ code: 'transient', message: `app '${s.ctx.appId}': the user to adopt disappeared; retry` });
  if (claimed.wrote) s.ctx.log.info({ appId: s.ctx.appId, externalRef: found.id }, 'scim: existing user adopted');
  return { outcome: claimed.wrote ? 'applied' : 'already-in-state', externalRef: found.id };
}

/** mover: writes only the attributes that differ; `before` holds every managed attribute as it was. */
export async function updateUser(s: ScimSession, req: UpdateAccountRequest): Promise<OperationResult> {
  const found = await locate(s, req.account);
  if (!found) return { outcome: 'not-applicable' };
  const managerRef = 'manager' in req.attributes ? undefined : await resolveManager(s, req);
  const desired = desiredValues({ person: req.person, attributes: req.attributes, managerRef, for: 'update' });
  let before: ReturnType<typeof accountValues> | undefined;
  const result = await writeUser(s, found, (current) => {
    const changes = changesFor(current.user, desired);
    if (changes.length === 0) return undefined;
    before = accountValues(current.user);
    return patchOrPut(s, patchOperations(changes), () => withChanges(current.user, changes));
  });
  if (!result) return { outcome: 'not-applicable' };
  if (!result.wrote) return { outcome: 'already-in-state', externalRef: found.id };
  return { outcome: 'applied', externalRef: found.id, before };
}

/** leaver / restore: `active` (RFC 7643 §4.1.1); an absent `active` counts as true. */
export async function setActive(s: ScimSession, account: AccountRef, active: boolean): Promise<OperationResult> {
  const found = await locate(s, account);
  if (!found) return { outcome: 'not-applicable' };
  const result = await writeUser(s, found, (current) =>
    (current.user.active ?? true) === active
      ? undefined
      : patchOrPut(s, [{ op: 'replace', path: 'active', value: active }], () => withChanges(current.user, [], { active })),
  );
  if (!result) return { outcome: 'not-applicable' };
  if (!result.wrote) return { outcome: 'already-in-state', externalRef: found.id };
  return { outcome: 'applied', externalRef: found.id, before: { active: !active } };
}

/**
 * DELETE /Users/{id} (RFC 7644 §3.6); 404 means already gone. The caller checked that the profile
 * allows DELETE. Where the app only deactivates on DELETE, an inactive user counts as deleted.
 */
export async function deleteUser(s: ScimSession, account: AccountRef): Promise<OperationResult> {
  let found = await locate(s, account);
  if (!found) return { outcome: 'already-in-state' };
  if (s.profile.delete === 'deactivates' && found.user.active === false) return { outcome: 'already-in-state', externalRef: found.id };
  const before = { attributes: accountValues(found.user), enabled: found.user.active !== false };
  if (s.profile.deleteLeavesGroupMembers) await removeFromAllGroups(s, found);
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const res = await s.request({ method: 'DELETE', path: `Users/${encodeURIComponent(found.id)}`, headers: ifMatch(s, found.version), accept: [404, 412] });
    if (res.status === 404) return { outcome: 'already-in-state' };
    if (res.status !== 412) {
      s.ctx.log.info({ appId: s.ctx.appId, externalRef: found.id }, 'scim: user deleted');
      return { outcome: 'applied', externalRef: found.id, before };
    }
    const fresh: Located | undefined = await getUser(s, found.id);
    if (!fresh) return { outcome: 'already-in-state' };
    found = fresh;
  }
  throw new ConnectorError({ code: 'conflict', message: `app '${s.ctx.appId}': user ${found.id} kept changing; DELETE gave up after 3 precondition failures` });
}

/** What the app holds for the person, in the connector's attribute vocabulary. */
export async function readUser(s: ScimSession, account: AccountRef): Promise<ReadAccountResult> {
  const found = await locate(s, account);
  if (!found) return { exists: false };
  const groups = await groupsOf(s, found);
  return {
    exists: true,
    externalRef: found.id,
    enabled: found.user.active !== false,
    attributes: accountValues(found.user),
    entitlements: groups.map((g) => g.displayName ?? g.id).sort(),
  };
}

/**
 * The manager's SCIM id (enterprise `manager.value`): undefined when HR does not say or the
 * manager has no account yet (left alone), null when HR says there is none (removed).
 */
async function resolveManager(s: ScimSession, req: CreateAccountRequest | UpdateAccountRequest): Promise<string | null | undefined> {
  const managerId = req.person.managerEmployeeId;
  if (managerId === undefined || managerId === null) return managerId;
  if (!s.features.filter || !s.ctx.config.lookupBy.includes('externalId')) return undefined;
  const found = await findUsers(s, 'externalId', managerExternalId(s.ctx.config, req.account.personKey, managerId));
  return found.length === 1 ? found[0]?.id : undefined;
}
