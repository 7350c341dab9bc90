/** Options of {@link parseRetryAfter}. */
export interface ParseRetryAfterOptions {
  /**
   * Longest delay-seconds value read, in digits; a longer one is unreadable (undefined). Unbounded
   * by default. 9 digits (~31 years) keeps absurd values from being taken literally.
   */
  maxDelayDigits?: number;
}

/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds from
 * `nowMs` (0 for a date already past), or undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number, opts: ParseRetryAfterOptions = {}): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return opts.maxDelayDigits !== undefined && v.length > opts.maxDelayDigits ? undefined : Number(v) * 1000;
  // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT"; Date.parse also reads the obsolete forms.
  if (!/^[A-Za-z]{3},? /.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
