import type { z } from 'zod';
import { defineConnector, type ConnectorContext } from '../sdk';
import { grantAccess, revokeAccess } from './access';
import { KeycloakConfig, KEYCLOAK_SECRETS } from './config';
import { listUsers } from './list';
import { attributeDrift } from './mapping';
import { openSession } from './session';
import { revokeCredentials } from './credentials';
import { revokeSessions } from './sessions';
import { TokenCache } from './token';
import { checkUnique } from './unique';
import { createUser, deleteUser, readUser, releaseUser, setEnabled, updateUser } from './users';

export { KeycloakConfig } from './config';

/** Injected by unit tests: the fetch every request goes through, and the token cache's clock. */
export interface KeycloakConnectorOptions {
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * `keycloak`: users of one Keycloak realm through its admin REST API, as the service account of a
 * confidential client (OAuth client credentials, token cached until shortly before expiry). Users
 * carry our anchor (the person key) in a user attribute; groups and realm/client roles are
 * entitlements; the leaver's `sessions.revoke` is the admin API's user logout, and its
 * `credentials.revoke` removes the user's password, OTP and other credentials. Every operation
 * means "ensure this state": lookups come before writes, and repeats report `already-in-state`.
 */
export function createKeycloakConnector(opts: KeycloakConnectorOptions = {}) {
  const tokens = new TokenCache(opts.now);
  const session = (ctx: ConnectorContext<KeycloakConfig>) => openSession(ctx, { tokens, ...(opts.fetch ? { fetch: opts.fetch } : {}) });

  return defineConnector({
    id: 'keycloak',
    version: '0.1.0',
    description: 'Keycloak realm users, groups and realm/client roles, with session sign-out, through the admin REST API.',
    config: KeycloakConfig as z.ZodType<KeycloakConfig>,
    secrets: KEYCLOAK_SECRETS,
    // Every step finds the user by the anchor attribute (`q=<anchor>:<person key>`).
    locateBy: () => 'person-key',
    attributeDrift,
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
      'sessions.revoke',
      'credentials.revoke',
      'accounts.list',
      'unique.check',
    ],
    operations: {
      readAccount: (ctx, req) => readUser(session(ctx), req.account),
      createAccount: (ctx, req) => createUser(session(ctx), req),
      updateAccount: (ctx, req) => updateUser(session(ctx), req),
      suspendAccount: (ctx, req) => setEnabled(session(ctx), req.account, false),
      restoreAccount: (ctx, req) => setEnabled(session(ctx), req.account, true),
      deleteAccount: (ctx, req) => deleteUser(session(ctx), req.account),
      releaseAccount: (ctx, req) => releaseUser(session(ctx), req),
      grantAccess: (ctx, req) => grantAccess(session(ctx), req),
      revokeAccess: (ctx, req) => revokeAccess(session(ctx), req),
      revokeSessions: (ctx, req) => revokeSessions(session(ctx), req),
      revokeCredentials: (ctx, req) => revokeCredentials(session(ctx), req),
      listAccounts: (ctx, req) => listUsers(session(ctx), req),
      checkUnique: (ctx, req) => checkUnique(session(ctx), req),
    },
  });
}
