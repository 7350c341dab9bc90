import { ConnectorError, type OperationResult } from '../sdk';
import type { LdapConfig } from './config';
import { valuesOf, type Directory } from './directory';
import { childDn, firstRdn, formatRdn } from './dn';
import { isLdapResult } from './errors';
import { equals } from './filter';
import { groupsOf, removeMember } from './groups';
import type { PersonEntry } from './people';

/**
 * The three disable strategies (see DisableStrategy in config.ts). Each suspend/restore is
 * "ensure this state": a repeat reports `already-in-state`, and `before` describes what changed.
 * A move (move-to-ou) takes the entry's group memberships along (see {@link followMemberships}).
 */

/** Whether the account is enabled, or `undefined` when the strategy leaves no trace to tell. */
export function isEnabled(config: LdapConfig, person: PersonEntry): boolean | undefined {
  const d = config.disable;
  switch (d.kind) {
    case 'move-to-ou':
      return !person.inDisabledOu;
    case 'set-attribute':
      return !valuesOf(person.entry, d.attribute).includes(d.disabledValue);
    case 'remove-from-groups':
      return undefined;
  }
}

/** Where a new entry goes and what it carries extra, so that it is born disabled when asked. */
export function placementOnCreate(config: LdapConfig, enabled: boolean): { parentDn: string; extra: Record<string, string> } {
  const d = config.disable;
  if (enabled) return { parentDn: config.baseDn, extra: {} };
  if (d.kind === 'move-to-ou') return { parentDn: d.disabledDn, extra: {} };
  if (d.kind === 'set-attribute') return { parentDn: config.baseDn, extra: { [d.attribute]: d.disabledValue } };
  return { parentDn: config.baseDn, extra: {} }; // remove-from-groups: a new entry is in no group
}

export async function suspend(dir: Directory, config: LdapConfig, person: PersonEntry): Promise<OperationResult> {
  const d = config.disable;
  switch (d.kind) {
    case 'move-to-ou': {
      if (person.inDisabledOu) return settleMove(dir, config, person, childDn(firstRdn(person.dn), config.baseDn));
      return move(dir, config, person, d.disabledDn);
    }
    case 'set-attribute': {
      const values = valuesOf(person.entry, d.attribute);
      if (values.includes(d.disabledValue)) return { outcome: 'already-in-state', externalRef: person.dn };
      // With an enabledValue the attribute is a single state flag: replace it. Without one, add our
      // value next to any others (employeeType may say "contractor" too).
      const operation = d.enabledValue === undefined ? 'add' : 'replace';
      try {
        await dir.modify(person.dn, [{ operation, attribute: d.attribute, values: [d.disabledValue] }]);
      } catch (err) {
        // The value is there in another letter case (the attribute's matching rule says equal).
        if (isLdapResult(err, 'attributeOrValueExists')) return { outcome: 'already-in-state', externalRef: person.dn };
        throw err;
      }
      return { outcome: 'applied', externalRef: person.dn, before: { [d.attribute]: values } };
    }
    case 'remove-from-groups': {
      const groups = await groupsOf(dir, config, person.dn);
      let removed = 0;
      for (const group of groups) if ((await removeMember(dir, config, group.dn, person.dn)) === 'applied') removed += 1;
      if (removed === 0) return { outcome: 'already-in-state', externalRef: person.dn };
      return { outcome: 'applied', externalRef: person.dn, before: { entitlements: groups.map((g) => g.name) } };
    }
  }
}

