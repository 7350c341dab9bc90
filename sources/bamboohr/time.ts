/**
 * Instants and calendar dates as BambooHR writes them, turned into the ISO-8601 forms JmlEvent v1
 * accepts. Pure and deterministic: nothing here reads the clock. The common logic is
 * `../shared/time.ts`; this module fixes BambooHR's dialect on top of it:
 *
 * - Instants come with a colon-less offset (`2026-01-31T18:42:00+0000`), which
 *   `z.iso.datetime({ offset: true })` rejects, so they are read in the lenient `iso8601` syntax
 *   (also `±HH`, surrounding whitespace) and every instant is re-emitted in one canonical form.
 * - Calendar dates are `YYYY-MM-DD`, and `0000-00-00` (or blank) means "no date".
 * - Without a tenant time zone, days start at midnight UTC.
 */
import * as shared from '../sdk/time';

export { formatInstant, isTimeZone } from '../sdk/time';

const EMPTY_DATES = new Set(['', '0000-00-00']);

/**
 * Epoch milliseconds of an ISO-8601 date-time that carries an offset (`Z`, `±HH:MM`, `±HHMM` or
 * `±HH`); seconds and fractions (up to 9 digits) are optional. Undefined for anything else, including
 * impossible calendar values (`2026-02-30`) and local times without an offset (they name no instant).
 */
export function parseInstant(text: string): number | undefined {
  return shared.parseInstant(text, { syntax: 'iso8601' });
}

/** The canonical UTC form of a BambooHR instant ({@link parseInstant}), or undefined when it is not one. */
export function canonicalInstant(text: string): string | undefined {
  return shared.canonicalInstant(text, { syntax: 'iso8601' });
}

/**
 * A BambooHR calendar date: the date itself when valid, `null` for BambooHR's "empty"
 * (`0000-00-00` or blank), undefined when the text is not a date at all.
 */
export function parseCalendarDate(text: string): string | null | undefined {
  const t = text.trim();
  if (EMPTY_DATES.has(t)) return null;
  return shared.isCalendarDate(t) ? t : undefined;
}

/**
 * The first instant of calendar day `date` in `timeZone` (UTC when absent or empty), written with
 * that zone's offset at that instant: `2026-03-02T00:00:00+01:00`. Where a DST jump skips local
 * midnight, the day starts at the first local time that exists (e.g. 01:00). Throws a RangeError
 * for an unknown time zone.
 */
export function startOfDay(date: string, timeZone?: string): string {
  return shared.startOfDay(date, timeZone || undefined);
}

/** The instant calendar day `date` ends in `timeZone`: the start of the next day. */
export function endOfDay(date: string, timeZone?: string): string {
  return shared.endOfDay(date, timeZone || undefined);
}

/** Epoch milliseconds of {@link startOfDay}. */
export function startOfDayMs(date: string, timeZone?: string): number {
  return shared.startOfDayMs(date, timeZone || undefined);
}

/** Epoch milliseconds of {@link endOfDay}. */
export function endOfDayMs(date: string, timeZone?: string): number {
  return shared.endOfDayMs(date, timeZone || undefined);
}
