import { z } from 'zod';
import { PERSON_KEY_PATTERN } from './person-key';

/**
 * JML event, version 1: the wire contract between ingest (gateway), Kafka `jml.events.v1` and the
 * orchestrator. A CloudEvents 1.0 envelope in structured JSON mode. The schema only validates; it
 * never transforms, so what is on the wire is exactly what consumers see. Vendor quirks belong in
 * the source adapters.
 *
 * Evolution (docs/decisions/0003-event-evolution.md), so that producers and consumers of different
 * builds can run side by side during a rolling upgrade:
 * - A **minor** version (`1.1`, `1.2`, … in the `jml-schema-version` header) may only add optional
 *   fields, anywhere (envelope, data, person, previous). It never removes, renames, retypes or
 *   tightens a field, and never gives a new meaning to an old one.
 * - What we **write** is checked strictly ({@link JmlEvent}): a producer only writes fields it
 *   knows. What we **read** from Kafka is checked with {@link JmlEventReader}: every v1 rule holds,
 *   unknown fields are tolerated and passed on unchanged (never dropped, never interpreted).
 * - Anything else is a new **major** version: a new type and a new topic (`jml.events.v2`). A
 *   reader dead-letters a record whose major version it does not know.
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
/**
 * Names every JavaScript object inherits (`constructor`, `__proto__`, `prototype`): refused as keys
 * anywhere in an event, so that no parser or copy of it can mistake data for its prototype.
 */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** A custom field's name: up to 128 characters, not a reserved name. */
const CustomFieldName = z
  .string()
  .max(128)
  .regex(/^(?!(?:__proto__|constructor|prototype)$)/, 'is a reserved name (__proto__, constructor, prototype)');

/**
 * The path of the first reserved key in parsed JSON (`data.person.custom.constructor`), if any.
 * Checked before the schema: the schema library itself reads `constructor` of what it is given.
 */
export function reservedKeyPath(value: unknown, path: readonly string[] = []): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const here = [...path, Array.isArray(value) ? String(key) : key];
    if (!Array.isArray(value) && RESERVED_KEYS.includes(key)) return here.join('.');
    const found = reservedKeyPath(child, here);
    if (found !== undefined) return found;
  }
  return undefined;
}

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
  custom: z.record(CustomFieldName, z.union([z.string().max(2048), z.number(), z.boolean(), z.null()])).optional(),
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

/**
 * Schema version of the {@link JmlEvent}s this build writes, in the `jml-schema-version` Kafka
 * header: `<major>` or `<major>.<minor>` (`1` is `1.0`). Bump the minor when adding an optional field.
 */
export const JML_EVENT_SCHEMA_VERSION = '1';
/** The major version this build reads; see {@link readableSchemaVersion}. */
export const JML_EVENT_SCHEMA_MAJOR = 1;

/**
 * A JmlEvent v1 as a consumer reads it from Kafka: the v1 rules of {@link JmlEvent}, but unknown
 * fields of the envelope, `data`, `data.person` and `data.previous` are kept as they are, so an
 * event from a newer minor version passes through this build unchanged (to the person workflow, and
 * on to whatever reads it there). Never use it to accept input from outside: that is {@link JmlEvent}.
 */
export const JmlEventReader = JmlEvent.extend({
  data: JmlEventData.extend({
    person: PersonSnapshot.loose(),
    previous: PersonSnapshot.partial().loose().optional(),
  }).loose(),
}).loose();

/**
 * Whether this build can read a record whose `jml-schema-version` header is `header`: any minor of
 * {@link JML_EVENT_SCHEMA_MAJOR}. A record without the header counts as `1` (every producer of v1
 * sets it; the body is checked either way). Returns the reason when it cannot.
 */
export function readableSchemaVersion(header: string | undefined): { ok: true } | { ok: false; reason: string } {
  if (header === undefined) return { ok: true };
  const m = /^(\d{1,4})(?:\.(\d{1,4}))?$/.exec(header.trim());
  if (!m) return { ok: false, reason: `jml-schema-version '${header.slice(0, 40)}' is not <major> or <major>.<minor>` };
  if (Number(m[1]) !== JML_EVENT_SCHEMA_MAJOR) {
    return { ok: false, reason: `jml-schema-version ${header.trim()}: this build reads major version ${JML_EVENT_SCHEMA_MAJOR} only; another major version belongs on its own topic` };
  }
  return { ok: true };
}

export { colleagueKeyOf, employeeIdOf, parsePersonKey, personKeyOf, sourceOf, tenantOf, type PersonKeyParts } from './person-key';