export async function restore(dir: Directory, config: LdapConfig, person: PersonEntry): Promise<OperationResult> {
  const d = config.disable;
  switch (d.kind) {
    case 'move-to-ou': {
      if (!person.inDisabledOu) return settleMove(dir, config, person, childDn(firstRdn(person.dn), d.disabledDn));
      return move(dir, config, person, config.baseDn);
    }
    case 'set-attribute': {
      const values = valuesOf(person.entry, d.attribute);
      if (!values.includes(d.disabledValue)) return { outcome: 'already-in-state', externalRef: person.dn };
      try {
        await dir.modify(
          person.dn,
          d.enabledValue === undefined
            ? [{ operation: 'delete', attribute: d.attribute, values: [d.disabledValue] }]
            : [{ operation: 'replace', attribute: d.attribute, values: [d.enabledValue] }],
        );
      } catch (err) {
        if (isLdapResult(err, 'noSuchAttribute')) return { outcome: 'already-in-state', externalRef: person.dn };
        throw err;
      }
      return { outcome: 'applied', externalRef: person.dn, before: { [d.attribute]: values } };
    }
    case 'remove-from-groups':
      // Nothing in the directory marks the account disabled; the groups come back by grantAccess
      // (the suspend step's `before.entitlements`, or the policy).
      return { outcome: 'not-applicable', externalRef: person.dn };
  }
}

/**
 * An entry already where the strategy wants it: `already-in-state`, unless groups still name it
 * where it was (`formerDn`, same RDN directly under the other container), as when the step that
 * moved it ended before its memberships followed: then they follow now, and the step is `applied`.
 * An entry moved from a sub-OU of `baseDn` is not found that way; its move took them along anyway.
 */
async function settleMove(dir: Directory, config: LdapConfig, person: PersonEntry, formerDn: string): Promise<OperationResult> {
  if ((await followMemberships(dir, config, formerDn, person.dn)) === 0) return { outcome: 'already-in-state', externalRef: person.dn };
  return { outcome: 'applied', externalRef: person.dn, before: { dn: formerDn } };
}

/**
 * Makes every group under `groupsDn` that lists `fromDn` list `toDn` instead, as slapd's refint
 * overlay does on a modifyDN, for directories without it: the memberships follow the entry to the
 * disabled OU and back, so a revoke while disabled finds the member (and a restore brings back no
 * group revoked meanwhile), and reads of a disabled entry list its groups. One modify per group,
 * add then delete, so a group never lacks a member (RFC 4511 §4.6: all or nothing). Where refint
 * already did it there is nothing to do; a `fromDn` someone removed meanwhile stays removed (the
 * whole modify fails, `toDn` is not added). Returns how many groups changed.
 */
export async function followMemberships(dir: Directory, config: LdapConfig, fromDn: string, toDn: string): Promise<number> {
  let changed = 0;
  for (const group of await groupsOf(dir, config, fromDn)) {
    try {
      await dir.modify(group.dn, [
        { operation: 'add', attribute: 'member', values: [toDn] },
        { operation: 'delete', attribute: 'member', values: [fromDn] },
      ]);
      changed += 1;
    } catch (err) {
      if (isLdapResult(err, 'noSuchAttribute') || isLdapResult(err, 'noSuchObject')) continue;
      if (!isLdapResult(err, 'attributeOrValueExists')) throw err;
      // Listed under both DNs: only the stale one goes.
      try {
        await dir.modify(group.dn, [{ operation: 'delete', attribute: 'member', values: [fromDn] }]);
        changed += 1;
      } catch (again) {
        if (!isLdapResult(again, 'noSuchAttribute')) throw again;
      }
    }
  }
  return changed;
}

/** Moves an entry, same RDN, under `newParent`, memberships along; returns the new DN as the server spells it. */
async function move(dir: Directory, config: LdapConfig, person: PersonEntry, newParent: string): Promise<OperationResult> {
  try {
    // Re-escaped from parsed values: the server's spelling could confuse ldapts' RDN/superior split.
    await dir.modifyDn(person.dn, formatRdn(firstRdn(person.dn)), newParent);
  } catch (err) {
    if (isLdapResult(err, 'entryAlreadyExists')) {
      throw new ConnectorError({
        code: 'conflict',
        message: 'another entry with the same RDN already exists where the account must move',
        cause: err,
        status: 68,
      });
    }
    throw err;
  }
  const [moved] = await dir.search({ base: newParent, scope: 'sub', filter: equals('entryUUID', person.uuid), attributes: ['1.1'] });
  const newDn = moved?.dn ?? childDn(firstRdn(person.dn), newParent);
  await followMemberships(dir, config, person.dn, newDn);
  return { outcome: 'applied', externalRef: newDn, before: { dn: person.dn } };
}
