import { ConnectorError, type AttributeDriftRequest } from '../sdk';
import type { LdapConfig } from './config';
import { desiredEntry, MANAGED_ATTRIBUTES } from './entry';
import { InvalidValueError } from './escape';
import { suffixedUid } from './naming';

/**
 * The attributes updateAccount would change on an entry whose read (or listing) reports `held`
 * (the SDK's `attributeDrift`): desiredEntry against the first value of each attribute, compared
 * exactly, as diffEntry does. A uid that `onUidCollision: suffix-employee-number` suffixed is the
 * connector's own choice, not drift. Extra values of a multi-valued attribute are not seen (a read
 * does not report them).
 */
export function attributeDrift(config: Pick<LdapConfig, 'onUidCollision'>, req: AttributeDriftRequest): string[] {
  let desired: ReturnType<typeof desiredEntry>;
  try {
    desired = desiredEntry({ personKey: req.personKey, person: req.person, attributes: req.attributes });
  } catch (err) {
    if (err instanceof InvalidValueError) throw new ConnectorError({ code: 'invalid-request', message: `LDAP attributeDrift: ${err.message}`, cause: err });
    throw err;
  }
  const drift: string[] = [];
  for (const attribute of MANAGED_ATTRIBUTES) {
    if (!(attribute in desired)) continue;
    const want = desired[attribute] ?? null;
    const raw = req.held[attribute];
    const have = raw === undefined || raw === null ? null : String(raw);
    if (want === have) continue;
    if (attribute === 'uid' && want !== null && config.onUidCollision === 'suffix-employee-number' && have === suffixedUid(want, req.personKey)) continue;
    drift.push(attribute);
  }
  return drift.sort();
}
