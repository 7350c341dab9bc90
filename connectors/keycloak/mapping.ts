import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { ConnectorError } from '../sdk/errors';
import type { AppAttributes, AttributeDriftRequest } from '../sdk/types';
import { CORE_FIELDS, type CoreField, type KeycloakConfig } from './config';
import type { KeycloakUser } from './schema';

/**
 * The connector's attribute vocabulary: Keycloak's core user fields (`username`, `email`,
 * `firstName`, `lastName`) and the single-valued user attributes the instance's `attributes` names.
 * `null` means "empty": a core field set to "", an attribute removed.
 */
export type Values = Record<string, string | null>;

/** The names the instance maps, core fields first. */
export function managedNames(config: Pick<KeycloakConfig, 'attributes'>): string[] {
  return [...CORE_FIELDS, ...config.attributes];
}

/**
 * What the policy asks for, with HR filling in what it does not map: `email` from the work email,
 * `firstName` from the preferred or given name, `lastName` from the family name. The `username` is
 * chosen only at create (the policy's, else the work email); an update takes it only from the
 * policy, so a new work email never renames a user. Keycloak stores usernames in lower case, so
 * they are lowered here too and compare equal after the round trip.
 *
 * @throws ConnectorError `invalid-request` for a name outside the vocabulary, or no username at create.
 */
export function desiredValues(req: { config: Pick<KeycloakConfig, 'attributes'>; appId: string; person: PersonSnapshot; attributes: AppAttributes; for: 'create' | 'update' }): Values {
  const names = managedNames(req.config);
  const unknown = Object.keys(req.attributes).filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    throw new ConnectorError({
      code: 'invalid-request',
      message: `app '${req.appId}': the Keycloak connector does not map ${unknown.map((n) => `'${n}'`).join(', ')}; it maps ${names.join(', ')} (add user-profile attributes to the app's attributes setting)`,
      context: { appId: req.appId },
    });
  }
  const { person } = req;
  const fromHr: Partial<Record<CoreField, string | undefined>> = {
    email: person.workEmail ?? undefined,
    firstName: person.preferredName ?? person.givenName,
    lastName: person.familyName,
    ...(req.for === 'create' ? { username: person.workEmail ?? undefined } : {}),
  };
  const values: Values = {};
  for (const name of names) {
    const mapped = name in req.attributes ? valueOf(req.attributes[name]) : (fromHr[name as CoreField] ?? undefined);
    if (mapped === undefined) continue;
    values[name] = name === 'username' && mapped !== null ? mapped.toLowerCase() : mapped;
  }
  if (req.for === 'create' && !values.username) {
    throw new ConnectorError({ code: 'invalid-request', message: `app '${req.appId}': no username (map one, or give the person a work email)`, context: { appId: req.appId } });
  }
  return values;
}

function valueOf(value: AppAttributes[string] | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === '') return null;
  return String(value);
}

/** What the user holds, in the connector's vocabulary (every managed name, `null` where empty). */
export function accountValues(config: Pick<KeycloakConfig, 'attributes'>, user: KeycloakUser): Values {
  const values: Values = {};
  for (const field of CORE_FIELDS) values[field] = user[field] || null;
  for (const name of config.attributes) values[name] = user.attributes?.[name]?.[0] ?? null;
  return values;
}

/** The managed names whose desired value differs from what the user holds, sorted. */
export function changedNames(config: Pick<KeycloakConfig, 'attributes'>, user: KeycloakUser, desired: Values): string[] {
  const held = accountValues(config, user);
  return Object.keys(desired)
    .filter((name) => !sameValue(name, held[name] ?? null, desired[name] ?? null))
    .sort();
}

function sameValue(name: string, held: string | null, wanted: string | null): boolean {
  // Keycloak lowers usernames and emails itself; a difference in case alone is no change.
  if (name === 'username' || name === 'email') return (held ?? '').toLowerCase() === (wanted ?? '').toLowerCase();
  return held === wanted;
}

/** The user with `desired` applied: core fields set ("" for null), attributes replaced or removed. */
export function withValues(config: Pick<KeycloakConfig, 'attributes'>, user: KeycloakUser, desired: Values): KeycloakUser {
  const next: KeycloakUser = { ...user, attributes: { ...(user.attributes ?? {}) } };
  for (const [name, value] of Object.entries(desired)) {
    if ((CORE_FIELDS as readonly string[]).includes(name)) {
      next[name as CoreField] = value ?? '';
    } else if (config.attributes.includes(name)) {
      if (value === null) delete next.attributes?.[name];
      else (next.attributes as Record<string, string[]>)[name] = [value];
    }
  }
  return next;
}

/** {@link ConnectorDefinition.attributeDrift}: the names an update with these inputs would change. */
export function attributeDrift(config: KeycloakConfig, req: AttributeDriftRequest): string[] {
  const desired = desiredValues({ config, appId: 'drift', person: req.person, attributes: req.attributes, for: 'update' });
  return Object.keys(desired)
    .filter((name) => !sameValue(name, valueOf(req.held[name]) ?? null, desired[name] ?? null))
    .sort();
}
