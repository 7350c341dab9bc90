import type { PersonSnapshot } from '../../schemas/jml-event.v1';

/**
 * PersonSnapshot field names in the JmlEvent `changedFields` vocabulary: top-level names
 * (`jobTitle`) and `custom.<name>` for custom attributes. `employeeId` is the identity, never a
 * change. Shared by the webhook (normalize.ts) and reconciliation (raas-diff.ts) paths so both
 * describe the same change the same way.
 */

/** Fields a job change moves: what makes an event a mover rather than an update. */
export const JOB_FIELDS: readonly string[] = ['jobTitle', 'department', 'location', 'costCenter', 'managerEmployeeId', 'workerType', 'custom.jobProfile'];

/** Every field `p` carries (known or known-empty), sorted. */
export function fieldNamesOf(p: Partial<PersonSnapshot>): string[] {
  const names: string[] = [];
  for (const [key, value] of Object.entries(p)) {
    if (value === undefined || key === 'employeeId') continue;
    if (key === 'custom') names.push(...Object.keys(value as object).map((k) => `custom.${k}`));
    else names.push(key);
  }
  return names.sort();
}

export interface ChangedFieldsRequest {
  before: Partial<PersonSnapshot>;
  after: Partial<PersonSnapshot>;
  /**
   * `before-keys`: only fields `before` carries are compared (a partial "prior values" section
   * says nothing about the fields it leaves out). `all-keys`: a field either side carries is compared,
   * and absent counts as different from present (two complete snapshots).
   */
  scope: 'before-keys' | 'all-keys';
}

/** Names of the fields whose values differ, sorted. */
export function changedFields(req: ChangedFieldsRequest): string[] {
  const before = flatten(req.before);
  const after = flatten(req.after);
  const keys = req.scope === 'before-keys' ? Object.keys(before) : [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys.filter((k) => before[k] !== after[k]).sort();
}

/** The part of `p` named by `names` (top-level and `custom.<name>`); custom is omitted when none of it is named. */
export function pickFields(p: Partial<PersonSnapshot>, names: readonly string[]): Partial<PersonSnapshot> {
  const wanted = new Set(names);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(p)) {
    if (value === undefined || key === 'custom') continue;
    if (wanted.has(key)) out[key] = value;
  }
  const custom: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(p.custom ?? {})) if (wanted.has(`custom.${k}`)) custom[k] = v;
  if (Object.keys(custom).length > 0) out.custom = custom;
  return out as Partial<PersonSnapshot>;
}

function flatten(p: Partial<PersonSnapshot>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(p)) {
    if (value === undefined || key === 'employeeId') continue;
    if (key === 'custom') for (const [k, v] of Object.entries(value as object)) out[`custom.${k}`] = v;
    else out[key] = value;
  }
  return out;
}
