import { z } from 'zod';
import { PERSON_KEY_PATTERN } from './person-key';

/**
 * JML event, version 1: the wire contract between ingest (gateway), Kafka `jml.events.v1` and the
 * orchestrator. A CloudEvents 1.0 envelope in structured JSON mode. The schema only validates; it
 * never transforms, so what is on the wire is exactly what consumers see. Vendor quirks belong in
 * the source adapters. Add optional fields in v1; anything else is a v2 with a new topic.
 */

export const JML_EVENT_TYPES = [
  'jml.joiner',
  'jml.mover',
  'jml.leaver',
  'jml.rehire',
  'jml.update',
  'jml.leave.start',
  'jml.leave.end',
] as const;
export const JmlEventType = z.enum(JML_EVENT_TYPES);
export type JmlEventType = z.infer<typeof JmlEventType>;

/**
 * `<source>:<tenant>:<employeeId>` (what the HR adapters write, e.g. `bamboohr:acme:4101`,
 * `workday:acme:21001`) or `<source>:<employeeId>` (a canonical sender's choice for a single system).
 * The Kafka key, the workflow id's suffix and the anchor written to apps. See person-key.ts.
 */
export const PersonKey = z
  .string()
  .max(240)
  .regex(PERSON_KEY_PATTERN, 'personKey must be <source>:<tenant>:<employeeId> or <source>:<employeeId> (source lowercase; tenant of letters, digits, . _ -; id of letters, digits, . _ @ -)');
export type PersonKey = z.infer<typeof PersonKey>;

const Timestamp = z.iso.datetime({ offset: true });
const CalendarDate = z.iso.date();
const Text = z.string().min(1).max(512);

export const WorkerType = z.enum(['employee', 'contractor', 'intern', 'temporary', 'other']);
export const EmploymentStatus = z.enum(['pre-hire', 'active', 'on-leave', 'terminated']);

/** The person as HR knows them at `effectiveAt`. Absent optional fields are unknown, `null` means known-empty. */
export const PersonSnapshot = z.strictObject({
  employeeId: z.string().min(1).max(128),
  workerType: WorkerType,
  status: EmploymentStatus,
  givenName: Text,
  familyName: Text,
  preferredName: Text.nullable().optional(),
  workEmail: z.email().nullable().optional(),
  jobTitle: Text.nullable().optional(),
  department: Text.nullable().optional(),
  division: Text.nullable().optional(),
  location: Text.nullable().optional(),
  costCenter: Text.nullable().optional(),
  managerEmployeeId: z.string().min(1).max(128).nullable().optional(),
  hireDate: CalendarDate.nullable().optional(),
  terminationDate: CalendarDate.nullable().optional(),
  /** IANA time zone of the person's work location, for start/end-of-day moments. */
  timeZone: z.string().min(1).max(64).nullable().optional(),
  custom: z.record(z.string().max(128), z.union([z.string().max(2048), z.number(), z.boolean(), z.null()])).optional(),
});
export type PersonSnapshot = z.infer<typeof PersonSnapshot>;

export const JmlEventData = z.strictObject({
  /** When the change takes effect in HR (may be in the future: pre-hire, scheduled termination). */
  effectiveAt: Timestamp,
  /** When the change was entered in the HR system. */
  enteredAt: Timestamp,
  person: PersonSnapshot,
  /** The snapshot fields as they were before this change, where the source tells us. */
  previous: PersonSnapshot.partial().optional(),
  /** Names of PersonSnapshot fields (or `custom.<name>`) this event changed. */
  changedFields: z.array(z.string().min(1).max(128)).max(200),
  reason: z.string().max(512).optional(),
  /** Involuntary terminations act at once, whatever the effective date. */
  involuntary: z.boolean().optional(),
});
export type JmlEventData = z.infer<typeof JmlEventData>;

export const JmlEvent = z.strictObject({
  specversion: z.literal('1.0'),
  /** Deterministic: the source's delivery id, else a hash of the business facts. Dedupe key everywhere. */
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'id must be 1-200 of letters, digits, . _ : -'),
  /** URI-reference of the producing source, e.g. `/hr/bamboohr/acme`. */
  source: z.string().min(1).max(512),
  type: JmlEventType,
  subject: PersonKey,
  /** CloudEvents `time`: when the change was entered (equals data.enteredAt). */
  time: Timestamp,
  datacontenttype: z.literal('application/json').optional(),
  dataschema: z.string().max(512).optional(),
  data: JmlEventData,
});
export type JmlEvent = z.infer<typeof JmlEvent>;

/** Current schema version of {@link JmlEvent}, carried in Kafka headers. */
export const JML_EVENT_SCHEMA_VERSION = '1';

export { colleagueKeyOf, employeeIdOf, parsePersonKey, personKeyOf, sourceOf, tenantOf, type PersonKeyParts } from './person-key';
