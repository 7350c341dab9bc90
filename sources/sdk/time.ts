/**
 * Instants and calendar dates for every HR source adapter, turned into the ISO-8601 forms JmlEvent
 * v1 accepts. Pure and deterministic: nothing here reads the clock, and time zones come only from
 * `Intl` (the runtime's IANA database), so there is no dependency to keep current beyond Node.
 *
 * Vendors differ in how they write instants, so {@link parseInstant} takes the {@link InstantSyntax}
 * the adapter expects; everything after parsing is common. A calendar date becomes the instant its
 * day starts in a named zone, written with that zone's offset at that moment
 * (`2026-03-02T00:00:00+01:00`) so the local day stays readable in the event.
 */

const INSTANT = {
  // What `z.iso.datetime({ offset: true })` accepts: `Z` or `±HH:MM`, fractions of any precision.
  rfc3339: /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i,
  // ISO-8601's other offset forms as well (`±HHMM`, `±HH`), fractions down to nanoseconds.
  iso8601: /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i,
} as const;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * How an adapter's vendor writes instants:
 * - `rfc3339`: exactly the form `z.iso.datetime({ offset: true })` accepts: offset `Z` or `±HH:MM`,
 *   any number of fraction digits, no surrounding whitespace.
 * - `iso8601`: also the colon-less `±HHMM` and hour-only `±HH` offsets (BambooHR writes
 *   `2026-01-31T18:42:00+0000`), at most 9 fraction digits, surrounding whitespace ignored.
 */
export type InstantSyntax = keyof typeof INSTANT;

/** Options of {@link parseInstant} and {@link canonicalInstant}. */
export interface ParseInstantOptions {
  /** Default `rfc3339`. */
  syntax?: InstantSyntax;
}

/**
 * Epoch milliseconds of an ISO-8601 date-time that carries an offset, in the given
 * {@link InstantSyntax}; seconds and fractions are optional, fractions finer than a millisecond are
 * truncated. Undefined for anything else, including impossible calendar values (`2026-02-30`),
 * offsets beyond ±23:59 and local times without an offset (they name no instant).
 */
export function parseInstant(text: string, opts: ParseInstantOptions = {}): number | undefined {
  const syntax = opts.syntax ?? 'rfc3339';
  const m = INSTANT[syntax].exec(syntax === 'iso8601' ? text.trim() : text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '00', frac = '', off = 'Z'] = m;
  const fields = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const [year, month, day, hour, minute, second] = fields;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (!isCalendarDay(year, month, day)) return undefined;
  const offsetMinutes = parseOffset(off);
  if (offsetMinutes === undefined) return undefined;
  const ms = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * MINUTE_MS;
}

/**
 * `2026-01-31T18:42:00Z` (with `.sss` only when the instant has milliseconds). With
 * `offsetMinutes`, the wall time of that offset is shown with it: `2026-01-31T10:42:00-08:00`.
 */
