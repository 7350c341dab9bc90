import { ConnectorError } from '../sdk/errors';
import type { AccessRequest, OperationResult } from '../sdk/types';
import { locate } from './locate';
import type { KeycloakClient, KeycloakGroup, KeycloakRole, RoleMappings } from './schema';
import type { KeycloakSession } from './session';

/**
 * Entitlements are groups and roles, named by a prefix:
 * - `group:<path>`: membership of the group at `/<path>` (`group:staff`, `group:eng/backend`);
 * - `realm-role:<name>`: a direct mapping of the realm role;
 * - `client-role:<clientId>:<name>`: a direct mapping of a role of the client `<clientId>` (split at
 *   the last `:`, so client ids that are URLs work; role names cannot contain `:`).
 * The connector never creates groups or roles: one the realm does not know is `invalid-request`.
 * Only direct mappings are read and written; the realm's default role (`default-roles-<realm>`),
 * which Keycloak maps to every new user, is not reported.
 */
export type Entitlement = { kind: 'group'; path: string } | { kind: 'realm-role'; name: string } | { kind: 'client-role'; clientId: string; name: string };

/**
 * Parses an entitlement name.
 *
 * @throws ConnectorError `invalid-request` for a name of none of the three forms.
 */
export function parseEntitlement(appId: string, entitlement: string): Entitlement {
  const colon = entitlement.indexOf(':');
  const kind = colon < 0 ? '' : entitlement.slice(0, colon);
  const rest = colon < 0 ? '' : entitlement.slice(colon + 1);
  if (kind === 'group' && rest.replace(/^\/+/, '') !== '') return { kind, path: rest.replace(/^\/+/, '') };
  if (kind === 'realm-role' && rest !== '') return { kind, name: rest };
  const last = rest.lastIndexOf(':');
  if (kind === 'client-role' && last > 0 && last < rest.length - 1) return { kind, clientId: rest.slice(0, last), name: rest.slice(last + 1) };
  throw new ConnectorError({
    code: 'invalid-request',
    message: `app '${appId}': entitlement '${entitlement}' is not group:<path>, realm-role:<name> or client-role:<clientId>:<name>`,
    context: { appId },
  });
}

export async function grantAccess(s: KeycloakSession, req: AccessRequest): Promise<OperationResult> {
  const entitlement = parseEntitlement(s.ctx.appId, req.entitlement);
  const user = await locate(s, req.account);
  if (!user) return { outcome: 'not-applicable' };
  const target = await resolve(s, entitlement, req.entitlement);
  if (await holds(s, user.id, target)) return { outcome: 'already-in-state', externalRef: user.id };
  await change(s, user.id, target, 'grant');
  return { outcome: 'applied', externalRef: user.id };
}

export async function revokeAccess(s: KeycloakSession, req: AccessRequest): Promise<OperationResult> {
  const entitlement = parseEntitlement(s.ctx.appId, req.entitlement);
  const user = await locate(s, req.account);
  if (!user) return { outcome: 'already-in-state' };
  const target = await resolve(s, entitlement, req.entitlement, { missingIsNone: true });
  if (!target || !(await holds(s, user.id, target))) return { outcome: 'already-in-state', externalRef: user.id };
  await change(s, user.id, target, 'revoke');
  return { outcome: 'applied', externalRef: user.id };
}

/** The user's groups and direct role mappings as entitlement names, sorted. */
export async function entitlementsOf(s: KeycloakSession, userId: string): Promise<string[]> {
  const user = encodeURIComponent(userId);
  const [groups, roles] = await Promise.all([
    s.request<KeycloakGroup[]>({ method: 'GET', path: `users/${user}/groups`, query: { briefRepresentation: 'true' } }),
    s.request<RoleMappings>({ method: 'GET', path: `users/${user}/role-mappings` }),
  ]);
  const defaultRole = `default-roles-${s.ctx.config.realm}`.toLowerCase();
  const names = [
    ...(groups.body ?? []).map((g) => `group:${(g.path ?? g.name ?? g.id).replace(/^\/+/, '')}`),
    ...(roles.body?.realmMappings ?? []).filter((r) => r.name.toLowerCase() !== defaultRole).map((r) => `realm-role:${r.name}`),
    ...Object.entries(roles.body?.clientMappings ?? {}).flatMap(([clientId, m]) => (m.mappings ?? []).map((r) => `client-role:${m.client ?? clientId}:${r.name}`)),
  ];
  return names.sort();
}

