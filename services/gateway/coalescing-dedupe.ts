import type { Dedupe } from './dedupe';

interface Pending<T> {
  ids: readonly string[];
  resolve(value: T): void;
  reject(err: unknown): void;
}

/**
 * Edge dedupe with one store round trip per event-loop turn instead of two per request: every
 * `seen` (and every `remember`) called in the same turn goes to the inner store as one call with
 * all their ids. Under load the gateway handles dozens of requests per turn, and a Redis command
 * per request costs the gateway more CPU than its produce does. Semantics are the inner store's:
 * each caller gets the answer for its own ids, and a failing store fails every caller of that turn.
 */
export function coalescingDedupe(inner: Dedupe): Dedupe {
  const seen = coalesce<Set<string>>(async (ids) => inner.seen(ids), (all, own) => new Set(own.filter((id) => all.has(id))));
  const remember = coalesce<void>(async (ids) => inner.remember(ids), () => undefined);
  return {
    seen: (ids) => (ids.length === 0 ? Promise.resolve(new Set()) : seen(ids)),
    remember: (ids) => (ids.length === 0 ? Promise.resolve() : remember(ids)),
  };
}

function coalesce<T>(call: (ids: string[]) => Promise<T>, share: (result: T, own: readonly string[]) => T) {
  let pending: Array<Pending<T>> = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    const ids = [...new Set(batch.flatMap((p) => p.ids))];
    call(ids).then(
      (result) => {
        for (const p of batch) p.resolve(share(result, p.ids));
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  };
  return (ids: readonly string[]) =>
    new Promise<T>((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ ids, resolve, reject });
    });
}
