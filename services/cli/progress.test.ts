import { describe, expect, it } from 'vitest';
import { progressBar } from './progress';

const stream = (isTTY: boolean) => {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 80, write: (t: string) => writes.push(t) } };
};

describe('progress bar', () => {
  it('on a terminal > draws in place, ends at total, and erases its line when done', () => {
    const { writes, stream: s } = stream(true);
    let t = 0;
    const p = progressBar({ stream: s, label: 'approving', total: 3, intervalMs: 0, now: () => t++ });
    p.tick();
    p.tick();
    p.tick();
    p.done();
    expect(writes[0]).toMatch(/^\rapproving \[\.+\] 0\/3$/);
    expect(writes.at(-2)).toMatch(/^\rapproving \[#+\] 3\/3$/);
    expect(writes.at(-1)).toBe('\r\x1b[2K');
  });

  it('not a terminal (a pipe, a file, a test) > writes nothing at all', () => {
    const { writes, stream: s } = stream(false);
    const p = progressBar({ stream: s, label: 'approving', total: 3 });
    p.tick();
    p.done();
    expect(writes).toEqual([]);
  });

  it('many items > redraws at most once per interval, and always the last', () => {
    const { writes, stream: s } = stream(true);
    const p = progressBar({ stream: s, label: 'x', total: 1000, intervalMs: 100, now: () => 0 });
    for (let i = 0; i < 1000; i++) p.tick();
    // The first draw, then nothing until the last item (the clock never advanced).
    expect(writes).toHaveLength(2);
    expect(writes[1]).toMatch(/1000\/1000$/);
  });
});
