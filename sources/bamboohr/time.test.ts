import { describe, expect, it } from 'vitest';
import { canonicalInstant, endOfDay, endOfDayMs, isTimeZone, parseCalendarDate, parseInstant, startOfDay, startOfDayMs } from './time';

// The shared logic is tested in ../shared/time.test.ts; this file pins BambooHR's dialect.

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

describe('canonicalInstant', () => {
  it('re-emits BambooHR instants in canonical UTC', () => {
    expect(canonicalInstant('2026-01-31T18:42:00+0000')).toBe('2026-01-31T18:42:00Z');
    expect(canonicalInstant('2026-01-31T11:42:00.5-07:00')).toBe('2026-01-31T18:42:00.500Z');
    expect(canonicalInstant('31/01/2026')).toBeUndefined();
  });
});

describe('parseCalendarDate', () => {
  it('treats 0000-00-00 and blank as known-empty, not as invalid', () => {
    expect(parseCalendarDate('0000-00-00')).toBeNull();
    expect(parseCalendarDate('')).toBeNull();
    expect(parseCalendarDate(' 2026-03-02 ')).toBe('2026-03-02');
    expect(parseCalendarDate('2026-02-30')).toBeUndefined();
    expect(parseCalendarDate('03/02/2026')).toBeUndefined();
  });
});

describe('startOfDay / endOfDay', () => {
  it('is midnight UTC without a time zone, or with an empty one', () => {
    expect(startOfDay('2026-03-02')).toBe('2026-03-02T00:00:00Z');
    expect(startOfDay('2026-03-02', '')).toBe('2026-03-02T00:00:00Z');
    expect(endOfDay('2026-12-31', '')).toBe('2027-01-01T00:00:00Z');
    expect(endOfDayMs('2026-12-31', '') - startOfDayMs('2026-12-31', '')).toBe(86_400_000);
  });

  it('is local midnight with that moment’s offset in a tenant time zone', () => {
    expect(startOfDay('2026-03-02', 'Europe/Berlin')).toBe('2026-03-02T00:00:00+01:00');
    expect(endOfDay('2026-09-05', 'America/Santiago')).toBe('2026-09-06T01:00:00-03:00');
  });

  it('throws on an unknown zone, which isTimeZone predicts', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => startOfDay('2026-03-02', 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});
