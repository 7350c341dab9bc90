import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after';

const NOW = Date.UTC(2026, 0, 31, 18, 42, 0);

describe('parseRetryAfter', () => {
  it('reads delay-seconds, trimmed', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
  });

  it('reads an IMF-fixdate, clamping a past date to zero', () => {
    expect(parseRetryAfter('Sat, 31 Jan 2026 18:42:07 GMT', NOW)).toBe(7_000);
    expect(parseRetryAfter('Sat, 31 Jan 2026 18:41:00 GMT', NOW)).toBe(0);
  });

  it.each([null, undefined, '', '-5', '1.5', 'soon', '2026-01-31T18:42:07Z', 'Xyz, nonsense'])('is undefined for %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  it('reads any number of digits unless maxDelayDigits bounds them', () => {
    expect(parseRetryAfter('1234567890', NOW)).toBe(1_234_567_890_000);
    expect(parseRetryAfter('1234567890', NOW, { maxDelayDigits: 9 })).toBeUndefined();
    expect(parseRetryAfter('123456789', NOW, { maxDelayDigits: 9 })).toBe(123_456_789_000);
  });
});
