import { describe, expect, it } from 'vitest';
import { accountOrigin, CLOCK_MARGIN_MS } from './origin';

describe('accountOrigin', () => {
  const since = Date.parse('2026-12-05T10:00:00Z');
  it('an account created after the step was scheduled was created by it', () => {
    expect(accountOrigin('2026-12-05T10:00:01Z', since)).toBe('created');
  });
  it('an app clock running behind by less than the margin still reads as created', () => {
    expect(accountOrigin(new Date(since - CLOCK_MARGIN_MS + 1_000).toISOString(), since)).toBe('created');
  });
  it('an account older than the step (beyond the margin) was there before: pre-existing', () => {
    expect(accountOrigin('2026-12-01T08:00:00Z', since)).toBe('pre-existing');
    expect(accountOrigin(new Date(since - CLOCK_MARGIN_MS - 1).toISOString(), since)).toBe('pre-existing');
  });
  it('no creation time, or one that does not parse, is unknown', () => {
    expect(accountOrigin(undefined, since)).toBe('unknown');
    expect(accountOrigin('yesterday-ish', since)).toBe('unknown');
  });
});
