import { adoptionRefused, ConnectorError } from '../sdk/errors';
import type { AccountRef, CreateAccountRequest, OperationResult, ReadAccountResult, ReleaseAccountRequest, UpdateAccountRequest } from '../sdk/types';
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
 * converge them) but writes our `externalId` so that later lookups are exact; it answers `adopted`
 * (never `applied`), so that its inverse is a release, not a DELETE.
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
  if (existing) return adopt(s, existing, externalId, req.adopt !== false);

  const res = await s.request<ScimUser & ScimErrorBody>({
    method: 'POST',
    path: 'Users',
    body: newUser({ values: desired, externalId, active: req.enabled }),
    accept: [409],
  });
  if (res.status === 409) {
    const holder = await locate(s, req.account, { adoptUserName: userName });
    if (holder) return adopt(s, holder, externalId, req.adopt !== false);
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

/**
 * Claims a user the pipeline did not create by writing our `externalId` into it: `adopted`, with
 * `before` = the externalId it held (null for none), which {@link releaseUser} puts back. A user that
 * already carries our externalId is `already-in-state`. Re-read after a 412, a user that meanwhile
 * got another person's externalId is a `conflict`, never overwritten.
 */
async function adopt(s: ScimSession, found: Located, externalId: string, allowed: boolean): Promise<OperationResult> {
  let before: AdoptionBefore = { externalId: null };
  const claimed = await writeUser(s, found, (current) => {
    const held = current.user.externalId;
    if (held === externalId) return undefined;
    // Not ours, and the caller may not claim it (a reconciliation fix without `reconcile.adopt`).
    if (!allowed) throw adoptionRefused(s.ctx.appId);
    if (held !== undefined && found.user.externalId !== held) throw claimedByOther(s, current.id);
    before = { externalId: held ?? null };
    return patchOrPut(s, [{ op: 'replace', path: 'externalId', value: externalId }], () => withChanges(current.user, [], { externalId }));
  });
  if (!claimed) throw new ConnectorError({ code: 'transient', message: `app '${s.ctx.appId}': the user to adopt disappeared; retry` });
  // Already ours: the creation time lets a retry tell a user an earlier attempt created from one it adopted.
  if (!claimed.wrote) return { outcome: 'already-in-state', externalRef: found.id, ...createdAt(found.user) };
  s.ctx.log.info({ appId: s.ctx.appId, externalRef: found.id }, 'scim: existing user adopted');
  return { outcome: 'adopted', externalRef: found.id, before };
}

/** The user's `meta.created` as an ISO instant, when the app gives a parseable one. */
function createdAt(user: ScimUser): { createdAt?: string } {
  const at = Date.parse(user.meta?.created ?? '');
  return Number.isNaN(at) ? {} : { createdAt: new Date(at).toISOString() };
}

/** What an adoption changed: the user's `externalId` before we wrote ours (null: it had none). */
export interface AdoptionBefore {
  externalId: string | null;
}

function claimedByOther(s: ScimSession, id: string): ConnectorError {
  return new ConnectorError({
    code: 'conflict',
    message: `app '${s.ctx.appId}': user ${id} was claimed for another person meanwhile; refusing to overwrite its externalId`,
    context: { appId: s.ctx.appId, externalRef: id },
  });
}

/**
 * The inverse of an adoption: puts back the `externalId` the user held before (removing ours when it
 * had none) and changes nothing else; never deletes. Found by the carried `externalRef` (else by our
 * externalId). `already-in-state` when the user no longer carries our externalId (released before,
 * or claimed since by someone else: left alone); `not-applicable` when no user is found.
 *
 * @throws ConnectorError `invalid-request` when `before` is not what an adoption returned.
 */
export async function releaseUser(s: ScimSession, req: ReleaseAccountRequest): Promise<OperationResult> {
  const restore = adoptionBefore(s, req.before);
  const externalId = externalIdFor(s.ctx.config, req.account.personKey);
  const found = req.account.externalRef ? await getUser(s, req.account.externalRef) : await locate(s, req.account);
  if (!found) return { outcome: 'not-applicable' };
  const released = await writeUser(s, found, (current) => {
    if (current.user.externalId !== externalId) return undefined;
    if (restore.externalId === null) {
      return patchOrPut(s, [{ op: 'remove', path: 'externalId' }], () => {
        const user = withChanges(current.user, []);
        delete user.externalId;
        return user;
      });
    }
    return patchOrPut(s, [{ op: 'replace', path: 'externalId', value: restore.externalId }], () => withChanges(current.user, [], { externalId: restore.externalId as string }));
  });
  if (!released) return { outcome: 'not-applicable' };
  if (!released.wrote) return { outcome: 'already-in-state', externalRef: found.id };
  s.ctx.log.info({ appId: s.ctx.appId, externalRef: found.id }, 'scim: adopted user released');
  return { outcome: 'applied', externalRef: found.id, before: { externalId } };
}

function adoptionBefore(s: ScimSession, before: unknown): AdoptionBefore {
  // The adoption's answer was lost: only ours to take out (adoption claims users without an externalId).
  if (before === undefined) return { externalId: null };
  const value = (before as { externalId?: unknown } | undefined)?.externalId;
  if (typeof before === 'object' && before !== null && (value === null || typeof value === 'string')) return { externalId: value };
  throw new ConnectorError({
    code: 'invalid-request',
    message: `app '${s.ctx.appId}': releaseAccount needs the \`before\` of the adopting createAccount ({ externalId: string | null })`,
    context: { appId: s.ctx.appId },
  });
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
    ...createdAt(found.user),
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
