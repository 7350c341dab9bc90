import { employeeIdOf } from '../../schemas/jml-event.v1';
import { ConnectorError } from '../sdk';
import type { LdapConfig } from './config';
import type { Directory } from './directory';
import { peopleWithUid, type PersonEntry } from './people';

/**
 * uid uniqueness and the `onUidCollision` rule. slapd does not enforce unique uids (that takes the
 * `unique` overlay), yet logins need them, so the connector checks before it writes.
 */

/**
 * `ana-4102` for `ana`, `ana-4102@example.org` for `ana@example.org`, given the anchor
 * `workday:acme:4102`: the suffix is the employee id alone, since a login cannot carry the key's
 * colons gracefully. Deterministic by construction. People of different tenants may share an
 * employee id: a third person wanting `ana` with id 4102 finds `ana-4102` taken too, which is a
 * `conflict` (see {@link resolveUid}).
 */
export function suffixedUid(uid: string, anchor: string): string {
  const id = employeeIdOf(anchor);
  const at = uid.lastIndexOf('@');
  return at < 0 ? `${uid}-${id}` : `${uid.slice(0, at)}-${id}${uid.slice(at)}`;
}

function collision(what: string, personKey: string): ConnectorError {
  return new ConnectorError({
    code: 'conflict',
    message: `${what} is taken by another person's entry; change the policy's userName or set onUidCollision`,
    context: { personKey },
  });
}

/**
 * The uid `self` (or a new entry, when `self` is undefined) may use: `wanted` when no other entry
 * has it, else (suffix mode) the suffixed uid when that one is free.
 *
 * @throws ConnectorError `conflict` when the uid is taken and cannot be resolved.
 */
export async function resolveUid(
  dir: Directory,
  config: LdapConfig,
  req: { wanted: string; employeeNumber: string; personKey: string; self?: PersonEntry },
): Promise<string> {
  const others = async (uid: string) => (await peopleWithUid(dir, config, uid)).filter((p) => p.uuid !== req.self?.uuid);
  if ((await others(req.wanted)).length === 0) return req.wanted;
  if (config.onUidCollision === 'conflict') throw collision('uid', req.personKey);
  const suffixed = suffixedUid(req.wanted, req.employeeNumber);
  if ((await others(suffixed)).length === 0) return suffixed;
  throw collision('suffixed uid', req.personKey);
}

/**
 * A new entry's DN is taken by another person: allowed to retry with `+employeeNumber=<n>` in the
 * RDN only in suffix mode.
 *
 * @throws ConnectorError `conflict` in conflict mode.
 */
export function assertRdnMayBeDisambiguated(config: LdapConfig, personKey: string): void {
  if (config.onUidCollision === 'conflict') throw collision('DN', personKey);
}
