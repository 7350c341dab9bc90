import { PersonSnapshot } from '../../schemas/jml-event.v1';

/** A PersonSnapshot field an expression can name directly (`custom` is reached as `custom.<name>`). */
export type PersonField = Exclude<keyof PersonSnapshot, 'custom'>;

/**
 * The fields of the wire schema, read from the schema itself so that a field added to
 * PersonSnapshot v1 becomes mappable without touching this module.
 */
export const PERSON_FIELDS: ReadonlySet<PersonField> = new Set(
  Object.keys(PersonSnapshot.shape).filter((k): k is PersonField => k !== 'custom'),
);

/** The member-bearing reference: `custom.<name>` or `custom["<name>"]`. */
export const CUSTOM = 'custom';

/** The collision counter of unique candidates: `{n}`. */
export const COUNTER = 'n';
