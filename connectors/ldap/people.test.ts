import { describe, expect, it } from 'vitest';
import { generalizedTime } from './people';

describe('generalizedTime (createTimestamp)', () => {
  it('reads the UTC form servers write, with or without a fraction', () => {
    expect(generalizedTime('20261205132500Z')).toBe('2026-12-05T13:25:00.000Z');
    expect(generalizedTime('20261205132500.123456Z')).toBe('2026-12-05T13:25:00.123Z');
  });
  it('refuses local times, offsets and anything else: no creation time rather than a wrong one', () => {
    expect(generalizedTime('20261205132500')).toBeUndefined();
    expect(generalizedTime('20261205132500+0100')).toBeUndefined();
    expect(generalizedTime('yesterday')).toBeUndefined();
    expect(generalizedTime(undefined)).toBeUndefined();
  });
});
