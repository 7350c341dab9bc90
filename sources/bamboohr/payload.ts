import { z } from 'zod';
import { decodeBracketForm, formToPayload } from './form';
import { canonicalInstant } from './time';

/**
 * BambooHR webhook payloads, both styles, both encodings. The zod schemas only validate (no
 * transforms); {@link parseBambooHrBody} then lifts a valid payload into {@link NormalizedChange}s.
 * Unknown extra properties are allowed everywhere: BambooHR adds fields over time and a 4xx is
 * never retried by BambooHR, so we reject only what we cannot use.
 *
 * Event-based: `{ type: "employee.created" | "employee.updated" | "employee.deleted", timestamp,
 * data: { companyId, employeeId, changedFields? } }`, one employee per post, no values.
 * Field-based: `{ employees: [{ id, action: "Created" | "Updated" | "Deleted", timestamp,
 * changedFields, fields }] }`, one or more employees per post; a field value is plain or
 * `{ "value": … }`, and `fields` is `[]` when empty (BambooHR serialises an empty map as a list).
 */

/** An employee or company id: the characters a person key allows. Numbers are accepted as BambooHR ids are numeric. */
export const BambooHrId = z.union([z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/, 'must be an id of 1-128 letters, digits, . _ @ -'), z.number().int().nonnegative()], {
  error: (issue) => (issue.input === undefined ? 'is required' : 'must be an id of 1-128 letters, digits, . _ @ - (or a non-negative integer)'),
});

/** ISO-8601 date-time with an offset; BambooHR writes `2026-01-31T18:42:00+0000`. */
export const BambooHrTimestamp = z.string().refine((s) => canonicalInstant(s) !== undefined, 'must be an ISO-8601 date-time with an offset');

/** A field name as BambooHR sends it: an API alias (`jobTitle`) or an English display name (`Job Title`). */
export const BambooHrFieldName = z
  .string()
  .min(1)
  .max(256)
  .refine((s) => s !== '__proto__', 'is a reserved name');

export const BambooHrScalar = z.union([z.string().max(4096), z.number(), z.boolean(), z.null()]);
export const BambooHrFieldValue = z.union([BambooHrScalar, z.looseObject({ value: BambooHrScalar })], {
  error: 'must be text, a number, a boolean, null or {"value": …} holding one of those',
});

/** Field values by name. */
export const BambooHrFields = z.record(BambooHrFieldName, BambooHrFieldValue);

export const EVENT_BASED_TYPES = ['employee.created', 'employee.updated', 'employee.deleted'] as const;
export const FIELD_BASED_ACTIONS = ['Created', 'Updated', 'Deleted'] as const;

export const EventBasedPayload = z.looseObject({
  type: z.enum(EVENT_BASED_TYPES),
  timestamp: BambooHrTimestamp.optional(),
  data: z.looseObject({
    companyId: BambooHrId.optional(),
    employeeId: BambooHrId,
    changedFields: z.array(BambooHrFieldName).max(500).optional(),
  }),
});
export type EventBasedPayload = z.infer<typeof EventBasedPayload>;

export const FieldBasedEmployee = z.looseObject({
  id: BambooHrId,
  action: z.enum(FIELD_BASED_ACTIONS),
  timestamp: BambooHrTimestamp.optional(),
  changedFields: z.array(BambooHrFieldName).max(500).optional(),
  fields: z
    .union([BambooHrFields, z.array(z.never()).max(0)], {
      // A union reports only "Invalid input"; name the field that is wrong instead.
      error: (issue) => {
        if (Array.isArray(issue.input)) return 'must be an object of field values (or an empty list)';
        const first = BambooHrFields.safeParse(issue.input).error?.issues[0];
        return first ? `${first.path.map(String).join('.') || '(value)'}: ${first.message}` : undefined;
      },
    })
    .optional(),
});
export type FieldBasedEmployee = z.infer<typeof FieldBasedEmployee>;

export const FieldBasedPayload = z.looseObject({
  employees: z.array(FieldBasedEmployee).min(1, 'must list at least one employee').max(1000),
});
export type FieldBasedPayload = z.infer<typeof FieldBasedPayload>;

/** One employee change from one delivery, independent of payload style and encoding. */
export interface NormalizedChange {
  style: 'event-based' | 'field-based';
  action: 'created' | 'updated' | 'deleted';
  employeeId: string;
  companyId?: string;
  /** When BambooHR says the change happened, canonical UTC ISO-8601; absent when the payload has none. */
  timestamp?: string;
  /** Changed field names exactly as sent (alias or display name), first occurrence order, no duplicates. */
  changedFields: string[];
  /** Field-based only: values by name as sent, `{value}` unwrapped, numbers and booleans as text. */
  fields?: Record<string, string | null>;
}

