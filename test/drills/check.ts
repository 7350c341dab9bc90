import type { Scenario } from './lab';
import type { DrillReport, Invariant } from './types';

/**
 * The invariants every drill shares, read from the final state:
 * - every event answered 2xx reached a terminal outcome (applied, superseded, duplicate, or
 *   needs-attention, whose reason the event workflow's result holds);
 * - every applied joiner and leaver shows its effect at the ledger app, and no effect shows twice
 *   (the dev-redis app logs each real change under the step's idempotency key);
 * - the apps equal what the policy grants by the newest HR truth (`jml reconcile --check`);
 * - the account seeded by hand at the ledger (which the pipeline did not make) is still there, as it was;
 * - every dead letter written during the drill carries a code and a reason.
 */
export async function sharedInvariants(s: Scenario): Promise<Pick<DrillReport, 'events' | 'effectsExpected' | 'effectsSeen' | 'lost' | 'duplicated' | 'invariants'>> {
  const terminals = await s.terminals();
  const effects = await s.effects();
  const pending = [...terminals].filter(([, t]) => t === 'pending').map(([id]) => id);
  const applied = [...s.accepted.values()].filter((e) => terminals.get(e.id) === 'applied' && (e.type === 'jml.joiner' || e.type === 'jml.leaver'));
  const keys = [...effects.keys()];
  const missing = applied.filter((e) => !keys.some((k) => k.startsWith(`${e.id}/ledger/`))).map((e) => e.id);
  const twice = [...effects].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
  const invariants: Invariant[] = [
    { name: 'every 2xx reached a terminal outcome', ok: pending.length === 0, ...(pending.length ? { detail: `${pending.length} pending: ${pending.slice(0, 3).join(', ')}` } : {}) },
    { name: 'every applied event shows its effect', ok: missing.length === 0, ...(missing.length ? { detail: `${missing.length} without effect: ${missing.slice(0, 3).join(', ')}` } : {}) },
    { name: 'no effect applied twice', ok: twice.length === 0, ...(twice.length ? { detail: twice.slice(0, 3).join(', ') } : {}) },
    await s.reconcileCheck(),
    await untouchedInvariant(s),
    await deadLetterInvariant(s),
  ];
  return {
    events: s.accepted.size,
    effectsExpected: applied.length,
    effectsSeen: applied.length - missing.length,
    lost: pending.length + missing.length,
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
