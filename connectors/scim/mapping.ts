import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { ConnectorError } from '../sdk/errors';
import type { AppAttributes } from '../sdk/types';
import { ENTERPRISE_SCHEMA, USER_SCHEMA, type EnterpriseUser, type PatchOperation, type ScimUser } from './schema';

/**
 * The attribute vocabulary of the SCIM connector: the names a policy maps (AppAttributes) and
 * readAccount returns, each tied to one place in the User resource (RFC 7643 §4.1 core, §4.3
 * enterprise extension). A value of `null` means "known empty": the attribute is removed.
 */
export const MANAGED_ATTRIBUTES = [
  'userName',
  'displayName',
  'givenName',
  'familyName',
  'email',
  'title',
  'employeeNumber',
  'department',
  'costCenter',
  'division',
  'organization',
  'manager',
] as const;
export type ManagedAttribute = (typeof MANAGED_ATTRIBUTES)[number];

/** Desired values: absent keys are left as the app holds them. */
export type DesiredValues = Partial<Record<ManagedAttribute, string | null>>;
/** Every managed attribute as the app holds it. */
export type AccountValues = Record<ManagedAttribute, string | null>;

interface Field {
  /** PATCH path (RFC 7644 §3.5.2; extension attributes are prefixed with their schema URN). */
  path: string;
  get(user: ScimUser): string | undefined;
  set(user: ScimUser, value: string | null): void;
  /** RFC 7643 marks these caseExact false: a different case is not a change. */
  caseInsensitive?: boolean;
  /** PATCH value when it is not the plain string. */
  patchValue?(value: string): unknown;
  /**
   * Attribute path of an `eq` filter on this value (RFC 7644 §3.4.2.2), for uniqueness checks;
   * none where uniqueness means nothing (the manager's id).
   */
  filterPath?: string;
}

const enterprise = (user: ScimUser): EnterpriseUser => (user[ENTERPRISE_SCHEMA] ??= {});

function core(attribute: 'userName' | 'displayName' | 'title', caseInsensitive = false): Field {
  return {
    path: attribute,
    filterPath: attribute,
    caseInsensitive,
    get: (u) => u[attribute],
    set: (u, v) => {
      if (v === null) delete u[attribute];
      else u[attribute] = v;
    },
  };
}

function name(part: 'givenName' | 'familyName'): Field {
  return {
    path: `name.${part}`,
    filterPath: `name.${part}`,
    get: (u) => u.name?.[part],
    set: (u, v) => {
      if (v === null) {
        if (u.name) delete u.name[part];
      } else u.name = { ...u.name, [part]: v };
    },
  };
}

function ext(attribute: 'employeeNumber' | 'department' | 'costCenter' | 'division' | 'organization'): Field {
  return {
    path: `${ENTERPRISE_SCHEMA}:${attribute}`,
    filterPath: `${ENTERPRISE_SCHEMA}:${attribute}`,
    get: (u) => u[ENTERPRISE_SCHEMA]?.[attribute],
    set: (u, v) => {
      if (v === null) delete enterprise(u)[attribute];
      else enterprise(u)[attribute] = v;
    },
  };
}

const FIELDS: Record<ManagedAttribute, Field> = {
  userName: core('userName', true),
  displayName: core('displayName'),
  title: core('title'),
  givenName: name('givenName'),
  familyName: name('familyName'),
  // The connector owns the work email: it replaces `emails` with that one value (some apps, e.g.
  // AWS IAM Identity Center, keep only one email anyway).
  email: {
    path: 'emails',
    // The value sub-attribute of any email, primary or not: another user's secondary address counts too.
    filterPath: 'emails.value',
    caseInsensitive: true,
    get: (u) => (u.emails?.find((e) => e.primary) ?? u.emails?.find((e) => e.type === 'work') ?? u.emails?.[0])?.value,
    set: (u, v) => {
      if (v === null) delete u.emails;
      else u.emails = workEmail(v);
    },
    patchValue: (v) => workEmail(v),
  },
  employeeNumber: ext('employeeNumber'),
  department: ext('department'),
  costCenter: ext('costCenter'),
  division: ext('division'),
  organization: ext('organization'),
  // The manager's SCIM id (RFC 7643 §4.3 manager.value), resolved from the HR manager id.
  manager: {
    path: `${ENTERPRISE_SCHEMA}:manager`,
    get: (u) => u[ENTERPRISE_SCHEMA]?.manager?.value,
    set: (u, v) => {
      if (v === null) delete enterprise(u).manager;
      else enterprise(u).manager = { value: v };
    },
    patchValue: (v) => ({ value: v }),
  },
};

/** The filter path of a managed attribute, or undefined when it is not one that can be checked for uniqueness. */
export function filterPathOf(attribute: string): string | undefined {
  return Object.hasOwn(FIELDS, attribute) ? FIELDS[attribute as ManagedAttribute].filterPath : undefined;
}

function workEmail(value: string) {
  return [{ value, type: 'work', primary: true }];
}

/**
 * What the account should hold: the policy's attributes win; the person snapshot fills the rest
 * (an absent snapshot field is unknown and leaves the app's value alone). `userName` falls back to
 * the work email only `for: 'create'`: a user name is chosen once, when the account is created
 * (services/mapping resolves unique values then), and an update without one never renames.
 * Unknown attribute names are a mapping error, reported all at once.
 */
