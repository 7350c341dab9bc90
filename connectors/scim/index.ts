import type { z } from 'zod';
import { ConnectorError, defineConnector, type ConnectorContext } from '../sdk';
import { listUsers } from './accounts-list';
import { ScimConfig, SCIM_SECRETS } from './config';
import { grantMembership, revokeMembership } from './groups';
import { attributeDrift } from './mapping';
import { PROFILES, type ScimProfile } from './profiles';
import { FeatureCache, openSession } from './session';
import { checkUnique } from './unique';
import { createUser, deleteUser, readUser, releaseUser, setActive, updateUser } from './users';

export { ScimConfig } from './config';
export { PROFILES, type ScimProfile, type ProfileId } from './profiles';

/**
 * `scim`: provisions users and group memberships in any SCIM 2.0 service provider (RFC 7643 schema,
 * RFC 7644 protocol). Every operation means "ensure this state": lookups come before writes,
 * repeats report `already-in-state`, and app quirks come from the instance's profile
 * (connectors/scim/profiles.ts). ServiceProviderConfig is read once per instance and base URL.
 */
export function createScimConnector() {
  const features = new FeatureCache();
  const session = (ctx: ConnectorContext<ScimConfig>) => openSession(ctx, features);

  return defineConnector({
    id: 'scim',
    version: '0.1.0',
    description: 'SCIM 2.0 users (core + enterprise extension) and group memberships, with per-app profiles.',
    config: ScimConfig as z.ZodType<ScimConfig>,
    secrets: SCIM_SECRETS,
    /**
     * A profile's write limit as a token bucket of five seconds' worth. It counts steps, not requests
     * (a step is a lookup plus at most a few writes) and one bucket per app, not per endpoint: stricter
     * than the app, never looser.
     */
    rateLimitFor(config) {
      const limit = (PROFILES[config.profile] as ScimProfile).writeLimit;
      return limit ? { perSecond: limit.requestsPerMinute / 60, burst: Math.max(1, Math.floor(limit.requestsPerMinute / 12)) } : undefined;
    },
    /**
     * By our externalId when `lookupBy` has it; else only by the id the create returned (a userName
     * is searched only to adopt at create, since it can change hands).
     */
    locateBy: (config) => (config.lookupBy.includes('externalId') ? 'person-key' : 'created-ref'),
    attributeDrift: (_config, req) => attributeDrift(req),
    capabilities: [
      'account.read',
      'account.create',
      'account.update',
      'account.suspend',
      'account.restore',
      'account.delete',
      'account.release',
      'access.grant',
      'access.revoke',
      'accounts.list',
      'unique.check',
    ],
    operations: {
      readAccount: async (ctx, req) => readUser(await session(ctx), req.account),
      createAccount: async (ctx, req) => createUser(await session(ctx), req),
      updateAccount: async (ctx, req) => updateUser(await session(ctx), req),
      suspendAccount: async (ctx, req) => setActive(await session(ctx), req.account, false),
      restoreAccount: async (ctx, req) => setActive(await session(ctx), req.account, true),
      async deleteAccount(ctx, req) {
        // Checked before any request: a profile that forbids DELETE never sees one.
        refuseForbiddenDelete(ctx);
        return deleteUser(await session(ctx), req.account);
      },
      releaseAccount: async (ctx, req) => releaseUser(await session(ctx), req),
      grantAccess: async (ctx, req) => grantMembership(await session(ctx), req),
      revokeAccess: async (ctx, req) => revokeMembership(await session(ctx), req),
      listAccounts: async (ctx, req) => listUsers(await session(ctx), req),
      checkUnique: async (ctx, req) => checkUnique(await session(ctx), req),
    },
  });
}

function refuseForbiddenDelete(ctx: ConnectorContext<ScimConfig>): void {
  const profile: ScimProfile = PROFILES[ctx.config.profile];
  const refused =
    profile.delete === 'forbidden'
      ? `profile '${profile.id}' forbids DELETE`
      : profile.delete === 'irreversible' && !ctx.config.allowIrreversibleDelete
        ? `DELETE is irreversible in profile '${profile.id}'; set allowIrreversibleDelete on app '${ctx.appId}' to allow it`
        : undefined;
  if (refused) throw new ConnectorError({ code: 'not-supported', message: refused, context: { appId: ctx.appId, profile: profile.id } });
}
