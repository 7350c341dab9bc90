import { z } from 'zod';
import { dnKey, isDn } from './dn';
import { MANAGED_ATTRIBUTES } from './entry';

/** A distinguished name in RFC 4514 string form. */
const Dn = z.string().min(1).max(2048).refine(isDn, { message: 'must be an RFC 4514 distinguished name (no spaces around , and =)' });
const AttributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'must be an LDAP attribute name');

/**
 * How a leaver (or a leave of absence) is disabled in the directory. LDAP itself has no "disabled"
 * flag, so the app's owners choose what their consumers honour.
 */
export const DisableStrategy = z.discriminatedUnion('kind', [
  /** Move the entry (same RDN) under `disabledDn`; restore moves it back under `baseDn`. */
  z.strictObject({ kind: z.literal('move-to-ou'), disabledDn: Dn }),
  /**
   * Add `disabledValue` to `attribute` (e.g. `employeeType: disabled`, or `pwdAccountLockedTime:
   * 000001010000Z` with the ppolicy overlay); restore removes that value, or replaces the attribute
   * with `enabledValue` when one is given. Other values of the attribute are left alone.
   */
  z.strictObject({
    kind: z.literal('set-attribute'),
    attribute: AttributeName,
    disabledValue: z.string().min(1).max(1024),
    enabledValue: z.string().min(1).max(1024).optional(),
  }),
  /**
   * Remove the account from every group under `groupsDn`. The directory keeps no trace of this, so
   * reads report `enabled` as unknown and restore is `not-applicable`: the removed groups are in
   * the step's `before.entitlements`, and re-granting them is the workflow's compensation.
   */
  z.strictObject({ kind: z.literal('remove-from-groups') }),
]);
export type DisableStrategy = z.infer<typeof DisableStrategy>;

/** Settings of one LDAP app instance. The bind password is the secret `bindPassword`, never config. */
export const LdapConfig = z
  .strictObject({
    /** `ldap://host[:port]` or `ldaps://host[:port]`, nothing after the authority. */
    url: z.string().regex(/^ldaps?:\/\/[^/?#\s]+\/?$/i, 'must be ldap://host[:port] or ldaps://host[:port]'),
    /** Simple-bind identity the connector acts as. */
    bindDn: Dn,
    /** Where people entries are created and searched (subtree), e.g. `ou=people,dc=example,dc=org`. */
    baseDn: Dn,
    /** Container of the groupOfNames entries that entitlements name (one level below it). */
    groupsDn: Dn,
    /** Naming attribute of new people entries. `employeeNumber` never collides; `cn` follows renames. */
    rdnAttribute: z.enum(['uid', 'cn', 'employeeNumber']).default('uid'),
    disable: DisableStrategy,
    /**
     * What happens when a joiner's uid (or RDN) is taken by someone with another employeeNumber:
     * `conflict` fails the step (non-retryable) for a human to decide; `suffix-employee-number` gives
     * the joiner `<uid>-<employeeId>` (before any `@`) and, for a taken RDN, the multi-valued RDN
     * `<rdn>+employeeNumber=<person key>`. Both are deterministic: the same directory gives the same answer.
     */
    onUidCollision: z.enum(['conflict', 'suffix-employee-number']).default('conflict'),
    /**
     * Member written into a groupOfNames when its last real member is revoked, because the schema
     * requires at least one `member` (RFC 4519 §3.5). Default: the group's own DN.
     */
    placeholderMember: Dn.optional(),
    /** Per-operation time limit; on expiry the connection is dropped and the step retried. */
    timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
    connectTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  })
  .superRefine((config, ctx) => {
    const disable = config.disable;
    if (disable.kind === 'move-to-ou' && isDn(disable.disabledDn) && isDn(config.baseDn) && dnKey(disable.disabledDn) === dnKey(config.baseDn)) {
      ctx.addIssue({ code: 'custom', path: ['disable', 'disabledDn'], message: 'must differ from baseDn' });
    }
    if (disable.kind === 'set-attribute') {
      const name = disable.attribute.toLowerCase();
      const reserved = [...MANAGED_ATTRIBUTES, 'sshPublicKey', 'objectClass', 'member'].map((a) => a.toLowerCase());
      if (reserved.includes(name)) {
        ctx.addIssue({ code: 'custom', path: ['disable', 'attribute'], message: `'${disable.attribute}' is managed by the connector; pick another attribute` });
      }
    }
  });
export type LdapConfig = z.infer<typeof LdapConfig>;

/** Secret names an instance must reference. */
export const LDAP_SECRETS = ['bindPassword'] as const;
