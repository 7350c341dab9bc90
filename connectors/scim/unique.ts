import { ConnectorError } from '../sdk/errors';
import type { CheckUniqueRequest, CheckUniqueResult } from '../sdk/types';
import { eqFilter } from './filter';
import { externalIdFor } from './locate';
import { filterPathOf, MANAGED_ATTRIBUTES } from './mapping';
import type { ListResponse, ScimUser } from './schema';
import type { ScimSession } from './session';

/**
 * How many holders one check asks for: enough to find the person's own account among a few
 * duplicates; more holders than this are `other` anyway.
 */
const HOLDERS_ASKED = 10;

/**
 * `unique.check`: who holds `value` of `attribute`, by one `<path> eq "<value>"` filter on /Users
 * (RFC 7644 §3.4.2.2; the value is a JSON string literal, so no input changes the filter). The
 * server's matching rule decides what "equal" means: a userName (caseExact false, RFC 7643 §4.1.1)
 * in another letter case is the same value, exactly as the server's own 409 would treat it.
 *
 * The person's own account is recognised by our `externalId` (or by the `externalRef` a previous
 * step returned, when the account carries no externalId). A single match with no externalId is
 * `adoptable` only for `userName` with `lookupBy` including it: that is the account `createAccount`
 * would adopt; anywhere else a create would collide with it, so it is `other`.
 *
 * @throws ConnectorError `invalid-request` for an attribute the connector does not manage (or the
 *   manager), `not-supported` when the app or its profile cannot filter on it.
 */
export async function checkUnique(s: ScimSession, req: CheckUniqueRequest): Promise<CheckUniqueResult> {
  const { ctx, profile } = s;
  const path = filterPathOf(req.attribute);
  if (path === undefined) {
    throw new ConnectorError({
      code: 'invalid-request',
      message: `the SCIM connector cannot check '${req.attribute}' for uniqueness; checkable: ${MANAGED_ATTRIBUTES.filter((a) => filterPathOf(a)).join(', ')}`,
      context: { appId: ctx.appId, attribute: req.attribute },
    });
  }
  const refused = !s.features.filter
    ? `app '${ctx.appId}' does not support filters (ServiceProviderConfig filter.supported is false)`
    : !profile.filterOperators.includes('eq')
      ? `profile '${profile.id}' does not accept 'eq' filters`
      : profile.userFilterAttributes && !profile.userFilterAttributes.includes(path)
        ? `profile '${profile.id}' filters users only on ${profile.userFilterAttributes.join(', ')}, not '${path}'`
        : undefined;
  if (refused) {
    throw new ConnectorError({ code: 'not-supported', message: `cannot check '${req.attribute}' for uniqueness: ${refused}`, context: { appId: ctx.appId, profile: profile.id } });
  }

  const res = await s.request<ListResponse<ScimUser>>({ method: 'GET', path: 'Users', query: { filter: eqFilter(path, req.value), count: HOLDERS_ASKED } });
  const holders = (res.body?.Resources ?? []).filter((u): u is ScimUser & { id: string } => typeof u.id === 'string');
  const externalId = externalIdFor(ctx.config, req.account.personKey);
  const holder: CheckUniqueResult['holder'] =
    holders.length === 0
      ? 'none'
      : holders.some((u) => u.externalId === externalId || (u.externalId === undefined && u.id === req.account.externalRef))
        ? 'this-person'
        : holders.length === 1 && holders[0]?.externalId === undefined && path === 'userName' && ctx.config.lookupBy.includes('userName')
          ? 'adoptable'
          : 'other';
  ctx.log.debug({ appId: ctx.appId, attribute: req.attribute, holder }, 'scim: unique value checked');
  return { holder };
}
