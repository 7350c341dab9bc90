import { ConnectorError } from '../sdk';
import type { LdapConfig } from './config';
import type { Directory } from './directory';
import { childDn, firstRdn } from './dn';
import { isLdapResult } from './errors';
import { and, equals } from './filter';

/**
 * groupOfNames membership (RFC 4519 §3.5: `member` is MUST, so a group always has one member).
 * An entitlement names a group directly under `groupsDn` by its cn: `team:eng` is
 * `cn=team:eng,<groupsDn>`. Membership changes are single LDAP modify operations, which the server
 * applies atomically (RFC 4511 §4.6), and "already a member" / "not a member" come back as result
 * codes: no read-modify-write race with other writers.
 *
 * Last member: removing it would violate the schema, so the same modify puts the placeholder
 * member in (config `placeholderMember`, default the group's own DN). A later grant removes the
 * placeholder again (and the group's own DN in any case). Groups are never deleted: they belong to
 * whoever created them, and deleting one would lose its ACL references and other attributes.
 */

export interface Group {
  dn: string;
  /** The entitlement name: the value of the group's RDN. */
  name: string;
}

export function groupDnOf(config: LdapConfig, entitlement: string): string {
  return childDn([{ type: 'cn', value: entitlement }], config.groupsDn);
}

function placeholderFor(config: LdapConfig, groupDn: string): string {
  return config.placeholderMember ?? groupDn;
}

/** The groups under `groupsDn` (one level) that list `memberDn`, matched by the server's distinguishedNameMatch. */
export async function groupsOf(dir: Directory, config: LdapConfig, memberDn: string): Promise<Group[]> {
  const entries = await dir.search({
    base: config.groupsDn,
    scope: 'one',
    filter: and(equals('objectClass', 'groupOfNames'), equals('member', memberDn)),
    attributes: ['1.1'],
  });
  return entries.map((e) => ({ dn: e.dn, name: firstRdn(e.dn)[0]?.value ?? e.dn })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Ensures `memberDn` is a member of `groupDn`, then drops placeholders if any are there.
 *
 * @throws ConnectorError `invalid-request` when the group does not exist (the policy names a group
 *   nobody created; creating it here would hide the mistake).
 */
export async function addMember(dir: Directory, config: LdapConfig, groupDn: string, memberDn: string): Promise<'applied' | 'already-in-state'> {
  let outcome: 'applied' | 'already-in-state' = 'applied';
  try {
    await dir.modify(groupDn, [{ operation: 'add', attribute: 'member', values: [memberDn] }]);
  } catch (err) {
    if (isLdapResult(err, 'attributeOrValueExists')) outcome = 'already-in-state';
    else if (isLdapResult(err, 'noSuchObject')) {
      throw new ConnectorError({ code: 'invalid-request', message: 'LDAP group for the entitlement does not exist', cause: err, status: 32 });
    } else throw err;
  }
  // Drop placeholders: the configured one and the group's own DN (the default, and how groups are
  // often seeded; a group is never meaningfully its own member). One modify each, because deleting
  // an absent value fails the whole modify (RFC 4511 §4.6).
  for (const placeholder of new Set([placeholderFor(config, groupDn), groupDn])) {
    if (placeholder === memberDn) continue;
    try {
      await dir.modify(groupDn, [{ operation: 'delete', attribute: 'member', values: [placeholder] }]);
    } catch (err) {
      if (!isLdapResult(err, 'noSuchAttribute')) throw err; // no placeholder: the usual case
    }
  }
  return outcome;
}

/** Ensures `memberDn` is not a member of `groupDn`; a missing group counts as "not a member". */
export async function removeMember(dir: Directory, config: LdapConfig, groupDn: string, memberDn: string): Promise<'applied' | 'already-in-state'> {
  try {
    await dir.modify(groupDn, [{ operation: 'delete', attribute: 'member', values: [memberDn] }]);
    return 'applied';
  } catch (err) {
    if (isLdapResult(err, 'noSuchAttribute') || isLdapResult(err, 'noSuchObject')) return 'already-in-state';
    if (!isLastMemberViolation(err)) throw err;
  }
  try {
    await dir.modify(groupDn, [
      { operation: 'delete', attribute: 'member', values: [memberDn] },
      { operation: 'add', attribute: 'member', values: [placeholderFor(config, groupDn)] },
    ]);
    return 'applied';
  } catch (err) {
    // Someone else removed the member in between: the state we want holds.
    if (isLdapResult(err, 'noSuchAttribute') || isLdapResult(err, 'noSuchObject')) return 'already-in-state';
    throw err;
  }
}

/** slapd answers objectClassViolation when a modify would leave a MUST attribute without values. */
function isLastMemberViolation(err: unknown): boolean {
  return isLdapResult(err, 'objectClassViolation');
}
