import type { Scenario } from './lab';
import type { DrillReport, Invariant } from './types';

/**
 * The invariants every drill shares, read from the final state:
 * - every event answered 2xx reached a terminal outcome (applied, superseded, duplicate, or
 *   needs-attention, whose reason the event workflow's result holds);
 * - every change a completed event says it applied at the ledger app shows in the app's effects log
 *   (the dev-redis app logs each real change under the step's idempotency key), every applied joiner
 *   is done there, and no effect shows twice;
 * - the apps equal what the policy grants by the newest HR truth (`jml reconcile --check`; a drill
 *   that leaves findings on purpose passes `reconcileCheck: false` and asserts them itself);
 * - the account seeded by hand at the ledger (which the pipeline did not make) is still there, as it was;
 * - every dead letter written during the drill carries a code and a reason.
 */
export async function sharedInvariants(s: Scenario, opts: { reconcileCheck?: boolean } = {}): Promise<Pick<DrillReport, 'events' | 'effectsExpected' | 'effectsSeen' | 'lost' | 'duplicated' | 'invariants'>> {
  const terminals = await s.terminals();
  const effects = await s.effects();
  const outcomes = await s.outcomes();
  const pending = [...terminals].filter(([, t]) => t === 'pending').map(([id]) => id);
  // The ledger steps each completed event says it applied, by idempotency key (as the worker builds it).
  const expected = [...outcomes].flatMap(([eventId, o]) =>
    o.apps
      .filter((a) => a.appId === 'ledger')
      .flatMap((a) => a.steps.filter((st) => st.outcome === 'applied').map((st) => [eventId, 'ledger', st.operation, st.qualifier].filter(Boolean).join('/'))),
  );
  const missing = expected.filter((k) => !effects.has(k));
  // Every joiner applied must have left its account at the ledger (made by it, or already there).
  const joinersWithout = [...s.accepted.values()].filter(
    (e) => e.type === 'jml.joiner' && terminals.get(e.id) === 'applied' && !outcomes.get(e.id)?.apps.some((a) => a.appId === 'ledger' && a.status === 'done'),
  );
  const twice = [...effects].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
  const invariants: Invariant[] = [
    { name: 'every 2xx reached a terminal outcome', ok: pending.length === 0, ...(pending.length ? { detail: `${pending.length} pending: ${pending.slice(0, 3).join(', ')}` } : {}) },
    { name: 'every change an event applied shows at the app', ok: missing.length === 0, ...(missing.length ? { detail: `${missing.length} without effect: ${missing.slice(0, 3).join(', ')}` } : {}) },
    { name: 'every applied joiner is done at the ledger', ok: joinersWithout.length === 0, ...(joinersWithout.length ? { detail: `${joinersWithout.length}: ${joinersWithout.slice(0, 3).map((e) => e.id).join(', ')}` } : {}) },
    { name: 'no effect applied twice', ok: twice.length === 0, ...(twice.length ? { detail: twice.slice(0, 3).join(', ') } : {}) },
    ...(opts.reconcileCheck === false ? [] : [await s.reconcileCheck()]),
    await untouchedInvariant(s),
    await deadLetterInvariant(s),
  ];
  return {
    events: s.accepted.size + s.tracked.size,
    effectsExpected: expected.length,
    effectsSeen: expected.length - missing.length,
    lost: pending.length + missing.length + joinersWithout.length,
    duplicated: twice.length,
    invariants,
  };
}

async function untouchedInvariant(s: Scenario): Promise<Invariant> {
  const { expected, now } = await s.unmanagedAccount();
  const same = JSON.stringify(Object.entries(now).sort()) === JSON.stringify(Object.entries(expected).sort());
  return { name: 'the account the pipeline did not make is untouched', ok: same, ...(same ? {} : { detail: Object.keys(now).length === 0 ? 'deleted' : 'changed' }) };
}

async function deadLetterInvariant(s: Scenario): Promise<Invariant> {
  const letters = await s.deadLetters();
  const bare = letters.filter((l) => l.code.trim() === '' || l.reason.trim() === '');
  return {
    name: `every dead letter has a code and a reason (${letters.length} letters)`,
    ok: bare.length === 0,
    ...(bare.length ? { detail: `${bare.length} without: ${bare.slice(0, 3).map((l) => l.id).join(', ')}` } : {}),
  };
}
