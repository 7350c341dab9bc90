import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseHttpDate, parseRetryAfter } from './retry-after';

const NOW = Date.UTC(2026, 0, 31, 18, 42, 0);

describe('parseRetryAfter', () => {
  it('reads delay-seconds, trimmed', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
  });

  it('reads all three HTTP-date forms as the same instant (IMF-fixdate, RFC 850, asctime)', () => {
    expect(parseRetryAfter('Sat, 31 Jan 2026 18:42:07 GMT', NOW)).toBe(7_000);
    expect(parseRetryAfter('Saturday, 31-Jan-26 18:42:07 GMT', NOW)).toBe(7_000);
    expect(parseRetryAfter('Sat Jan 31 18:42:07 2026', NOW)).toBe(7_000);
  });

  it('reads a one-digit asctime day padded with a space, and names in any case', () => {
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994', NOW)).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate('SUN, 06 NOV 1994 08:49:37 gmt', NOW)).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
  });

  it('reads asctime as UTC whatever the process time zone (Date.parse would read local time)', () => {
    // The same text, parsed by Date.parse, depends on TZ; ours cannot: no Date.parse is involved.
    expect(parseHttpDate('Sat Jan 31 18:42:07 2026', NOW)).toBe(Date.UTC(2026, 0, 31, 18, 42, 7));
  });

  it('reads an RFC 850 two-digit year as at most 50 years ahead (RFC 9110 §5.6.7)', () => {
    expect(new Date(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', NOW) ?? 0).getUTCFullYear()).toBe(1994);
    expect(new Date(parseHttpDate('Monday, 06-Nov-30 08:49:37 GMT', NOW) ?? 0).getUTCFullYear()).toBe(2030);
    expect(new Date(parseHttpDate('Monday, 06-Nov-76 08:49:37 GMT', NOW) ?? 0).getUTCFullYear()).toBe(2076);
    expect(new Date(parseHttpDate('Monday, 06-Nov-77 08:49:37 GMT', NOW) ?? 0).getUTCFullYear()).toBe(1977);
  });

  it('clamps a date in the past to zero, in every form', () => {
    expect(parseRetryAfter('Sat, 31 Jan 2026 18:41:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', NOW)).toBe(0);
  });

  it('caps huge values (seconds or a far-future date) at a day, or at maxMs', () => {
    expect(parseRetryAfter('99999999999999999999', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('600', NOW, { maxMs: 60_000 })).toBe(60_000);
  });

  it('reads any number of digits unless maxDelayDigits bounds them (then unreadable)', () => {
    expect(parseRetryAfter('1234567890', NOW, { maxMs: Number.MAX_SAFE_INTEGER })).toBe(1_234_567_890_000);
    expect(parseRetryAfter('1234567890', NOW, { maxDelayDigits: 9 })).toBeUndefined();
    expect(parseRetryAfter('86400', NOW, { maxDelayDigits: 9 })).toBe(86_400_000);
  });

  it.each([
    null,
    undefined,
    '',
    '-5',
    '1.5',
    '+5',
    'soon',
    '2026-01-31T18:42:07Z',
    'Xyz, nonsense',
    'Sat, 31 Jan 2026 18:42:07 +0000',
    'Sat, 31 Jan 2026 18:42:07',
    'Sat, 31 Foo 2026 18:42:07 GMT',
    'Sat, 31 Feb 2026 18:42:07 GMT',
    'Sat, 31 Jan 2026 24:00:00 GMT',
    'Sat, 1 Jan 2026 18:42:07 GMT',
    'Sat, 31-Jan-26 18:42:07 GMT',
    'Sat Jan 31 18:42:07 2026 GMT',
  ])('is undefined for %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});
