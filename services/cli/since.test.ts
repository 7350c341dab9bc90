import { describe, expect, it } from 'vitest';
import { parseSince } from './since';

describe('--since', () => {
  const now = new Date('2026-12-06T12:00:00Z');
  it('durations back from now, and ISO instants or dates', () => {
    expect(parseSince('2h', now)?.toISOString()).toBe('2026-12-06T10:00:00.000Z');
    expect(parseSince('3d', now)?.toISOString()).toBe('2026-12-03T12:00:00.000Z');
    expect(parseSince('90m', now)?.toISOString()).toBe('2026-12-06T10:30:00.000Z');
    expect(parseSince('2026-12-01T08:00:00Z', now)?.toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(parseSince('2026-12-01', now)?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });
  it('anything else is refused', () => {
    for (const bad of ['yesterday', '2 h', '-2h', '2026-13-45', '']) expect(parseSince(bad, now)).toBeNull();
  });
});
