/**
 * Instants and calendar dates as BambooHR writes them, turned into the ISO-8601 forms JmlEvent v1
 * accepts. Pure and deterministic: nothing here reads the clock.
 *
 * BambooHR writes instants with a colon-less offset (`2026-01-31T18:42:00+0000`), which
 * `z.iso.datetime({ offset: true })` rejects, so every instant is re-emitted in one canonical form.
 * Calendar dates are `YYYY-MM-DD`, and `0000-00-00` means "no date".
 */

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EMPTY_DATES = new Set(['', '0000-00-00']);
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * Epoch milliseconds of an ISO-8601 date-time that carries an offset (`Z`, `±HH:MM`, `±HHMM` or
 * `±HH`); seconds and fractions are optional. Undefined for anything else, including impossible
 * calendar values (`2026-02-30`) and local times without an offset (they name no instant).
 */
export function parseInstant(text: string): number | undefined {
  const m = INSTANT.exec(text.trim());
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

/** `2026-01-31T18:42:00Z`, or with `.sss` when the instant has milliseconds; `offsetMinutes` shifts the wall time shown. */
export function formatInstant(epochMs: number, offsetMinutes = 0): string {
  const wall = new Date(epochMs + offsetMinutes * MINUTE_MS).toISOString(); // 2026-01-31T18:42:00.000Z
  const body = wall.endsWith('.000Z') ? wall.slice(0, -5) : wall.slice(0, -1);
  if (offsetMinutes === 0) return `${body}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${body}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** The canonical UTC form of an ISO-8601 instant with offset, or undefined when it is not one. */
export function canonicalInstant(text: string): string | undefined {
  const ms = parseInstant(text);
  return ms === undefined ? undefined : formatInstant(ms);
}

/**
 * A BambooHR calendar date: the date itself when valid, `null` for BambooHR's "empty"
 * (`0000-00-00` or blank), undefined when the text is not a date at all.
 */
export function parseCalendarDate(text: string): string | null | undefined {
  const t = text.trim();
  if (EMPTY_DATES.has(t)) return null;
  const m = CALENDAR_DATE.exec(t);
  if (!m) return undefined;
  return isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3])) ? t : undefined;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first instant of calendar day `date` in `timeZone` (UTC when undefined), written with that
 * zone's offset at that instant: `2026-03-02T00:00:00+01:00`. Where a DST jump skips local
 * midnight, the day starts at the first local time that exists (e.g. 01:00). Throws a RangeError
 * for an unknown time zone.
 */
export function startOfDay(date: string, timeZone?: string): string {
  const ms = startOfDayMs(date, timeZone);
  return formatInstant(ms, timeZone ? offsetMinutesAt(timeZone, ms) : 0);
}

/** The instant calendar day `date` ends in `timeZone`: the start of the next day. */
export function endOfDay(date: string, timeZone?: string): string {
  return startOfDay(nextDay(date), timeZone);
}

/** Epoch milliseconds of {@link startOfDay}. */
export function startOfDayMs(date: string, timeZone?: string): number {
  const m = CALENDAR_DATE.exec(date);
  if (!m) throw new RangeError(`not a calendar date: ${date}`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (!timeZone) return wall;
  // Offsets lie within -12h..+14h, so local midnight lies in [wall - 14h, wall + 12h]; search a
  // wider bracket (in seconds) for the first instant whose local date is `date` or later.
  let lo = (wall - 15 * HOUR_MS) / 1000;
  let hi = (wall + 15 * HOUR_MS) / 1000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDate(timeZone, mid * 1000) >= date) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

/** Epoch milliseconds of {@link endOfDay}. */
export function endOfDayMs(date: string, timeZone?: string): number {
  return startOfDayMs(nextDay(date), timeZone);
}

function nextDay(date: string): string {
  const m = CALENDAR_DATE.exec(date);
  if (!m) throw new RangeError(`not a calendar date: ${date}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1)).toISOString().slice(0, 10);
}

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

/** Wall-clock fields of an instant in a zone. */
function wallClock(timeZone: string, epochMs: number): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(epochMs)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0, hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0 };
}

function localDate(timeZone: string, epochMs: number): string {
  const w = wallClock(timeZone, epochMs);
  return `${String(w.year).padStart(4, '0')}-${pad2(w.month)}-${pad2(w.day)}`;
}

function offsetMinutesAt(timeZone: string, epochMs: number): number {
  const w = wallClock(timeZone, epochMs);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / MINUTE_MS);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
