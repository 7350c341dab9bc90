import { ConnectorError, type AttributeDriftRequest } from '../sdk';
import type { LdapConfig } from './config';
import { desiredEntry, MANAGED_ATTRIBUTES } from './entry';
import { InvalidValueError } from './escape';
import { suffixedUid } from './naming';
import { desiredSshKeys, SSH_KEY_ATTRIBUTE } from './ssh-keys';

/**
 * The attributes updateAccount would change on an entry whose read (or listing) reports `held`
 * (the SDK's `attributeDrift`): desiredEntry against the first value of each attribute, compared
 * exactly, as diffEntry does. A uid that `onUidCollision: suffix-employee-number` suffixed is the
 * connector's own choice, not drift. Extra values of a multi-valued attribute are not seen (a read
 * does not report them).
 */
export function attributeDrift(config: Pick<LdapConfig, 'onUidCollision'>, req: AttributeDriftRequest): string[] {
  let desired: ReturnType<typeof desiredEntry>;
  let keys: string[] | undefined;
  try {
    desired = desiredEntry({ personKey: req.personKey, person: req.person, attributes: req.attributes });
    keys = desiredSshKeys(req.attributes);
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
  // SSH keys compare as sets of lines (the schema's octetStringMatch on each), when the policy maps them.
  if (keys !== undefined) {
    const raw = req.held[SSH_KEY_ATTRIBUTE];
    const held = raw === undefined || raw === null ? [] : (desiredSshKeys({ [SSH_KEY_ATTRIBUTE]: raw }) ?? []);
    if (held.length !== keys.length || keys.some((k) => !held.includes(k))) drift.push(SSH_KEY_ATTRIBUTE);
  }
  return drift.sort();
}
