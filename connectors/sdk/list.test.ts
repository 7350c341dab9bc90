import { describe, expect, it } from 'vitest';
import { isConnectorError } from './errors';
import { keyCursor, keyOfCursor, keysetPage, mapConcurrently, pageSizeOf } from './list';

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return isConnectorError(err) ? err.code : err;
  }
};

describe('sdk > accounts.list helpers', () => {
  it('pageSizeOf > takes integers from 1 to 1000 and refuses the rest as invalid-request', () => {
    expect(pageSizeOf({ pageSize: 1 })).toBe(1);
    expect(pageSizeOf({ pageSize: 1000 })).toBe(1000);
    for (const pageSize of [0, -1, 1.5, 1001, Number.NaN]) expect(codeOf(() => pageSizeOf({ pageSize })), String(pageSize)).toBe('invalid-request');
  });

  it('cursors > round-trip any key, and refuse what they did not make', () => {
    for (const key of ['', 'a', 'uid=ä,ou=people', 'jml:dev:app:account:hr:1']) expect(keyOfCursor(keyCursor(key))).toBe(key);
    for (const cursor of ['', '3', 'k1.YR', 'k1.a=b', 'k2.YQ', 'k1.YQ==']) expect(codeOf(() => keyOfCursor(cursor)), cursor).toBe('invalid-request');
  });

  it('keysetPage > pages in key order, each item once, ending without a cursor', () => {
    const items = ['d', 'b', 'e', 'a', 'c'];
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { page, nextCursor } = keysetPage(items, (x) => x, { pageSize: 2, ...(cursor ? { cursor } : {}) });
      expect(page.length).toBeLessThanOrEqual(2);
      seen.push(...page);
      cursor = nextCursor;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pages).toBe(3);
  });

  it('keysetPage > an item added or removed between pages shifts nothing else', () => {
    const first = keysetPage(['a', 'b', 'c', 'd'], (x) => x, { pageSize: 2 });
    expect(first.page).toEqual(['a', 'b']);
    // 'a' deleted and 'aa' created before the next page: neither is seen again, 'c' is not skipped.
    const second = keysetPage(['aa', 'b', 'c', 'd'], (x) => x, { pageSize: 2, ...(first.nextCursor ? { cursor: first.nextCursor } : {}) });
    expect(second).toEqual({ page: ['c', 'd'] });
  });

  it('keysetPage > an exactly full last page has no cursor; an empty listing is one empty page', () => {
    expect(keysetPage(['a', 'b'], (x) => x, { pageSize: 2 })).toEqual({ page: ['a', 'b'] });
    expect(keysetPage([], (x: string) => x, { pageSize: 2 })).toEqual({ page: [] });
  });

  it('mapConcurrently > keeps the order of the items and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapConcurrently([5, 1, 4, 2, 3], 2, async (ms) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running -= 1;
      return ms * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});
