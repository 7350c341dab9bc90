/**
 * The BambooHR employee fields this adapter reads, by API alias (the `fields=` names of
 * `GET /v1/employees/{id}`), and the names field-based webhooks may use for them instead: BambooHR's
 * English display names by default ("Job Title", "Employee #"), or an admin-chosen alias. Only the
 * fields listed here ever leave the adapter: anything else a webhook posts (SSN, pay rate, address…)
 * is ignored, so a generous "post fields" setting in BambooHR cannot leak PII into the event log.
 */

/** Current values by API alias; `null` is a value BambooHR knows to be empty. */
export type BambooHrRecord = Readonly<Record<string, string | null>>;

const CATALOG = {
  firstName: ['First Name'],
  lastName: ['Last Name'],
  preferredName: ['Preferred Name', 'Nickname'],
  workEmail: ['Work Email'],
  jobTitle: ['Job Title'],
  department: ['Department'],
  division: ['Division'],
  location: ['Location'],
  /** The record's Active/Inactive flag. */
  status: ['Status'],
  /** The employment status table's current value: Full-Time, Part-Time, Contractor, Terminated… */
  employmentHistoryStatus: ['Employment Status'],
  hireDate: ['Hire Date'],
  originalHireDate: ['Original Hire Date'],
  terminationDate: ['Termination Date'],
  /** The supervisor's BambooHR employee id. */
  supervisorEId: ['Supervisor EID', 'Supervisor Employee Id'],
  /** "Reporting to": the supervisor's name, not an id; a change to it is a manager change. */
  supervisor: ['Reporting to', 'Reports To', 'reportsTo'],
  employeeNumber: ['Employee #', 'Employee Number'],
  payGroup: ['Pay Group'],
  /** Not a standard field; read when a custom field with this alias or name exists. */
  costCenter: ['Cost Center'],
} as const satisfies Record<string, readonly string[]>;

export type BambooHrField = keyof typeof CATALOG;

/**
 * The fields `GET /v1/employees/{id}` is asked for when hydrating an event-based change. Excludes
 * `supervisor` (a display name we never use as a value) and `costCenter` (not a standard field).
 */
export const HYDRATE_FIELDS: readonly BambooHrField[] = [
  'firstName',
  'lastName',
  'preferredName',
  'workEmail',
  'jobTitle',
  'department',
  'division',
  'location',
  'status',
  'employmentHistoryStatus',
  'hireDate',
  'originalHireDate',
  'terminationDate',
  'supervisorEId',
  'employeeNumber',
  'payGroup',
];

/** Names compare case-, space- and punctuation-insensitively ("First name" = "First Name" = "firstName"), keeping "#". */
function key(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9#]/g, '');
}

const BY_KEY = new Map<string, BambooHrField>();
for (const [alias, names] of Object.entries(CATALOG) as [BambooHrField, readonly string[]][]) {
  for (const n of [alias, ...names]) BY_KEY.set(key(n), alias);
}

/** The API alias a webhook field name stands for, or undefined when this adapter does not use it. */
export function canonicalFieldName(name: string): BambooHrField | undefined {
  return BY_KEY.get(key(name));
}

/**
 * Field-based webhook values re-keyed by API alias, dropping fields this adapter does not use.
 * When two names map to one alias (a payload posting both "Job Title" and "jobTitle") the first
 * non-null value wins.
 */
export function recordFromWebhookFields(fields: Readonly<Record<string, string | null>>): BambooHrRecord {
  const out: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(fields)) {
    const alias = canonicalFieldName(name);
    if (alias === undefined) continue;
    if (out[alias] === undefined || out[alias] === null) out[alias] = value;
  }
  return out;
}
