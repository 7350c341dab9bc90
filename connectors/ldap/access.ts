import type { AccessRequest, OperationResult } from '../sdk';
import type { LdapConfig } from './config';
import type { Directory } from './directory';
import { addMember, groupDnOf, removeMember } from './groups';
import { findPerson } from './people';

/** Group entitlements: an entitlement is the cn of a groupOfNames directly under `groupsDn`. */

/** Ensures membership. No entry for the person → `not-applicable`; no such group → `invalid-request`. */
export async function grantAccess(dir: Directory, config: LdapConfig, req: AccessRequest): Promise<OperationResult> {
  const person = await findPerson(dir, config, req.account);
  if (!person) return { outcome: 'not-applicable' };
  const outcome = await addMember(dir, config, groupDnOf(config, req.entitlement), person.dn);
  return { outcome, externalRef: person.dn };
}

/** Ensures non-membership. No entry or no group → `already-in-state` (nothing grants access). */
export async function revokeAccess(dir: Directory, config: LdapConfig, req: AccessRequest): Promise<OperationResult> {
  const person = await findPerson(dir, config, req.account);
  if (!person) return { outcome: 'already-in-state' };
  const outcome = await removeMember(dir, config, groupDnOf(config, req.entitlement), person.dn);
  return { outcome, externalRef: person.dn };
}
