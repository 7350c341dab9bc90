/**
 * The values an expression works with: exactly the value types an app attribute may hold
 * (`AppAttributes` in the connector SDK), so an expression's result needs no conversion.
 */
export type MappingValue = string | number | boolean | null;

/**
 * Absent means "no value": `null`, or the empty string. Fallbacks (`coalesce`, `default`, `join`)
 * skip absent values and templates collapse to `null` on one, because an empty string is never a
 * useful user name, mail address or initial (it is what `ascii` leaves of `山田`).
 */
export function isAbsent(value: MappingValue): value is null | '' {
  return value === null || value === '';
}

/** The text of a present value; numbers and booleans print as JSON does (`42`, `true`). */
export function toText(value: string | number | boolean): string {
  return typeof value === 'string' ? value : String(value);
}

/**
 * A person field as an expression sees it: `undefined` and `null` are both `null`, and text is
 * NFC-normalized so that an HR system sending decomposed accents (NFD) maps to the same values as
 * one sending composed characters.
 */
export function fromPersonValue(raw: unknown): MappingValue {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') return raw.normalize('NFC');
  if (typeof raw === 'number' || typeof raw === 'boolean') return raw;
  return null;
}
