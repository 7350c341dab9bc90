/**
 * The one `Retry-After` parser (RFC 9110 §10.2.3), for connectors and HR sources alike. The value
 * is delay-seconds (`120`) or an HTTP-date (§5.6.7) in any of its three forms, all read as UTC:
 *
 * - IMF-fixdate, the one senders must use: `Sun, 06 Nov 1994 08:49:37 GMT`;
 * - the obsolete RFC 850 form: `Sunday, 06-Nov-94 08:49:37 GMT`, whose two-digit year is the most
 *   recent year with those digits that is not more than 50 years ahead of `nowMs` (§5.6.7);
 * - the obsolete asctime form: `Sun Nov  6 08:49:37 1994` (no zone: UTC by definition, where
 *   `Date.parse` would read local time).
 *
 * Parsed by grammar, not by `Date.parse`, whose acceptance of other shapes differs between
 * engines. Day names and month names are matched without regard to case; the day name is not
 * checked against the date.
 */

/** Options of {@link parseRetryAfter}. */
export interface ParseRetryAfterOptions {
  /**
   * Longest delay-seconds value read, in digits; a longer one is unreadable (undefined). Unbounded
   * by default. 9 digits (~31 years) keeps absurd values from being taken literally.
   */
  maxDelayDigits?: number;
  /** Longest delay returned; a longer one (seconds or a far-future date) is cut to it. Default {@link MAX_RETRY_AFTER_MS}. */
  maxMs?: number;
}

/** Default cap of a parsed delay: one day. A sender asking for longer is asked again then. */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const MONTH = '([A-Za-z]{3})';
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i');
const RFC850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i');
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`, 'i');

/**
 * Milliseconds to wait from `nowMs` (0 for a date already past, at most `opts.maxMs`), or
 * undefined when the header is absent or unreadable (then the caller backs off as it would
 * without one).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number, opts: ParseRetryAfterOptions = {}): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  const maxMs = opts.maxMs ?? MAX_RETRY_AFTER_MS;
  if (/^\d+$/.test(v)) {
    if (opts.maxDelayDigits !== undefined && v.length > opts.maxDelayDigits) return undefined;
    return Math.min(maxMs, Number(v) * 1000);
  }
  const at = parseHttpDate(v, nowMs);
  return at === undefined ? undefined : Math.min(maxMs, Math.max(0, at - nowMs));
}

/** An HTTP-date (RFC 9110 §5.6.7) in milliseconds since the epoch, or undefined. */
export function parseHttpDate(text: string, nowMs: number): number | undefined {
  let m = IMF_FIXDATE.exec(text);
  if (m) return utc(Number(m[3]), m[2], Number(m[1]), m[4], m[5], m[6]);
  m = RFC850_DATE.exec(text);
  if (m) return utc(fullYear(Number(m[3]), nowMs), m[2], Number(m[1]), m[4], m[5], m[6]);
  m = ASCTIME_DATE.exec(text);
  if (m) return utc(Number(m[6]), m[1], Number(m[2]?.trim()), m[3], m[4], m[5]);
  return undefined;
}

/** RFC 9110 §5.6.7: a two-digit year more than 50 years ahead is the most recent past year with those digits. */
function fullYear(twoDigits: number, nowMs: number): number {
  const thisYear = new Date(nowMs).getUTCFullYear();
  let year = thisYear - (thisYear % 100) + twoDigits;
  if (year > thisYear + 50) year -= 100;
  return year;
}

function utc(year: number, monthName: string | undefined, day: number, hh: string | undefined, mm: string | undefined, ss: string | undefined): number | undefined {
  const month = MONTHS.indexOf((monthName ?? '').toLowerCase());
  const [h, min, s] = [Number(hh), Number(mm), Number(ss)];
  // Leap seconds (60) are allowed by the grammar; read as the last second of the minute.
  if (month < 0 || day < 1 || h > 23 || min > 59 || s > 60) return undefined;
  const ms = Date.UTC(year, month, day, h, min, Math.min(s, 59));
  // Date.UTC rolls 31 Feb over into March: such a date is not a date.
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}
