import { describe, expect, it } from 'vitest';
import { addDays, canonicalInstant, endOfDay, endOfDayMs, formatInstant, formatInZone, isCalendarDate, isTimeZone, offsetMinutesAt, parseInstant, startOfDay, startOfDayMs } from './time';

const HOUR_MS = 3_600_000;

describe('parseInstant', () => {
  it('reads rfc3339 by default: Z or ±HH:MM, with or without seconds and fractions of any precision', () => {
    expect(parseInstant('2026-02-10T09:15:00.000-08:00')).toBe(Date.UTC(2026, 1, 10, 17, 15));
    expect(parseInstant('2026-02-10T09:15-08:00')).toBe(Date.UTC(2026, 1, 10, 17, 15));
    expect(parseInstant('2026-02-10T23:15:00+05:45')).toBe(Date.UTC(2026, 1, 10, 17, 30));
    expect(parseInstant('2026-02-10T17:15:00.1234567890Z')).toBe(Date.UTC(2026, 1, 10, 17, 15, 0, 123));
  });

  it('refuses in rfc3339 what zod refuses: colon-less or hour-only offsets and surrounding whitespace', () => {
    for (const s of ['2026-01-31T18:42:00+0000', '2026-01-31T19:42:00+01', ' 2026-01-31T18:42:00Z']) expect(parseInstant(s), s).toBeUndefined();
  });

  it('reads every ISO-8601 offset form in iso8601, trimmed, with fractions down to nanoseconds', () => {
    const ms = Date.UTC(2026, 0, 31, 18, 42, 0);
    for (const s of ['2026-01-31T18:42:00Z', '2026-01-31T18:42:00+00:00', '2026-01-31T18:42:00+0000', '2026-01-31T19:42:00+01', ' 2026-01-31T13:42:00-0500 ']) {
      expect(parseInstant(s, { syntax: 'iso8601' }), s).toBe(ms);
    }
    expect(parseInstant('2026-01-31T18:42:00.123456789Z', { syntax: 'iso8601' })).toBe(ms + 123);
    expect(parseInstant('2026-01-31T18:42:00.1234567890Z', { syntax: 'iso8601' })).toBeUndefined();
  });

  it.each(['rfc3339', 'iso8601'] as const)('names no instant in %s for a local time, an impossible value or an offset beyond 23:59', (syntax) => {
    for (const s of ['2026-01-31T18:42:00', '2026-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-31T24:00:00Z', '2026-01-31T18:60:00Z', '2026-01-31T18:42:00+24:00', 'now', '']) {
      expect(parseInstant(s, { syntax }), s).toBeUndefined();
    }
  });
});

describe('formatInstant / canonicalInstant', () => {
  it('writes UTC with Z, omits zero milliseconds and shows other offsets with a colon', () => {
    const ms = Date.UTC(2026, 0, 31, 18, 42, 0);
    expect(formatInstant(ms)).toBe('2026-01-31T18:42:00Z');
    expect(formatInstant(ms + 5)).toBe('2026-01-31T18:42:00.005Z');
    expect(formatInstant(ms, -300)).toBe('2026-01-31T13:42:00-05:00');
    expect(formatInstant(ms, 345)).toBe('2026-02-01T00:27:00+05:45');
  });

  it('canonicalises in the syntax asked for', () => {
    expect(canonicalInstant('2026-02-10T09:15:00.250-08:00')).toBe('2026-02-10T17:15:00.250Z');
    expect(canonicalInstant('2026-01-31T18:42:00+0000')).toBeUndefined();
    expect(canonicalInstant('2026-01-31T18:42:00+0000', { syntax: 'iso8601' })).toBe('2026-01-31T18:42:00Z');
  });

  it('writes an instant with a zone’s offset at that instant', () => {
    expect(formatInZone(Date.UTC(2026, 1, 10, 17, 15), 'America/Los_Angeles')).toBe('2026-02-10T09:15:00-08:00');
    expect(formatInZone(Date.UTC(2026, 6, 10, 17, 15), 'America/Los_Angeles')).toBe('2026-07-10T10:15:00-07:00');
  });
});

