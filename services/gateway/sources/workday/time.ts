/**
 * Instants and calendar dates for the Workday adapter. Pure and deterministic: nothing here reads
 * the clock, and time zones come only from `Intl` (the runtime's IANA database), so there is no
 * dependency to keep current beyond Node itself.
 *
 * Workday effective dates are calendar dates with no zone. We turn a date into the instant its day
 * starts in a named IANA zone: the worker's zone when known, else the tenant's configured default
 * (see normalize.ts for which applies). That instant is written with the zone's offset at that
 * moment (`2026-03-02T00:00:00+01:00`), so the local day stays readable in the event.
 */

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * Epoch milliseconds of an ISO-8601 date-time with an offset (`Z` or `±HH:MM`), the form
 * `z.iso.datetime({ offset: true })` accepts; seconds and fractions are optional. Undefined for
 * anything else, including impossible calendar values and local times without an offset.
 */
export function parseInstant(text: string): number | undefined {
  const m = INSTANT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '00', frac = '', off = 'Z'] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (hour > 23 || minute > 59 || second > 59 || !isCalendarDay(year, month, day)) return undefined;
  let offsetMinutes = 0;
  if (off.toUpperCase() !== 'Z') {
    const oh = Number(off.slice(1, 3));
    const om = Number(off.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (off.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const ms = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * MINUTE_MS;
}

/**
 * `2026-01-31T18:42:00Z` (with `.sss` only when the instant has milliseconds). With
 * `offsetMinutes`, the wall time of that offset is shown with it: `2026-01-31T10:42:00-08:00`.
 */
export function formatInstant(epochMs: number, offsetMinutes = 0): string {
  const wall = new Date(epochMs + offsetMinutes * MINUTE_MS).toISOString();
  const body = wall.endsWith('.000Z') ? wall.slice(0, -5) : wall.slice(0, -1);
  if (offsetMinutes === 0) return `${body}Z`;
  const abs = Math.abs(offsetMinutes);
  return `${body}${offsetMinutes < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** The canonical UTC form of an instant with offset (see {@link formatInstant}), or undefined. */
export function canonicalInstant(text: string): string | undefined {
  const ms = parseInstant(text);
  return ms === undefined ? undefined : formatInstant(ms);
}

/** True when `text` is a real `YYYY-MM-DD` date. */
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
 * Epoch milliseconds of the first instant of calendar day `date` in `timeZone`. Usually local
 * midnight; where a DST jump skips midnight (America/Santiago in September, 00:00 → 01:00) the day
 * starts at the first local time that exists. Throws a RangeError for a non-date or unknown zone.
 */
export function startOfDayMs(date: string, timeZone: string): number {
  if (!isCalendarDate(date)) throw new RangeError(`not a calendar date: ${date}`);
  const wall = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  // UTC offsets lie within -12h..+14h, so the day starts somewhere in [wall - 14h, wall + 12h].
  // Local dates never run backwards (a fall-back repeats times, not dates), so the first second
  // whose local date is `date` or later can be found by bisection.
  let lo = (wall - 15 * HOUR_MS) / SECOND_MS; // local date before `date`
  let hi = (wall + 15 * HOUR_MS) / SECOND_MS; // local date `date` or after
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDate(timeZone, mid * SECOND_MS) >= date) hi = mid;
    else lo = mid;
  }
  return hi * SECOND_MS;
}

/** {@link startOfDayMs} written with the zone's offset at that instant: `2026-03-08T00:00:00-08:00`. */
export function startOfDay(date: string, timeZone: string): string {
  const ms = startOfDayMs(date, timeZone);
  return formatInstant(ms, offsetMinutesAt(timeZone, ms));
}

/** The instant calendar day `date` ends in `timeZone`: the start of the next day. */
export function endOfDayMs(date: string, timeZone: string): number {
  return startOfDayMs(addDays(date, 1), timeZone);
}

/** {@link endOfDayMs} written with the zone's offset at that instant. */
export function endOfDay(date: string, timeZone: string): string {
  return startOfDay(addDays(date, 1), timeZone);
}

/** An instant written with `timeZone`'s offset at that instant. */
export function formatInZone(epochMs: number, timeZone: string): string {
  return formatInstant(epochMs, offsetMinutesAt(timeZone, epochMs));
}

/** The zone's UTC offset in minutes at an instant (e.g. -480 for Los Angeles in winter). */
export function offsetMinutesAt(timeZone: string, epochMs: number): number {
  const w = wallClock(timeZone, epochMs);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(epochMs / SECOND_MS) * SECOND_MS) / MINUTE_MS);
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  if (!isCalendarDate(date)) throw new RangeError(`not a calendar date: ${date}`);
  const ms = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)) + days);
  return new Date(ms).toISOString().slice(0, 10);
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
