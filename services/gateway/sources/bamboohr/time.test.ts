import { describe, expect, it } from 'vitest';
import { canonicalInstant, endOfDay, formatInstant, isTimeZone, parseCalendarDate, parseInstant, startOfDay } from './time';

describe('parseInstant', () => {
  it('accepts every offset style BambooHR documents', () => {
    const ms = Date.UTC(2026, 0, 31, 18, 42, 0);
    for (const s of ['2026-01-31T18:42:00Z', '2026-01-31T18:42:00+00:00', '2026-01-31T18:42:00+0000', '2026-01-31T19:42:00+01', '2026-01-31T13:42:00-0500']) {
      expect(parseInstant(s), s).toBe(ms);
    }
  });

  it('keeps milliseconds and truncates finer fractions', () => {
    expect(parseInstant('2026-01-31T18:42:00.1239Z')).toBe(Date.UTC(2026, 0, 31, 18, 42, 0, 123));
  });

  it('refuses local times, impossible dates and nonsense', () => {
    for (const s of ['2026-01-31T18:42:00', '2026-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-31T18:60:00Z', '2026-01-31T18:42:00+2400', 'now', '']) {
      expect(parseInstant(s), s).toBeUndefined();
    }
  });
});

describe('formatInstant', () => {
  it('writes UTC with Z, omits zero milliseconds and shows other offsets with a colon', () => {
    const ms = Date.UTC(2026, 0, 31, 18, 42, 0);
    expect(formatInstant(ms)).toBe('2026-01-31T18:42:00Z');
    expect(formatInstant(ms + 5)).toBe('2026-01-31T18:42:00.005Z');
    expect(formatInstant(ms, -300)).toBe('2026-01-31T13:42:00-05:00');
    expect(formatInstant(ms, 345)).toBe('2026-02-01T00:27:00+05:45');
  });

  it('round-trips through canonicalInstant', () => {
    expect(canonicalInstant('2026-01-31T18:42:00+0000')).toBe('2026-01-31T18:42:00Z');
    expect(canonicalInstant('2026-01-31T11:42:00.5-07:00')).toBe('2026-01-31T18:42:00.500Z');
    expect(canonicalInstant('31/01/2026')).toBeUndefined();
  });
});

describe('parseCalendarDate', () => {
  it('treats 0000-00-00 and blank as known-empty, not as invalid', () => {
    expect(parseCalendarDate('0000-00-00')).toBeNull();
    expect(parseCalendarDate('')).toBeNull();
    expect(parseCalendarDate('2026-03-02')).toBe('2026-03-02');
    expect(parseCalendarDate('2026-02-30')).toBeUndefined();
    expect(parseCalendarDate('03/02/2026')).toBeUndefined();
  });
});

describe('startOfDay / endOfDay', () => {
  it('is midnight UTC without a time zone', () => {
    expect(startOfDay('2026-03-02')).toBe('2026-03-02T00:00:00Z');
    expect(endOfDay('2026-12-31')).toBe('2027-01-01T00:00:00Z');
  });

  it('is local midnight with that moment’s offset in a tenant time zone', () => {
    expect(startOfDay('2026-03-02', 'Europe/Berlin')).toBe('2026-03-02T00:00:00+01:00');
    expect(startOfDay('2026-07-02', 'Europe/Berlin')).toBe('2026-07-02T00:00:00+02:00');
    expect(startOfDay('2026-03-02', 'Asia/Kathmandu')).toBe('2026-03-02T00:00:00+05:45');
    expect(startOfDay('2026-01-01', 'Pacific/Kiritimati')).toBe('2026-01-01T00:00:00+14:00');
    expect(endOfDay('2026-02-13', 'America/New_York')).toBe('2026-02-14T00:00:00-05:00');
  });

  it('starts the day at the first existing local time when DST skips midnight', () => {
    // Chile moves clocks from 00:00 to 01:00 on the first Sunday of September.
    expect(startOfDay('2026-09-06', 'America/Santiago')).toBe('2026-09-06T01:00:00-03:00');
    expect(endOfDay('2026-09-05', 'America/Santiago')).toBe('2026-09-06T01:00:00-03:00');
  });

  it('throws on an unknown zone, which isTimeZone predicts', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => startOfDay('2026-03-02', 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});