export function desiredValues(req: {
  person: PersonSnapshot;
  attributes: AppAttributes;
  managerRef?: string | null;
  for: 'create' | 'update';
}): DesiredValues {
  const unknown = Object.keys(req.attributes).filter((k) => !(MANAGED_ATTRIBUTES as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new ConnectorError({
      code: 'invalid-request',
      message: `the SCIM connector has no attribute ${unknown.map((k) => `'${k}'`).join(', ')}; known: ${MANAGED_ATTRIBUTES.join(', ')}`,
    });
  }
  const p = req.person;
  const fromPerson: DesiredValues = {
    userName: req.for === 'create' ? (p.workEmail ?? undefined) : undefined,
    displayName: `${p.preferredName ?? p.givenName} ${p.familyName}`,
    givenName: p.givenName,
    familyName: p.familyName,
    email: p.workEmail,
    title: p.jobTitle,
    employeeNumber: p.employeeId,
    department: p.department,
    costCenter: p.costCenter,
    division: p.division,
    manager: req.managerRef,
  };
  const desired: DesiredValues = {};
  for (const key of MANAGED_ATTRIBUTES) {
    const value = key in req.attributes ? req.attributes[key] : fromPerson[key];
    if (value !== undefined) desired[key] = value === null ? null : String(value);
  }
  return desired;
}

/** Every managed attribute of a user; `null` where the app holds nothing. */
export function accountValues(user: ScimUser): AccountValues {
  const values = {} as AccountValues;
  for (const key of MANAGED_ATTRIBUTES) values[key] = FIELDS[key].get(user) ?? null;
  return values;
}

export interface Change {
  attribute: ManagedAttribute;
  value: string | null;
}

/** The desired values that differ from what the user holds. */
export function changesFor(user: ScimUser, desired: DesiredValues): Change[] {
  return changesFrom(accountValues(user), desired);
}

/**
 * The desired values that differ from `held` (every managed attribute as the app holds it, null
 * for none, as readAccount and listAccounts report them), with each attribute's case rule.
 */
export function changesFrom(held: Partial<Record<ManagedAttribute, string | null>>, desired: DesiredValues): Change[] {
  const changes: Change[] = [];
  for (const key of MANAGED_ATTRIBUTES) {
    const want = desired[key];
    if (want === undefined) continue;
    const have = held[key] ?? null;
    const same = want === null || have === null ? want === have : FIELDS[key].caseInsensitive ? want.toLowerCase() === have.toLowerCase() : want === have;
    if (!same) changes.push({ attribute: key, value: want });
  }
  return changes;
}

/**
 * The attributes an update would change on an account holding `held` (see the SDK's
 * `attributeDrift`): the same desired values and comparison as updateUser, without the manager
 * unless the policy maps it (updateUser resolves it from HR through a lookup).
 */
export function attributeDrift(req: { person: PersonSnapshot; attributes: AppAttributes; held: AppAttributes }): string[] {
  // HR saying "no manager" removes it without a lookup; a manager id would need one, so it is not compared.
  const managerRef = req.person.managerEmployeeId === null ? null : undefined;
  const desired = desiredValues({ person: req.person, attributes: req.attributes, managerRef, for: 'update' });
  const held: Partial<Record<ManagedAttribute, string | null>> = {};
  for (const key of MANAGED_ATTRIBUTES) {
    const value = req.held[key];
    held[key] = value === undefined || value === null ? null : String(value);
  }
  return changesFrom(held, desired)
    .map((c) => c.attribute)
    .sort();
}

/** PATCH operations for changes (RFC 7644 §3.5.2.2 remove, §3.5.2.3 replace). */
export function patchOperations(changes: readonly Change[]): PatchOperation[] {
  return changes.map(({ attribute, value }) => {
    const field = FIELDS[attribute];
    if (value === null) return { op: 'remove', path: field.path };
    return { op: 'replace', path: field.path, value: field.patchValue ? field.patchValue(value) : value };
  });
}

/**
 * A copy of the user with changes applied, for PUT (RFC 7644 §3.5.1 replaces the whole resource,
 * so everything else the app holds is sent back unchanged; `meta` is read-only and dropped).
 */
export function withChanges(user: ScimUser, changes: readonly Change[], extra: Partial<ScimUser> = {}): ScimUser {
  const copy = structuredClone(user);
  delete copy.meta;
  for (const { attribute, value } of changes) FIELDS[attribute].set(copy, value);
  Object.assign(copy, extra);
  copy.schemas = schemasOf(copy);
  return copy;
}

/** A new user resource (RFC 7644 §3.3) holding the desired values. */
export function newUser(req: { values: DesiredValues; externalId: string; active: boolean }): ScimUser {
  const user: ScimUser = { externalId: req.externalId, active: req.active };
  for (const key of MANAGED_ATTRIBUTES) {
    const value = req.values[key];
    if (value !== undefined && value !== null) FIELDS[key].set(user, value);
  }
  user.schemas = schemasOf(user);
  return user;
}

/** The user's schema URNs (others it already lists are kept), with the enterprise one only when used. */
function schemasOf(user: ScimUser): string[] {
  const ext = user[ENTERPRISE_SCHEMA];
  const hasExtension = ext !== undefined && Object.keys(ext).length > 0;
  if (ext !== undefined && !hasExtension) delete user[ENTERPRISE_SCHEMA];
  const others = (user.schemas ?? []).filter((s) => s !== USER_SCHEMA && s !== ENTERPRISE_SCHEMA);
  return [USER_SCHEMA, ...(hasExtension ? [ENTERPRISE_SCHEMA] : []), ...others];
}
