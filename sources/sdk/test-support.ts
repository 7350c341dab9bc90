/**
 * Helpers for the source adapters' unit tests. Not used by production code.
 */

/**
 * The error `promise` rejects with, narrowed by `guard` (e.g. `isWorkdayApiError`). Throws when the
 * promise resolves, or rejects with anything the guard refuses.
 */
export async function rejectionOf<E>(promise: Promise<unknown>, guard: (err: unknown) => err is E): Promise<E> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: true as const, value }),
    (err: unknown) => ({ resolved: false as const, err }),
  );
  if (outcome.resolved) throw new Error(`expected a rejection, got ${String(outcome.value)}`);
  if (!guard(outcome.err)) throw new Error(`expected a rejection that ${guard.name || 'the guard'} accepts, got ${String(outcome.err)}`);
  return outcome.err;
}
