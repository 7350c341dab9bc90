import { describe, expect, it } from 'vitest';
import { canonicalInstant, endOfDay, endOfDayMs, formatInstant, parseInstant, startOfDay, startOfDayMs } from './time';

// The shared logic (DST, zones, calendar arithmetic) is tested in ../shared/time.test.ts; this file
// pins Workday's dialect: strict instants, a required zone and no rolled-over dates.

describe('parseInstant / canonicalInstant', () => {
  it('reads Workday moments with offset, milliseconds or none', () => {
    expect(parseInstant('2026-02-10T09:15:00.000-08:00')).toBe(Date.UTC(2026, 1, 10, 17, 15));
    expect(parseInstant('2026-02-10T09:15-08:00')).toBe(Date.UTC(2026, 1, 10, 17, 15));
    expect(parseInstant('2026-02-10T17:15:00.123456Z')).toBe(Date.UTC(2026, 1, 10, 17, 15, 0, 123));
    expect(parseInstant('2026-02-10T23:15:00+05:45')).toBe(Date.UTC(2026, 1, 10, 17, 30));
    expect(parseInstant('2026-02-10T17:15:00.1234567890Z')).toBe(Date.UTC(2026, 1, 10, 17, 15, 0, 123)); // any precision zod accepts
  });

  it('names no instant for a local time, an impossible date, a colon-less offset or padding', () => {
    expect(parseInstant('2026-02-10T09:15:00')).toBeUndefined();
    expect(parseInstant('2026-02-30T09:15:00Z')).toBeUndefined();
    expect(parseInstant('2026-02-10T24:00:00Z')).toBeUndefined();
    expect(parseInstant('2026-02-10T09:15:00-0800')).toBeUndefined();
    expect(parseInstant(' 2026-02-10T09:15:00Z')).toBeUndefined();
  });

  it('canonicalises to UTC, dropping zero milliseconds', () => {
    expect(canonicalInstant('2026-02-10T09:15:00.000-08:00')).toBe('2026-02-10T17:15:00Z');
    expect(canonicalInstant('2026-02-10T09:15:00.250-08:00')).toBe('2026-02-10T17:15:00.250Z');
    expect(canonicalInstant('2026-02-10T09:15:00-0800')).toBeUndefined();
    expect(formatInstant(Date.UTC(2026, 1, 10, 17, 15), -480)).toBe('2026-02-10T09:15:00-08:00');
  });
});

describe('startOfDay / endOfDay', () => {
  it('is local midnight in the zone given', () => {
    expect(startOfDay('2026-03-08', 'America/Los_Angeles')).toBe('2026-03-08T00:00:00-08:00');
    expect(endOfDay('2026-03-08', 'America/Los_Angeles')).toBe('2026-03-09T00:00:00-07:00');
  });

  it('throws on an unknown or empty zone', () => {
    expect(() => startOfDay('2026-03-02', 'Mars/Olympus_Mons')).toThrow(RangeError);
    expect(() => startOfDayMs('2026-03-02', '')).toThrow(RangeError);
  });

  it('refuses an impossible date instead of rolling it over', () => {
    expect(() => startOfDay('2026-02-30', 'UTC')).toThrow(RangeError);
    expect(() => startOfDayMs('2026-02-30', 'UTC')).toThrow(RangeError);
    expect(() => endOfDay('2026-02-30', 'UTC')).toThrow(RangeError);
    expect(() => endOfDayMs('2026-02-30', 'UTC')).toThrow(RangeError);
  });
});
