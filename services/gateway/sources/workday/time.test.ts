import { describe, expect, it } from 'vitest';
import { addDays, canonicalInstant, endOfDay, endOfDayMs, formatInstant, isCalendarDate, isTimeZone, offsetMinutesAt, parseInstant, startOfDay, startOfDayMs } from './time';

const HOUR_MS = 3_600_000;

describe('parseInstant / canonicalInstant', () => {
  it('reads Workday moments with offset, milliseconds or none', () => {
    expect(parseInstant('2026-02-10T09:15:00.000-08:00')).toBe(Date.UTC(2026, 1, 10, 17, 15));
    expect(parseInstant('2026-02-10T09:15-08:00')).toBe(Date.UTC(2026, 1, 10, 17, 15));
    expect(parseInstant('2026-02-10T17:15:00.123456Z')).toBe(Date.UTC(2026, 1, 10, 17, 15, 0, 123));
    expect(parseInstant('2026-02-10T23:15:00+05:45')).toBe(Date.UTC(2026, 1, 10, 17, 30));
    expect(parseInstant('2026-02-10T17:15:00.1234567890Z')).toBe(Date.UTC(2026, 1, 10, 17, 15, 0, 123)); // any precision zod accepts
  });

  it('names no instant for a local time, an impossible date or a colon-less offset', () => {
    expect(parseInstant('2026-02-10T09:15:00')).toBeUndefined();
    expect(parseInstant('2026-02-30T09:15:00Z')).toBeUndefined();
    expect(parseInstant('2026-02-10T24:00:00Z')).toBeUndefined();
    expect(parseInstant('2026-02-10T09:15:00-0800')).toBeUndefined();
  });

  it('canonicalises to UTC, dropping zero milliseconds', () => {
    expect(canonicalInstant('2026-02-10T09:15:00.000-08:00')).toBe('2026-02-10T17:15:00Z');
    expect(canonicalInstant('2026-02-10T09:15:00.250-08:00')).toBe('2026-02-10T17:15:00.250Z');
    expect(formatInstant(Date.UTC(2026, 1, 10, 17, 15), -480)).toBe('2026-02-10T09:15:00-08:00');
    expect(formatInstant(Date.UTC(2026, 1, 10, 17, 15), 345)).toBe('2026-02-10T23:00:00+05:45');
  });
});

describe('calendar dates and zones', () => {
  it('knows real dates and IANA zones', () => {
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-3-1')).toBe(false);
    expect(isTimeZone('America/Los_Angeles')).toBe(true);
    expect(isTimeZone('GMT-08:00 Pacific Time (Los Angeles)')).toBe(false);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});

describe('startOfDay / endOfDay', () => {
  it('is local midnight with that moment’s offset', () => {
    expect(startOfDay('2026-03-02', 'UTC')).toBe('2026-03-02T00:00:00Z');
    expect(startOfDay('2026-03-02', 'Europe/Berlin')).toBe('2026-03-02T00:00:00+01:00');
    expect(startOfDay('2026-07-02', 'Europe/Berlin')).toBe('2026-07-02T00:00:00+02:00');
    expect(startOfDay('2026-03-02', 'Asia/Kathmandu')).toBe('2026-03-02T00:00:00+05:45');
    expect(startOfDay('2026-01-01', 'Pacific/Kiritimati')).toBe('2026-01-01T00:00:00+14:00');
    expect(startOfDay('2026-01-01', 'Pacific/Pago_Pago')).toBe('2026-01-01T00:00:00-11:00');
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

  it('reports the zone offset in minutes at an instant', () => {
    expect(offsetMinutesAt('America/Los_Angeles', Date.UTC(2026, 0, 15))).toBe(-480);
    expect(offsetMinutesAt('America/Los_Angeles', Date.UTC(2026, 6, 15))).toBe(-420);
    expect(offsetMinutesAt('Asia/Kathmandu', Date.UTC(2026, 6, 15))).toBe(345);
  });

  it('throws on an unknown zone or a non-date', () => {
    expect(() => startOfDay('2026-03-02', 'Mars/Olympus_Mons')).toThrow(RangeError);
    expect(() => startOfDay('2026-02-30', 'UTC')).toThrow(RangeError);
  });
});
