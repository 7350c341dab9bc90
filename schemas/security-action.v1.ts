import { z } from 'zod';
import { PersonKey } from './jml-event.v1';

/**
 * Security action, version 1: an emergency suspension of a person, or its end, asked through the
 * signed canonical API (`POST /v1/events`) by a key allowed to (`actions` in JML_CANONICAL_SECRETS).
 * A contract of its own, on a topic of its own (`jml.security.v1`), not a JmlEvent type: it is no
 * HR fact, carries no person snapshot, and JmlEvent v1 readers must never be handed a type they do
 * not know (docs/decisions/0003-event-evolution.md). A CloudEvents 1.0 envelope in structured JSON
 * mode; the schema only validates. Evolves like JmlEvent v1: a minor version only adds optional
 * fields (`jml-schema-version` header), anything else is a v2 on a new topic.
 */
export const SECURITY_ACTION_TYPES = ['jml.security.suspend', 'jml.security.restore'] as const;
export const SecurityActionType = z.enum(SECURITY_ACTION_TYPES);
export type SecurityActionType = z.infer<typeof SecurityActionType>;

export const SecurityActionData = z.strictObject({
  /** Why, in a few words (a ticket number): shown in the Temporal UI. No personal data. */
  reason: z.string().trim().min(1).max(512),
  /** Who asked (an operator, a SOAR playbook): shown in the Temporal UI. No personal data. */
  requestedBy: z.string().trim().min(1).max(128),
});

export const SecurityAction = z.strictObject({
  specversion: z.literal('1.0'),
  /** The sender's id of this request; the gateway dedupes by subject and id. */
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'id must be 1-200 of letters, digits, . _ : -'),
  /** URI-reference of the sender, e.g. `/security/soar`. */
  source: z.string().min(1).max(512),
  type: SecurityActionType,
  /** The person key of the person to suspend or restore. */
  subject: PersonKey,
  /** When it was asked. */
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json').optional(),
  data: SecurityActionData,
});
export type SecurityAction = z.infer<typeof SecurityAction>;

/** What the dispatcher reads from `jml.security.v1`: the v1 rules, unknown fields of a newer minor version tolerated. */
export const SecurityActionReader = SecurityAction.extend({ data: SecurityActionData.loose() }).loose();

/** Schema version of the {@link SecurityAction}s this build writes (`jml-schema-version` header). */
export const SECURITY_ACTION_SCHEMA_VERSION = '1';

/** Whether a parsed body is a security action rather than a JmlEvent: its `type`. */
export const isSecurityActionType = (type: unknown): type is SecurityActionType => typeof type === 'string' && (SECURITY_ACTION_TYPES as readonly string[]).includes(type);

/** `suspend` or `restore`. */
export const actionOf = (type: SecurityActionType): 'suspend' | 'restore' => (type === 'jml.security.suspend' ? 'suspend' : 'restore');