describe('calendar dates and zones', () => {
  it('knows real dates and IANA zones', () => {
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-3-1')).toBe(false);
    expect(isCalendarDate(' 2026-03-01')).toBe(false);
    expect(isTimeZone('America/Los_Angeles')).toBe(true);
    expect(isTimeZone('GMT-08:00 Pacific Time (Los Angeles)')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('adds calendar days across month, year and leap-day boundaries, and refuses a non-date', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
  });

  it('reports the zone offset in minutes at an instant', () => {
    expect(offsetMinutesAt('America/Los_Angeles', Date.UTC(2026, 0, 15))).toBe(-480);
    expect(offsetMinutesAt('America/Los_Angeles', Date.UTC(2026, 6, 15))).toBe(-420);
    expect(offsetMinutesAt('Asia/Kathmandu', Date.UTC(2026, 6, 15))).toBe(345);
  });
});

describe('startOfDay / endOfDay', () => {
  it('is midnight UTC without a time zone', () => {
    expect(startOfDay('2026-03-02')).toBe('2026-03-02T00:00:00Z');
    expect(endOfDay('2026-12-31')).toBe('2027-01-01T00:00:00Z');
    expect(startOfDayMs('2026-03-02')).toBe(Date.UTC(2026, 2, 2));
  });

  it('is local midnight with that moment’s offset', () => {
    expect(startOfDay('2026-03-02', 'UTC')).toBe('2026-03-02T00:00:00Z');
    expect(startOfDay('2026-03-02', 'Europe/Berlin')).toBe('2026-03-02T00:00:00+01:00');
    expect(startOfDay('2026-07-02', 'Europe/Berlin')).toBe('2026-07-02T00:00:00+02:00');
    expect(startOfDay('2026-03-02', 'Asia/Kathmandu')).toBe('2026-03-02T00:00:00+05:45');
    expect(startOfDay('2026-01-01', 'Pacific/Kiritimati')).toBe('2026-01-01T00:00:00+14:00');
    expect(startOfDay('2026-01-01', 'Pacific/Pago_Pago')).toBe('2026-01-01T00:00:00-11:00');
    expect(endOfDay('2026-02-13', 'America/New_York')).toBe('2026-02-14T00:00:00-05:00');
  });

  it('makes the US spring-forward day 23 hours long (America/Los_Angeles, 8 March 2026)', () => {
    expect(startOfDay('2026-03-08', 'America/Los_Angeles')).toBe('2026-03-08T00:00:00-08:00');
    expect(endOfDay('2026-03-08', 'America/Los_Angeles')).toBe('2026-03-09T00:00:00-07:00');
    expect(endOfDayMs('2026-03-08', 'America/Los_Angeles') - startOfDayMs('2026-03-08', 'America/Los_Angeles')).toBe(23 * HOUR_MS);
  });

  it('makes the US fall-back day 25 hours long (America/Los_Angeles, 1 November 2026)', () => {
    expect(startOfDay('2026-11-01', 'America/Los_Angeles')).toBe('2026-11-01T00:00:00-07:00');
    expect(endOfDay('2026-11-01', 'America/Los_Angeles')).toBe('2026-11-02T00:00:00-08:00');
    expect(endOfDayMs('2026-11-01', 'America/Los_Angeles') - startOfDayMs('2026-11-01', 'America/Los_Angeles')).toBe(25 * HOUR_MS);
  });

  it('switches offset across the EU change (Europe/Berlin, 29 March 2026)', () => {
    expect(startOfDay('2026-03-29', 'Europe/Berlin')).toBe('2026-03-29T00:00:00+01:00');
    expect(endOfDay('2026-03-29', 'Europe/Berlin')).toBe('2026-03-30T00:00:00+02:00');
  });

  it('starts the day at 01:00 where DST skips midnight (America/Santiago, 6 September 2026)', () => {
    expect(startOfDay('2026-09-06', 'America/Santiago')).toBe('2026-09-06T01:00:00-03:00');
    expect(endOfDay('2026-09-05', 'America/Santiago')).toBe('2026-09-06T01:00:00-03:00');
    expect(endOfDayMs('2026-09-06', 'America/Santiago') - startOfDayMs('2026-09-06', 'America/Santiago')).toBe(23 * HOUR_MS);
  });

  it('starts the day at the second midnight where DST repeats the last hour before it (America/Santiago, 5 April 2026)', () => {
    // At 24:00 on 4 April clocks go back to 23:00: 4 April has 25 hours, 5 April starts at 00:00-04:00.
    expect(startOfDay('2026-04-05', 'America/Santiago')).toBe('2026-04-05T00:00:00-04:00');
    expect(endOfDayMs('2026-04-04', 'America/Santiago') - startOfDayMs('2026-04-04', 'America/Santiago')).toBe(25 * HOUR_MS);
  });

  it('agrees with Intl on every day of 2026 in zones with unusual rules', () => {
    for (const zone of ['America/Los_Angeles', 'America/Santiago', 'Asia/Beirut', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kolkata']) {
      const sv = new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }); // YYYY-MM-DD
      const localDate = (_zone: string, ms: number) => sv.format(ms);
      for (let date = '2026-01-01'; date < '2027-01-01'; date = addDays(date, 1)) {
        const start = startOfDayMs(date, zone);
        expect(localDate(zone, start), `${zone} ${date}`).toBe(date);
        expect(localDate(zone, start - 1000), `${zone} ${date} - 1s`).toBe(addDays(date, -1));
      }
    }
  });

  it('throws on an unknown or empty zone and on a non-date, but rolls an impossible day over', () => {
    expect(() => startOfDay('2026-03-02', 'Mars/Olympus_Mons')).toThrow(RangeError);
    expect(() => startOfDayMs('2026-03-02', '')).toThrow(RangeError);
    expect(() => startOfDay('03/02/2026')).toThrow(RangeError);
    expect(startOfDay('2026-02-30')).toBe('2026-03-02T00:00:00Z');
    expect(endOfDay('2026-02-30')).toBe('2026-03-03T00:00:00Z');
  });
});
