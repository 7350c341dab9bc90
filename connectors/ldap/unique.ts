import { ConnectorError, type CheckUniqueRequest, type CheckUniqueResult } from '../sdk';
import type { LdapConfig } from './config';
import type { Directory } from './directory';
import { anchorOf, type ManagedAttribute } from './entry';
import { equals } from './filter';
import { findPerson, searchPeople } from './people';

/**
 * Attributes whose uniqueness can be checked, by the names a policy may use (the same LDAP and
 * generic names `desiredEntry` accepts). `employeeNumber` is not among them: it is the anchor,
 * unique by construction.
 */
const CHECKABLE: Readonly<Record<string, Exclude<ManagedAttribute, 'employeeNumber'>>> = Object.freeze({
  uid: 'uid',
  userName: 'uid',
  cn: 'cn',
  sn: 'sn',
  familyName: 'sn',
  givenName: 'givenName',
  displayName: 'displayName',
  mail: 'mail',
  email: 'mail',
  title: 'title',
  departmentNumber: 'departmentNumber',
  department: 'departmentNumber',
});

/**
 * `unique.check`: who holds `value` of `attribute`, by one equality search `(attr=<value>)` whose
 * value is escaped per RFC 4515 §3, in the same places people are searched for everything else
 * (`baseDn`, and `disabledDn` with move-to-ou). The server's equality rule decides what "equal"
 * means: uid's caseIgnoreMatch makes `JSmith` the same value as `jsmith`, as it is for logins.
 *
 * The person's own entry is the one carrying their anchor (employeeNumber), or the entry at
 * `externalRef` without one, exactly as `findPerson` finds it. One entry with the uid and no
 * anchor is `adoptable`: `createAccount` would adopt it rather than collide.
 *
 * @throws ConnectorError `invalid-request` for an attribute the connector does not manage.
 */
export async function checkUnique(dir: Directory, config: LdapConfig, req: CheckUniqueRequest): Promise<CheckUniqueResult> {
  const attribute = Object.hasOwn(CHECKABLE, req.attribute) ? CHECKABLE[req.attribute] : undefined;
  if (attribute === undefined) {
    throw new ConnectorError({
      code: 'invalid-request',
      message: `the LDAP connector cannot check '${req.attribute}' for uniqueness; checkable: ${Object.keys(CHECKABLE).join(', ')}`,
      context: { attribute: req.attribute },
    });
  }
  const holders = await searchPeople(dir, config, equals(attribute, req.value));
  if (holders.length === 0) return { holder: 'none' };
  const anchor = anchorOf(req.account.personKey);
  if (holders.some((p) => p.current.employeeNumber.includes(anchor))) return { holder: 'this-person' };
  if (req.account.externalRef !== undefined) {
    const own = await findPerson(dir, config, req.account);
    if (own && holders.some((p) => p.uuid === own.uuid)) return { holder: 'this-person' };
  }
  const [only] = holders;
  const adoptable = attribute === 'uid' && holders.length === 1 && only !== undefined && only.current.employeeNumber.length === 0;
  return { holder: adoptable ? 'adoptable' : 'other' };
}
