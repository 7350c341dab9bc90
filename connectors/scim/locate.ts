import { colleagueKeyOf, employeeIdOf } from '../../schemas/jml-event.v1';
import { ConnectorError } from '../sdk/errors';
import type { AccountRef } from '../sdk/types';
import type { ScimConfig } from './config';
import { eqFilter } from './filter';
import type { ListResponse, ScimUser } from './schema';
import type { ScimSession } from './session';

/** A user found in the app, with the version to send in If-Match. */
export interface Located {
  id: string;
  user: ScimUser;
  version?: string;
}

/**
 * The `externalId` we write for a person and look them up by: the whole person key
 * (`workday:acme:4101`), or the bare employee id when the app is configured `externalId: employeeId`.
 */
export function externalIdFor(config: Pick<ScimConfig, 'externalId'>, personKey: string): string {
  return config.externalId === 'personKey' ? personKey : employeeIdOf(personKey);
}

/**
 * The `externalId` of a person's manager, in the same form as {@link externalIdFor}. HR names the
 * manager by a bare employee id, which means something only inside the person's own source and
 * tenant: `workday:acme:4101` with manager `4000` points at `workday:acme:4000`.
 */
export function managerExternalId(config: Pick<ScimConfig, 'externalId'>, personKey: string, managerEmployeeId: string): string {
  return config.externalId === 'personKey' ? colleagueKeyOf(personKey, managerEmployeeId) : managerEmployeeId;
}

/** GET /Users/{id}; undefined on 404 (RFC 7644 §3.4.1). */
export async function getUser(s: ScimSession, id: string): Promise<Located | undefined> {
  const res = await s.request<ScimUser>({ method: 'GET', path: `Users/${encodeURIComponent(id)}`, accept: [404] });
  if (res.status === 404 || !res.body?.id) return undefined;
  return { id: res.body.id, user: res.body, version: res.headers.get('etag') ?? res.body.meta?.version };
}

/** Users matching one `eq` filter; asks for two so that an ambiguous match is visible. */
export async function findUsers(s: ScimSession, attribute: string, value: string): Promise<Located[]> {
  const res = await s.request<ListResponse<ScimUser>>({ method: 'GET', path: 'Users', query: { filter: eqFilter(attribute, value), count: 2 } });
  return (res.body?.Resources ?? [])
    .filter((u): u is ScimUser & { id: string } => typeof u.id === 'string')
    .map((u) => ({ id: u.id, user: u, version: u.meta?.version }));
}

/**
 * Finds the person's user: by the id a previous step returned, then by `externalId`, then (only when
 * creating, with a userName to adopt) by `userName`, as `lookupBy` allows. A userName match held by
 * another person (a different externalId) is never adopted: that is a `conflict`. Throws
 * `invalid-request` when nothing allows a lookup (no externalRef and no usable filter).
 */
export async function locate(s: ScimSession, account: AccountRef, opts: { adoptUserName?: string } = {}): Promise<Located | undefined> {
  const { config } = s.ctx;
  const externalId = externalIdFor(config, account.personKey);
  if (account.externalRef) {
    const byRef = await getUser(s, account.externalRef);
    if (byRef && (byRef.user.externalId === undefined || byRef.user.externalId === externalId)) return byRef;
    if (byRef) s.ctx.log.warn({ appId: s.ctx.appId, externalRef: account.externalRef }, 'scim: externalRef now names another person; looking up again');
  }

  const byExternalId = s.features.filter && config.lookupBy.includes('externalId');
  const byUserName = s.features.filter && config.lookupBy.includes('userName') && opts.adoptUserName !== undefined;
  if (!byExternalId && !byUserName && !account.externalRef && opts.adoptUserName === undefined) {
    throw new ConnectorError({
      code: 'invalid-request',
      message: `app '${s.ctx.appId}' cannot look users up (lookupBy ${config.lookupBy.join(', ')}, filter ${s.features.filter ? 'supported' : 'unsupported'}) and no externalRef was given`,
    });
  }

  for (const attribute of config.lookupBy) {
    if (attribute === 'externalId' && byExternalId) {
      const found = await findUsers(s, 'externalId', externalId);
      if (found.length > 1) throw ambiguous(s, 'externalId');
      if (found[0]) return found[0];
    }
    if (attribute === 'userName' && byUserName) {
      const found = await findUsers(s, 'userName', opts.adoptUserName as string);
      if (found.length > 1) throw ambiguous(s, 'userName');
      const match = found[0];
      if (match && match.user.externalId !== undefined && match.user.externalId !== externalId) {
        throw new ConnectorError({
          code: 'conflict',
          message: `app '${s.ctx.appId}': the userName is held by another person's account (${match.id}); refusing to adopt or overwrite it`,
          context: { appId: s.ctx.appId, holder: match.id },
        });
      }
      if (match) return match;
    }
  }
  return undefined;
}

function ambiguous(s: ScimSession, attribute: string): ConnectorError {
  return new ConnectorError({
    code: 'conflict',
    message: `app '${s.ctx.appId}' holds more than one user with this ${attribute}; an admin must merge them`,
    context: { appId: s.ctx.appId, attribute },
  });
}