/** An entitlement resolved to the realm's objects. */
type Target = { kind: 'group'; group: KeycloakGroup } | { kind: 'realm-role'; role: KeycloakRole } | { kind: 'client-role'; client: KeycloakClient; role: KeycloakRole };

async function resolve(s: KeycloakSession, e: Entitlement, name: string, opts?: { missingIsNone: false }): Promise<Target>;
async function resolve(s: KeycloakSession, e: Entitlement, name: string, opts: { missingIsNone: true }): Promise<Target | undefined>;
async function resolve(s: KeycloakSession, e: Entitlement, name: string, opts: { missingIsNone: boolean } = { missingIsNone: false }): Promise<Target | undefined> {
  const unknown = () => {
    if (opts.missingIsNone) return undefined;
    throw new ConnectorError({ code: 'invalid-request', message: `app '${s.ctx.appId}': the realm has no ${e.kind} named by entitlement '${name}'`, context: { appId: s.ctx.appId } });
  };
  if (e.kind === 'group') {
    const res = await s.request<KeycloakGroup>({ method: 'GET', path: `group-by-path/${e.path.split('/').map(encodeURIComponent).join('/')}`, accept: [404] });
    return res.status === 404 || !res.body?.id ? unknown() : { kind: 'group', group: res.body };
  }
  if (e.kind === 'realm-role') {
    const res = await s.request<KeycloakRole>({ method: 'GET', path: `roles/${encodeURIComponent(e.name)}`, accept: [404] });
    return res.status === 404 || !res.body?.id ? unknown() : { kind: 'realm-role', role: res.body };
  }
  const clients = await s.request<KeycloakClient[]>({ method: 'GET', path: 'clients', query: { clientId: e.clientId, search: 'false' } });
  const client = (clients.body ?? []).find((c) => c.clientId === e.clientId);
  if (!client) return unknown();
  const res = await s.request<KeycloakRole>({ method: 'GET', path: `clients/${encodeURIComponent(client.id)}/roles/${encodeURIComponent(e.name)}`, accept: [404] });
  return res.status === 404 || !res.body?.id ? unknown() : { kind: 'client-role', client, role: res.body };
}

function mappingPath(userId: string, t: Target): string {
  const user = `users/${encodeURIComponent(userId)}`;
  if (t.kind === 'group') return `${user}/groups/${encodeURIComponent(t.group.id)}`;
  if (t.kind === 'realm-role') return `${user}/role-mappings/realm`;
  return `${user}/role-mappings/clients/${encodeURIComponent(t.client.id)}`;
}

async function holds(s: KeycloakSession, userId: string, t: Target): Promise<boolean> {
  if (t.kind === 'group') {
    const res = await s.request<KeycloakGroup[]>({ method: 'GET', path: `users/${encodeURIComponent(userId)}/groups`, query: { briefRepresentation: 'true' } });
    return (res.body ?? []).some((g) => g.id === t.group.id);
  }
  const res = await s.request<KeycloakRole[]>({ method: 'GET', path: mappingPath(userId, t) });
  return (res.body ?? []).some((r) => r.id === t.role.id);
}

async function change(s: KeycloakSession, userId: string, t: Target, how: 'grant' | 'revoke'): Promise<void> {
  if (t.kind === 'group') {
    // PUT and DELETE of a membership are idempotent in Keycloak (204 either way).
    await s.request({ method: how === 'grant' ? 'PUT' : 'DELETE', path: mappingPath(userId, t) });
    return;
  }
  const role = { id: t.role.id, name: t.role.name };
  await s.request({ method: how === 'grant' ? 'POST' : 'DELETE', path: mappingPath(userId, t), body: [role] });
}
