import { ConnectorError } from '../sdk/errors';
import type { AccessRequest, OperationResult } from '../sdk/types';
import { eqFilter } from './filter';
import { listAll } from './list';
import { locate, type Located } from './locate';
import { PATCH_SCHEMA, type PatchOperation, type ScimGroup } from './schema';
import type { ScimSession } from './session';
import { ifMatch } from './write';

/**
 * Group membership as entitlements: an entitlement names a Group by `displayName`; granting adds the
 * user to the group's `members`, revoking removes it (RFC 7643 §4.2, RFC 7644 §3.5.2). The
 * connector does not create groups: a group the app does not know is a policy error.
 */

export interface GroupRef {
  id: string;
  displayName?: string;
}

export async function grantMembership(s: ScimSession, req: AccessRequest): Promise<OperationResult> {
  const user = await locate(s, req.account);
  if (!user) return { outcome: 'not-applicable' };
  const group = await findGroup(s, req.entitlement);
  if (!group) {
    throw new ConnectorError({ code: 'invalid-request', message: `app '${s.ctx.appId}' has no group named by entitlement '${req.entitlement}'`, context: { appId: s.ctx.appId } });
  }
  if ((await groupsOf(s, user)).some((g) => g.id === group.id)) return { outcome: 'already-in-state', externalRef: user.id };
  await changeMembers(s, group, user.id, 'add');
  return { outcome: 'applied', externalRef: user.id };
}

export async function revokeMembership(s: ScimSession, req: AccessRequest): Promise<OperationResult> {
  const user = await locate(s, req.account);
  if (!user) return { outcome: 'already-in-state' };
  const group = await findGroup(s, req.entitlement);
  if (!group || !(await groupsOf(s, user)).some((g) => g.id === group.id)) return { outcome: 'already-in-state', externalRef: user.id };
  await changeMembers(s, group, user.id, 'remove');
  return { outcome: 'applied', externalRef: user.id };
}

/** The groups a user is a member of, as the profile says the app tells it. */
export async function groupsOf(s: ScimSession, user: Located): Promise<GroupRef[]> {
  const source = s.profile.membership;
  if (source.from === 'user-groups') {
    return (user.user.groups ?? []).filter((g) => typeof g.value === 'string').map((g) => ({ id: g.value as string, displayName: g.display }));
  }
  const groups = await listAll<ScimGroup>(s, { path: 'Groups', filter: eqFilter(source.memberAttribute, user.id), attributes: 'displayName' });
  return groups.filter((g): g is ScimGroup & { id: string } => typeof g.id === 'string').map((g) => ({ id: g.id, displayName: g.displayName }));
}

/** Removes a user from every group (for apps that keep deleted users in `members`). */
export async function removeFromAllGroups(s: ScimSession, user: Located): Promise<void> {
  for (const group of await groupsOf(s, user)) await changeMembers(s, group, user.id, 'remove');
}

async function findGroup(s: ScimSession, displayName: string): Promise<GroupRef | undefined> {
  const groups = await listAll<ScimGroup>(s, { path: 'Groups', filter: eqFilter('displayName', displayName), attributes: 'displayName' });
  const matches = groups.filter((g): g is ScimGroup & { id: string } => typeof g.id === 'string');
  if (matches.length > 1) {
    throw new ConnectorError({ code: 'conflict', message: `app '${s.ctx.appId}' has ${matches.length} groups named by entitlement '${displayName}'` });
  }
  return matches[0] && { id: matches[0].id, displayName: matches[0].displayName };
}

/**
 * PATCH add/remove of one member needs no If-Match: it is not a read-modify-write, and two workers
 * changing different members of a busy group must not fail each other. Without PATCH, the group is
 * read, changed and PUT back with If-Match, retrying on 412.
 */
async function changeMembers(s: ScimSession, group: GroupRef, userId: string, op: 'add' | 'remove'): Promise<void> {
  const path = `Groups/${encodeURIComponent(group.id)}`;
  if (s.features.patch) {
    const operation: PatchOperation =
      op === 'add' ? { op: 'add', path: 'members', value: [{ value: userId }] } : { op: 'remove', path: `members[${eqFilter('value', userId)}]` };
    await s.request({ method: 'PATCH', path, body: { schemas: [PATCH_SCHEMA], Operations: [operation] } });
    return;
  }
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const current = await s.request<ScimGroup>({ method: 'GET', path });
    const body = current.body ?? {};
    const others = (body.members ?? []).filter((m) => m.value !== userId);
    const members = op === 'add' ? [...others, { value: userId }] : others;
    const { meta, ...rest } = body;
    const version = current.headers.get('etag') ?? meta?.version;
    const res = await s.request({ method: 'PUT', path, body: { ...rest, members }, headers: ifMatch(s, version), accept: [412] });
    if (res.status !== 412) return;
  }
  throw new ConnectorError({ code: 'conflict', message: `app '${s.ctx.appId}': group ${group.id} kept changing; membership change gave up` });
}
