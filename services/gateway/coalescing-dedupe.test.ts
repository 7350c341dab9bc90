import { describe, expect, it } from 'vitest';
import { coalescingDedupe } from './coalescing-dedupe';
import type { Dedupe } from './dedupe';

/** An in-memory store that records every call it receives. */
function recordingStore(known: string[] = []) {
  const ids = new Set(known);
  const calls: Array<{ op: 'seen' | 'remember'; ids: string[] }> = [];
  let down = false;
  const store: Dedupe = {
    async seen(list) {
      calls.push({ op: 'seen', ids: [...list] });
      if (down) throw new Error('redis down');
      return new Set(list.filter((id) => ids.has(id)));
    },
    async remember(list) {
      calls.push({ op: 'remember', ids: [...list] });
      if (down) throw new Error('redis down');
      for (const id of list) ids.add(id);
    },
  };
  return { store, calls, setDown: (value: boolean) => (down = value) };
}

describe('coalescing dedupe', () => {
  it('coalesces > lookups made in one turn reach the store as one call, and each caller gets its own answer', async () => {
    const { store, calls } = recordingStore(['b', 'd']);
    const dedupe = coalescingDedupe(store);
    const answers = await Promise.all([dedupe.seen(['a', 'b']), dedupe.seen(['c']), dedupe.seen(['d', 'b'])]);
    expect(calls).toEqual([{ op: 'seen', ids: ['a', 'b', 'c', 'd'] }]);
    expect(answers.map((s) => [...s].sort())).toEqual([['b'], [], ['b', 'd']]);
  });

  it('coalesces > ids remembered in one turn are stored in one call', async () => {
    const { store, calls } = recordingStore();
    const dedupe = coalescingDedupe(store);
    await Promise.all([dedupe.remember(['a']), dedupe.remember(['b', 'c'])]);
    expect(calls).toEqual([{ op: 'remember', ids: ['a', 'b', 'c'] }]);
    expect([...(await dedupe.seen(['a', 'c', 'x']))].sort()).toEqual(['a', 'c']);
  });

  it('keeps order > a lookup after a remember sees the remembered id', async () => {
    const { store } = recordingStore();
    const dedupe = coalescingDedupe(store);
    await dedupe.remember(['a']);
    expect(await dedupe.seen(['a'])).toEqual(new Set(['a']));
  });

  it('fails together > when the store is unreachable every caller of that turn is rejected, later turns recover', async () => {
    const { store, setDown } = recordingStore(['a']);
    const dedupe = coalescingDedupe(store);
    setDown(true);
    const results = await Promise.allSettled([dedupe.seen(['a']), dedupe.seen(['b']), dedupe.remember(['c'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    setDown(false);
    expect(await dedupe.seen(['a', 'b'])).toEqual(new Set(['a']));
  });

  it('asks nothing > empty lists are answered without a store call', async () => {
    const { store, calls } = recordingStore();
    const dedupe = coalescingDedupe(store);
    expect(await dedupe.seen([])).toEqual(new Set());
    await dedupe.remember([]);
    expect(calls).toEqual([]);
  });
});