export type ParseBambooHrResult = { ok: true; deliveries: NormalizedChange[] } | { ok: false; reason: string };

/**
 * Parses a verified webhook body. `contentType` is the request's Content-Type header:
 * `application/json` or `application/x-www-form-urlencoded` (charset, if given, must be UTF-8).
 * Never throws; on failure `reason` names the offending part, e.g.
 * `employees.0.action: Invalid option: expected one of "Created"|"Updated"|"Deleted"`.
 */
export function parseBambooHrBody(raw: Buffer, contentType: string): ParseBambooHrResult {
  const media = parseMediaType(contentType);
  if (!media.ok) return media;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(raw);
  } catch {
    return { ok: false, reason: 'body is not valid UTF-8' };
  }
  let payload: unknown;
  if (media.type === 'application/json') {
    try {
      payload = JSON.parse(text);
    } catch (err) {
      return { ok: false, reason: `body is not valid JSON: ${(err as Error).message}` };
    }
  } else {
    const tree = decodeBracketForm(text);
    if (!tree.ok) return tree;
    const mapped = formToPayload(tree.value);
    if (!mapped.ok) return mapped;
    payload = mapped.value;
  }
  return fromPayload(payload);
}

function fromPayload(payload: unknown): ParseBambooHrResult {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, reason: 'body must be an object: {type, data} (event-based) or {employees} (field-based)' };
  }
  if ('employees' in payload) {
    const parsed = FieldBasedPayload.safeParse(payload);
    if (!parsed.success) return { ok: false, reason: `field-based payload: ${describeIssues(parsed.error)}` };
    return { ok: true, deliveries: parsed.data.employees.map(fromFieldBased) };
  }
  if ('type' in payload || 'data' in payload) {
    const parsed = EventBasedPayload.safeParse(payload);
    if (!parsed.success) return { ok: false, reason: `event-based payload: ${describeIssues(parsed.error)}` };
    return { ok: true, deliveries: [fromEventBased(parsed.data)] };
  }
  return { ok: false, reason: 'body is neither event-based ({type, data}) nor field-based ({employees})' };
}

const EVENT_ACTIONS = { 'employee.created': 'created', 'employee.updated': 'updated', 'employee.deleted': 'deleted' } as const;
const FIELD_ACTIONS = { Created: 'created', Updated: 'updated', Deleted: 'deleted' } as const;

function fromEventBased(p: EventBasedPayload): NormalizedChange {
  const timestamp = p.timestamp === undefined ? undefined : canonicalInstant(p.timestamp);
  return {
    style: 'event-based',
    action: EVENT_ACTIONS[p.type],
    employeeId: String(p.data.employeeId),
    ...(p.data.companyId !== undefined && { companyId: String(p.data.companyId) }),
    ...(timestamp !== undefined && { timestamp }),
    changedFields: unique(p.data.changedFields ?? []),
  };
}

function fromFieldBased(e: FieldBasedEmployee): NormalizedChange {
  const fields: Record<string, string | null> = {};
  if (e.fields && !Array.isArray(e.fields)) {
    for (const [name, v] of Object.entries(e.fields)) fields[name] = scalarText(v !== null && typeof v === 'object' ? v.value : v);
  }
  const timestamp = e.timestamp === undefined ? undefined : canonicalInstant(e.timestamp);
  return {
    style: 'field-based',
    action: FIELD_ACTIONS[e.action],
    employeeId: String(e.id),
    ...(timestamp !== undefined && { timestamp }),
    changedFields: unique(e.changedFields ?? []),
    fields,
  };
}

function scalarText(v: string | number | boolean | null): string | null {
  return v === null ? null : String(v);
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

function parseMediaType(contentType: string): { ok: true; type: 'application/json' | 'application/x-www-form-urlencoded' } | { ok: false; reason: string } {
  const [type = '', ...params] = contentType.split(';').map((s) => s.trim().toLowerCase());
  if (type !== 'application/json' && type !== 'application/x-www-form-urlencoded') {
    return { ok: false, reason: `unsupported content-type "${contentType}": expected application/json or application/x-www-form-urlencoded` };
  }
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return { ok: false, reason: `unsupported charset "${charset}": expected utf-8` };
  return { ok: true, type };
}
