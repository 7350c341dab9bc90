import { ConnectorError, type OperationResult } from '../sdk';
import type { LdapConfig } from './config';
import { valuesOf, type Directory } from './directory';
import { firstRdn, formatRdn } from './dn';
import { isLdapResult } from './errors';
import { equals } from './filter';
import { groupsOf, removeMember } from './groups';
import type { PersonEntry } from './people';

/**
 * The three disable strategies (see DisableStrategy in config.ts). Each suspend/restore is
 * "ensure this state": a repeat reports `already-in-state`, and `before` describes what changed.
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
      if (person.inDisabledOu) return { outcome: 'already-in-state', externalRef: person.dn };
      return move(dir, person, d.disabledDn);
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
      if (!person.inDisabledOu) return { outcome: 'already-in-state', externalRef: person.dn };
      return move(dir, person, config.baseDn);
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

/** Moves an entry, same RDN, under `newParent`; returns the new DN as the server spells it. */
async function move(dir: Directory, person: PersonEntry, newParent: string): Promise<OperationResult> {
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
  return { outcome: 'applied', externalRef: moved?.dn ?? person.dn, before: { dn: person.dn } };
}
