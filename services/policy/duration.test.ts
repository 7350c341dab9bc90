import { describe, expect, it } from 'vitest';
import { durationMs } from './duration';

describe('durationMs', () => {
  it('converts > weeks, days, hours, minutes and seconds', () => {
    expect(durationMs('P30D')).toBe(30 * 86_400_000);
    expect(durationMs('P2W')).toBe(14 * 86_400_000);
    expect(durationMs('P1DT2H3M4S')).toBe(86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4_000);
    expect(durationMs('PT5S')).toBe(5_000);
    expect(durationMs('PT1.5S')).toBe(1_500);
  });

  it('refuses > calendar units and malformed text, naming the value', () => {
    for (const bad of ['P1Y', 'P1M', 'P', 'PT', '30D', 'P-1D', '']) expect(() => durationMs(bad), bad).toThrow(`'${bad}'`);
  });
});
