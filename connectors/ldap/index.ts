import type { z } from 'zod';
import { ConnectorError, defineConnector, isConnectorError, type ConnectorContext } from '../sdk';
import { grantAccess, revokeAccess } from './access';
import { createAccount, deleteAccount, readAccount, releaseAccount, updateAccount } from './accounts';
import { LDAP_SECRETS, LdapConfig } from './config';
import { restore, suspend } from './disable';
import { Directory } from './directory';
import { DnSyntaxError } from './dn';
import { attributeDrift } from './drift';
import { toConnectorError } from './errors';
import { InvalidValueError } from './escape';
import { listPeople } from './list';
import { findPerson } from './people';
import { LdapSessions } from './session';
import { revokeSshKeys } from './ssh-keys';
import { checkUnique } from './unique';

export { LdapConfig, DisableStrategy } from './config';
export { escapeDnValue, escapeFilterValue } from './escape';

type Ctx = ConnectorContext<LdapConfig>;

/**
 * `ldap`: people as inetOrgPerson entries and entitlements as groupOfNames memberships in an
 * LDAPv3 directory (tested against OpenLDAP slapd); SSH public keys as the openssh-lpk schema's
 * `sshPublicKey` values, which `credentials.revoke` removes. See README.md in this folder for the
 * decisions: anchor, collisions, disable strategies, last group member.
 *
 * One factory call = one set of pooled connections; `dispose()` unbinds them.
 */
export function createLdapConnector() {
  const sessions = new LdapSessions();

  function directory(ctx: Ctx): Directory {
    const bindPassword = ctx.secrets.bindPassword;
    if (!bindPassword) {
      throw new ConnectorError({ code: 'auth', message: `app '${ctx.appId}' has no secret 'bindPassword'`, context: { appId: ctx.appId } });
    }
    const { url, bindDn, timeoutMs, connectTimeoutMs } = ctx.config;
    return new Directory(sessions, { url, bindDn, bindPassword, timeoutMs, connectTimeoutMs }, ctx.signal);
  }

  /** Runs one operation: logs its outcome (ids only, never names or DNs) and types every failure. */
  async function run<T extends { outcome?: string; exists?: boolean; holder?: string; accounts?: unknown[] }>(
    ctx: Ctx,
    operation: string,
    personKey: string | undefined,
    body: (dir: Directory) => Promise<T>,
  ): Promise<T> {
    try {
      const result = await body(directory(ctx));
      const outcome = result.outcome ?? result.holder ?? (result.accounts ? `listed ${result.accounts.length}` : result.exists ? 'exists' : 'missing');
      ctx.log.debug({ appId: ctx.appId, personKey, operation, outcome }, 'ldap operation');
      return result;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const mapped =
        err instanceof InvalidValueError || err instanceof DnSyntaxError
          ? new ConnectorError({ code: 'invalid-request', message: `LDAP ${operation}: ${err.message}`, cause: err })
          : toConnectorError(err, operation);
      if (isConnectorError(mapped)) {
        ctx.log.warn({ appId: ctx.appId, personKey, operation, code: mapped.code, status: mapped.status }, 'ldap operation failed');
      }
      throw mapped;
    }
  }

  return defineConnector({
    id: 'ldap',
    version: '0.1.0',
    description: 'LDAPv3 directory: inetOrgPerson accounts, groupOfNames entitlements (RFC 4514/4515 escaping).',
    config: LdapConfig as z.ZodType<LdapConfig>,
    secrets: LDAP_SECRETS,
    attributeDrift: (config: LdapConfig, req) => attributeDrift(config, req),
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
      'credentials.revoke',
      'accounts.list',
      'unique.check',
    ],
    operations: {
      readAccount: (ctx, req) => run(ctx, 'readAccount', req.account.personKey, (dir) => readAccount(dir, ctx.config, req)),
      createAccount: (ctx, req) => run(ctx, 'createAccount', req.account.personKey, (dir) => createAccount(dir, ctx.config, req, ctx.log, ctx.appId)),
      updateAccount: (ctx, req) => run(ctx, 'updateAccount', req.account.personKey, (dir) => updateAccount(dir, ctx.config, req)),
      suspendAccount: (ctx, req) =>
        run(ctx, 'suspendAccount', req.account.personKey, async (dir) => {
          const person = await findPerson(dir, ctx.config, req.account);
          return person ? suspend(dir, ctx.config, person) : { outcome: 'not-applicable' as const };
        }),
      restoreAccount: (ctx, req) =>
        run(ctx, 'restoreAccount', req.account.personKey, async (dir) => {
          const person = await findPerson(dir, ctx.config, req.account);
          return person ? restore(dir, ctx.config, person) : { outcome: 'not-applicable' as const };
        }),
      deleteAccount: (ctx, req) => run(ctx, 'deleteAccount', req.account.personKey, (dir) => deleteAccount(dir, ctx.config, req)),
      releaseAccount: (ctx, req) => run(ctx, 'releaseAccount', req.account.personKey, (dir) => releaseAccount(dir, ctx.config, req)),
      grantAccess: (ctx, req) => run(ctx, 'grantAccess', req.account.personKey, (dir) => grantAccess(dir, ctx.config, req)),
      revokeAccess: (ctx, req) => run(ctx, 'revokeAccess', req.account.personKey, (dir) => revokeAccess(dir, ctx.config, req)),
      revokeCredentials: (ctx, req) =>
        run(ctx, 'revokeCredentials', req.account.personKey, async (dir) => {
          const person = await findPerson(dir, ctx.config, req.account);
          return person ? revokeSshKeys(dir, person) : { outcome: 'not-applicable' as const };
        }),
      listAccounts: (ctx, req) =>
        run(ctx, 'listAccounts', undefined, async (dir) => {
          const page = await listPeople(dir, ctx.config, req);
          ctx.heartbeat({ listed: page.accounts.length });
          return page;
        }),
      checkUnique: (ctx, req) => run(ctx, 'checkUnique', req.account.personKey, (dir) => checkUnique(dir, ctx.config, req)),
    },
    async dispose() {
      await sessions.close();
    },
  });
}