export function formatInstant(epochMs: number, offsetMinutes = 0): string {
  const wall = new Date(epochMs + offsetMinutes * MINUTE_MS).toISOString(); // 2026-01-31T18:42:00.000Z
  const body = wall.endsWith('.000Z') ? wall.slice(0, -5) : wall.slice(0, -1);
  if (offsetMinutes === 0) return `${body}Z`;
  const abs = Math.abs(offsetMinutes);
  return `${body}${offsetMinutes < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** The canonical UTC form ({@link formatInstant}) of an instant {@link parseInstant} reads, or undefined. */
export function canonicalInstant(text: string, opts: ParseInstantOptions = {}): string | undefined {
  const ms = parseInstant(text, opts);
  return ms === undefined ? undefined : formatInstant(ms);
}

/** True when `text` is a real `YYYY-MM-DD` date (no whitespace, no `2026-02-29`). */
export function isCalendarDate(text: string): boolean {
  const m = CALENDAR_DATE.exec(text);
  return !!m && isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** True when this runtime's `Intl` knows `timeZone` as an IANA zone. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Epoch milliseconds of the first instant of calendar day `date` in `timeZone`; local midnight UTC
 * when `timeZone` is undefined. Usually local midnight; where a DST jump skips midnight
 * (America/Santiago in September, 00:00 → 01:00) the day starts at the first local time that exists.
 *
 * Throws a RangeError when `date` is not `YYYY-MM-DD` or the zone is unknown (an empty string is an
 * unknown zone, not UTC). The day itself is not checked: an impossible `2026-02-30` rolls over as in
 * `Date.UTC`; callers that must refuse it check {@link isCalendarDate} first.
 */
export function startOfDayMs(date: string, timeZone?: string): number {
  const wall = wallMidnight(date);
  if (timeZone === undefined) return wall;
  // UTC offsets lie within -12h..+14h, so the day starts somewhere in [wall - 14h, wall + 12h].
  // Local dates never run backwards (a fall-back repeats times, not dates), so the first second
  // whose local date is `date` or later can be found by bisection in a wider bracket.
  let lo = (wall - 15 * HOUR_MS) / SECOND_MS; // local date before `date`
  let hi = (wall + 15 * HOUR_MS) / SECOND_MS; // local date `date` or after
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDate(timeZone, mid * SECOND_MS) >= date) hi = mid;
    else lo = mid;
  }
  return hi * SECOND_MS;
}

/** {@link startOfDayMs} written with the zone's offset at that instant: `2026-03-08T00:00:00-08:00` (`Z` for UTC). */
export function startOfDay(date: string, timeZone?: string): string {
  const ms = startOfDayMs(date, timeZone);
  return formatInstant(ms, timeZone === undefined ? 0 : offsetMinutesAt(timeZone, ms));
}

/** Epoch milliseconds calendar day `date` ends in `timeZone`: the start of the next day. Throws as {@link startOfDayMs}. */
export function endOfDayMs(date: string, timeZone?: string): number {
  return startOfDayMs(nextDay(date), timeZone);
}

/** {@link endOfDayMs} written with the zone's offset at that instant. */
export function endOfDay(date: string, timeZone?: string): string {
  return startOfDay(nextDay(date), timeZone);
}

/** An instant written with `timeZone`'s offset at that instant. Throws a RangeError for an unknown zone. */
export function formatInZone(epochMs: number, timeZone: string): string {
  return formatInstant(epochMs, offsetMinutesAt(timeZone, epochMs));
}

/** The zone's UTC offset in minutes at an instant (e.g. -480 for Los Angeles in winter). */
export function offsetMinutesAt(timeZone: string, epochMs: number): number {
  const w = wallClock(timeZone, epochMs);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(epochMs / SECOND_MS) * SECOND_MS) / MINUTE_MS);
}

/** `date` plus `days` calendar days. Throws a RangeError unless `date` {@link isCalendarDate}. */
export function addDays(date: string, days: number): string {
  if (!isCalendarDate(date)) throw new RangeError(`not a calendar date: ${date}`);
  return shiftDays(date, days);
}

/** Epoch milliseconds of `YYYY-MM-DD` 00:00 UTC; the day may roll over (see {@link startOfDayMs}). */
function wallMidnight(date: string, days = 0): number {
  const m = CALENDAR_DATE.exec(date);
  if (!m) throw new RangeError(`not a calendar date: ${date}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days);
}

function nextDay(date: string): string {
  return shiftDays(date, 1);
}

function shiftDays(date: string, days: number): string {
  return new Date(wallMidnight(date, days)).toISOString().slice(0, 10);
}

/** Minutes east of UTC for `Z`, `±HH:MM`, `±HHMM` or `±HH`; undefined beyond ±23:59. */
function parseOffset(off: string): number | undefined {
  if (off.toUpperCase() === 'Z') return 0;
  const digits = off.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return (off.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

function isCalendarDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(timeZone: string, epochMs: number): WallClock {
  const parts: Partial<Record<string, number>> = {};
  for (const p of formatterFor(timeZone).formatToParts(epochMs)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0, hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0 };
}

function localDate(timeZone: string, epochMs: number): string {
  const w = wallClock(timeZone, epochMs);
  return `${String(w.year).padStart(4, '0')}-${pad2(w.month)}-${pad2(w.day)}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
