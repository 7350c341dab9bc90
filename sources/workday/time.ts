/**
 * Instants and calendar dates for the Workday adapter, on `../shared/time.ts`. Pure and
 * deterministic: nothing here reads the clock, and time zones come only from `Intl`.
 *
 * Workday's dialect: instants are read only in the strict `rfc3339` syntax (`Z` or `±HH:MM`, what
 * `z.iso.datetime({ offset: true })` accepts). Effective dates are calendar dates with no zone; we turn
 * a date into the instant its day starts in a named IANA zone: the worker's zone when known, else the
 * tenant's configured default (see normalize.ts for which applies). A zone is always required here,
 * and an impossible date (`2026-02-30`) is refused with a RangeError rather than rolled over.
 */
import * as shared from '../sdk/time';

export { addDays, formatInstant, formatInZone, isCalendarDate, isTimeZone, offsetMinutesAt } from '../sdk/time';

/**
 * Epoch milliseconds of an ISO-8601 date-time with an offset (`Z` or `±HH:MM`), the form
 * `z.iso.datetime({ offset: true })` accepts; seconds and fractions are optional. Undefined for
 * anything else, including impossible calendar values and local times without an offset.
 */
export function parseInstant(text: string): number | undefined {
  return shared.parseInstant(text, { syntax: 'rfc3339' });
}

/** The canonical UTC form of an instant with offset (see {@link formatInstant}), or undefined. */
export function canonicalInstant(text: string): string | undefined {
  return shared.canonicalInstant(text, { syntax: 'rfc3339' });
}

/**
 * Epoch milliseconds of the first instant of calendar day `date` in `timeZone`. Usually local
 * midnight; where a DST jump skips midnight (America/Santiago in September, 00:00 → 01:00) the day
 * starts at the first local time that exists. Throws a RangeError for a non-date or unknown zone.
 */
export function startOfDayMs(date: string, timeZone: string): number {
  return shared.startOfDayMs(calendarDate(date), timeZone);
}

/** {@link startOfDayMs} written with the zone's offset at that instant: `2026-03-08T00:00:00-08:00`. */
export function startOfDay(date: string, timeZone: string): string {
  return shared.startOfDay(calendarDate(date), timeZone);
}

/** The instant calendar day `date` ends in `timeZone`: the start of the next day. */
export function endOfDayMs(date: string, timeZone: string): number {
  return shared.endOfDayMs(calendarDate(date), timeZone);
}

/** {@link endOfDayMs} written with the zone's offset at that instant. */
export function endOfDay(date: string, timeZone: string): string {
  return shared.endOfDay(calendarDate(date), timeZone);
}

function calendarDate(date: string): string {
  if (!shared.isCalendarDate(date)) throw new RangeError(`not a calendar date: ${date}`);
  return date;
}
