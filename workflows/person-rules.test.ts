import { describe, expect, it } from 'vitest';
import type { JmlEvent, PersonSnapshot } from '../schemas/jml-event.v1';
import type { AppliedEvent, EventOutcome, ScheduledDelete } from '../schemas/contracts';
import { dueAt, foldOutcome, guardRequestId, isNewestTruth, personAfter, nextAction, nextDue, supersededAmong, supersededBy, waitsForHire, type EventFacts, type RulesState } from './person-rules';

/** Short names: j joiner, r rehire, l leaver, m mover, u update, ls/le leave start/end. */
const TYPES = { j: 'jml.joiner', r: 'jml.rehire', l: 'jml.leaver', m: 'jml.mover', u: 'jml.update', ls: 'jml.leave.start', le: 'jml.leave.end' } as const;
type Short = keyof typeof TYPES;

/** An event: `<id>` of kind `kind`, entered by HR at `entered`, effective at `effective` (abstract times). */
const ev = (id: string, kind: Short, entered: number, effective: number, involuntary = false): EventFacts => ({
  id,
  type: TYPES[kind] as JmlEvent['type'],
  enteredAt: entered,
  effectiveAt: effective,
  involuntary,
});
const applied = (e: EventFacts): AppliedEvent => ({ id: e.id, type: e.type, enteredAt: e.enteredAt, effectiveAt: e.effectiveAt });

/**
 * Plays the rules as the person workflow does: drop what is superseded, do the next action, and
 * when the action is to wait, move the clock to its moment. Every event has arrived at `now` = 0
 * (in `arrived` order) unless given in `later`, which arrive at their own moment. Returns the
 * journal: `apply <id> @<time>` and `supersede <id> by <id>`.
 */
function play(arrived: EventFacts[], opts: { applied?: EventFacts[]; later?: Array<[number, EventFacts]> } = {}): string[] {
  let now = 0;
  let pending = [...arrived];
  const done = (opts.applied ?? []).map(applied);
  const later = [...(opts.later ?? [])].sort(([a], [b]) => a - b);
  const prestarts: RulesState['prestarts'] = {};
  const journal: string[] = [];
  for (let guard = 0; guard < 100; guard += 1) {
    while (later[0] && later[0][0] <= now) pending.push((later.shift() as [number, EventFacts])[1]);
    for (const { id, by } of supersededAmong(pending, done)) {
      pending = pending.filter((e) => e.id !== id);
      journal.push(`supersede ${id} by ${by}`);
    }
    const next = nextAction({ pending, prestarts, deletes: [] }, now);
    if (next.kind === 'schedule-prestart') {
      (prestarts as Record<string, []>)[next.eventId] = [];
    } else if (next.kind === 'apply') {
      const e = pending.find((p) => p.id === next.eventId) as EventFacts;
      pending = pending.filter((p) => p !== e);
      done.push(applied(e));
      journal.push(`apply ${e.id} @${now}`);
    } else if (next.kind === 'wait') {
      const wake = Math.min(next.until ?? Infinity, later[0]?.[0] ?? Infinity);
      if (!Number.isFinite(wake)) return journal;
      now = Math.max(now, wake);
    } else {
      throw new Error(`unexpected ${next.kind}`);
    }
  }
  throw new Error('the rules did not settle');
}

describe('person rules > order and due-ness', () => {
  it.each<[string, EventFacts[], string[]]>([
    ['due events go in the order HR entered them, whatever order they arrived in', [ev('m1', 'm', 2, 0), ev('j1', 'j', 1, 0)], ['apply j1 @0', 'apply m1 @0']],
    ['a future-dated event waits for its effective moment', [ev('j1', 'j', 1, 0), ev('m1', 'm', 2, 50)], ['apply j1 @0', 'apply m1 @50']],
    ['an earlier-entered event due later does not hold back a later-entered one due now', [ev('j1', 'j', 1, 0), ev('u1', 'u', 2, 90), ev('m1', 'm', 3, 10)], ['apply j1 @0', 'apply m1 @10', 'apply u1 @90']],
    ['events entered at the same moment go in arrival order', [ev('u1', 'u', 5, 0), ev('m1', 'm', 5, 0)], ['apply u1 @0', 'apply m1 @0']],
    ['an involuntary leaver is due at once, whatever its effective moment', [ev('l1', 'l', 2, 1_000, true)], ['apply l1 @0']],
    ['a voluntary leaver waits for its effective moment', [ev('l1', 'l', 2, 1_000)], ['apply l1 @1000']],
  ])('%s', (_name, events, journal) => {
    expect(play(events, { applied: [ev('j0', 'j', 0, 0)] }).filter((l) => !l.includes('j0'))).toEqual(journal);
  });

  it('dueAt > the effective moment; an involuntary leaver at once', () => {
    expect(dueAt(ev('m', 'm', 1, 40))).toBe(40);
    expect(dueAt(ev('l', 'l', 1, 40, true))).toBe(0);
    expect(dueAt(ev('l', 'l', 1, 40))).toBe(40);
  });

  it('nextDue > nothing before its moment; the first entered among the due', () => {
    const events = [ev('b', 'u', 3, 5), ev('a', 'u', 2, 10)];
    expect(nextDue(events, 4)).toBeUndefined();
    expect(nextDue(events, 5)?.id).toBe('b');
    expect(nextDue(events, 10)?.id).toBe('a');
  });
});

describe('person rules > pre-hire waiting', () => {
  it.each<[string, EventFacts[], string[]]>([
    ['a change entered for a pre-hire waits for the hire, then follows it', [ev('j1', 'j', 1, 100), ev('m1', 'm', 2, 10)], ['apply j1 @100', 'apply m1 @100']],
    ['a leave entered during pre-hire waits for the hire', [ev('j1', 'j', 1, 100), ev('ls1', 'ls', 2, 50), ev('le1', 'le', 3, 150)], ['apply j1 @100', 'apply ls1 @100', 'apply le1 @150']],
    ['a change HR entered before the hire does not wait for it', [ev('u0', 'u', 1, 10), ev('j1', 'j', 2, 100)], ['apply u0 @10', 'apply j1 @100']],
    ['a rehire pending makes changes wait too', [ev('r1', 'r', 1, 30), ev('u1', 'u', 2, 0)], ['apply r1 @30', 'apply u1 @30']],
  ])('%s', (_name, events, journal) => {
    expect(play(events)).toEqual(journal);
  });

  it('waitsForHire > only non-status changes, and only behind a hire entered no later', () => {
    const hire = ev('j', 'j', 5, 100);
    expect(waitsForHire(ev('m', 'm', 6, 0), [hire])).toBe(true);
    expect(waitsForHire(ev('m', 'm', 5, 0), [hire])).toBe(true);
    expect(waitsForHire(ev('m', 'm', 4, 0), [hire])).toBe(false);
    expect(waitsForHire(ev('l', 'l', 6, 0), [hire])).toBe(false);
    expect(waitsForHire(hire, [hire])).toBe(false);
  });
});

describe('person rules > newer HR truth supersedes', () => {
  it.each<[string, EventFacts[], EventFacts[], string[]]>([
    ['a rescinded hire: a leaver entered later, effective no later, supersedes the pending joiner', [ev('j1', 'j', 1, 100), ev('l1', 'l', 2, 100)], [], ['supersede j1 by l1', 'apply l1 @100']],
    ['a withdrawn termination: a rehire entered later, effective no later, supersedes the pending leaver', [ev('l1', 'l', 1, 100), ev('r1', 'r', 2, 90)], [ev('j0', 'j', 0, 0)], ['supersede l1 by r1', 'apply r1 @90']],
    ['a leaver entered later but effective after a pending hire leaves the hire alone', [ev('j1', 'j', 1, 100), ev('l1', 'l', 2, 200)], [], ['apply j1 @100', 'apply l1 @200']],
    ['a late delivery of older news: the applied mover entered later and effective later wins', [ev('m1', 'm', 1, 5)], [ev('j0', 'j', 0, 0), ev('m2', 'm', 2, 6)], ['supersede m1 by m2']],
    ['older news effective after the newer applied change still applies (its own moment is later)', [ev('m1', 'm', 1, 9)], [ev('j0', 'j', 0, 0), ev('m2', 'm', 2, 6)], ['apply m1 @9']],
    ['no moving a departed person: a change entered before an applied leaver is superseded', [ev('m1', 'm', 1, 0)], [ev('j0', 'j', 0, 0), ev('l1', 'l', 2, 0)], ['supersede m1 by l1']],
    ['a change entered after the leaver is not superseded by it (HR knew)', [ev('u1', 'u', 3, 0)], [ev('j0', 'j', 0, 0), ev('l1', 'l', 2, 0)], ['apply u1 @0']],
    ['families are independent: an applied update does not supersede an older leave', [ev('ls1', 'ls', 1, 0)], [ev('j0', 'j', 0, 0), ev('u1', 'u', 2, 5)], ['apply ls1 @0']],
    ['events entered at the same moment never supersede each other', [ev('j1', 'j', 5, 10), ev('l1', 'l', 5, 10)], [], ['apply j1 @10', 'apply l1 @10']],
    ['a chain of rescissions: only the newest status event stands', [ev('j1', 'j', 1, 100), ev('l1', 'l', 2, 90), ev('r1', 'r', 3, 80)], [], ['supersede j1 by l1', 'supersede l1 by r1', 'apply r1 @80']],
  ])('%s', (_name, events, before, journal) => {
    expect(play(events, { applied: before })).toEqual(journal);
  });

  it('a late-arriving older event is judged when it arrives', () => {
    const journal = play([ev('j1', 'j', 1, 0), ev('m2', 'm', 3, 10)], { later: [[20, ev('m1', 'm', 2, 5)]] });
    expect(journal).toEqual(['apply j1 @0', 'apply m2 @10', 'supersede m1 by m2']);
  });

  it('supersededBy > applied events entered earlier never supersede', () => {
    expect(supersededBy(ev('m1', 'm', 5, 0), { applied: [applied(ev('l0', 'l', 4, 0))], pending: [] })).toBeUndefined();
  });

  it('supersededAmong > names an event that stays', () => {
    const found = supersededAmong([ev('j1', 'j', 1, 100), ev('l1', 'l', 2, 90), ev('r1', 'r', 3, 80)], []);
    expect(found).toEqual([
      { id: 'j1', by: 'l1' },
      { id: 'l1', by: 'r1' },
    ]);
  });
});

describe('person rules > the person as newest truth', () => {
  it.each<[string, EventFacts, EventFacts[], boolean]>([
    ['the first event applied describes the person', ev('j1', 'j', 1, 0), [], true],
    ['an event entered after everything applied describes the person', ev('m1', 'm', 2, 0), [ev('j1', 'j', 1, 0)], true],
    // The storm drill found it: a joiner delivered after its mover is not superseded (another family) and applies, but is older news.
    ['a joiner applied after a mover entered later does not describe the person', ev('j1', 'j', 1, 0), [ev('m2', 'm', 2, 0)], false],
    ['an event entered at the same moment as the newest applied one describes the person', ev('u1', 'u', 2, 0), [ev('j1', 'j', 1, 0), ev('m2', 'm', 2, 0)], true],
    ['an event re-driven (itself among the applied) is judged against the others', ev('m1', 'm', 2, 0), [ev('m1', 'm', 2, 0), ev('j1', 'j', 1, 0)], true],
  ])('%s', (_name, e, before, newest) => {
    expect(isNewestTruth(e, before.map(applied))).toBe(newest);
  });
});

describe('person rules > next action', () => {
  const base: RulesState = { pending: [], prestarts: {}, deletes: [] };
  it('a future hire gets its pre-start schedule first', () => {
    expect(nextAction({ ...base, pending: [ev('j1', 'j', 1, 100)] }, 0)).toEqual({ kind: 'schedule-prestart', eventId: 'j1' });
    expect(nextAction({ ...base, pending: [ev('j1', 'j', 1, 100)], prestarts: { j1: [] } }, 0)).toEqual({ kind: 'wait', until: 100 });
  });
  it('a due event goes before pre-start groups and retention deletes', () => {
    const state: RulesState = {
      pending: [ev('j1', 'j', 1, 100), ev('u1', 'u', 0, 0)],
      prestarts: { j1: [{ at: 0, appIds: ['a'], done: false }] },
      deletes: [{ appIds: ['b'], dueAt: 0 }],
    };
    expect(nextAction(state, 0)).toEqual({ kind: 'apply', eventId: 'u1' });
    expect(nextAction({ ...state, pending: [ev('j1', 'j', 1, 100)] }, 0)).toEqual({ kind: 'prestart', eventId: 'j1', group: 0 });
    expect(nextAction({ ...state, pending: [ev('j1', 'j', 1, 100)], prestarts: { j1: [{ at: 0, appIds: ['a'], done: true }] } }, 0)).toEqual({ kind: 'retention-delete', delete: 0 });
  });
  it('waits until the earliest moment: an event, a pre-start group or a delete; for ever when there is none', () => {
    expect(nextAction({ pending: [ev('j1', 'j', 1, 100)], prestarts: { j1: [{ at: 40, appIds: ['a'], done: false }] }, deletes: [{ appIds: ['b'], dueAt: 70 }] }, 0)).toEqual({
      kind: 'wait',
      until: 40,
    });
    expect(nextAction({ ...base, deletes: [{ appIds: ['b'], dueAt: 70 }] }, 0)).toEqual({ kind: 'wait', until: 70 });
    expect(nextAction(base, 0)).toEqual({ kind: 'wait' });
  });
  it('a change waiting for a hire does not set the wake-up moment', () => {
    expect(nextAction({ ...base, pending: [ev('j1', 'j', 1, 100), ev('m1', 'm', 2, 10)], prestarts: { j1: [] } }, 0)).toEqual({ kind: 'wait', until: 100 });
  });
});

describe('person rules > folding an outcome', () => {
  const leaver = { id: 'l1' } as JmlEvent;
  const outcome = (apps: EventOutcome['apps'], status: EventOutcome['status'] = 'completed'): EventOutcome => ({ eventId: 'e', kind: 'x', status, apps });
  it('done apps hold their target; retention deletes are grouped by retention, shortest first', () => {
    const folded = foldOutcome(
      { apps: {}, deletes: [] },
      outcome([
        { appId: 'a', status: 'done', steps: [], target: { status: 'disabled', entitlements: [] }, deleteAfterMs: 20 },
        { appId: 'b', status: 'done', steps: [], target: { status: 'disabled', entitlements: [] }, deleteAfterMs: 10 },
        { appId: 'c', status: 'done', steps: [], target: { status: 'disabled', entitlements: [] }, deleteAfterMs: 20 },
      ]),
      leaver,
      1_000,
    );
    expect(folded.apps.a).toEqual({ status: 'disabled', entitlements: [] });
    expect(folded.deletes.map((d) => [d.appIds, d.dueAt])).toEqual([
      [['b'], 1_010],
      [['a', 'c'], 1_020],
    ]);
  });
  it('an app active again (rehire inside retention) loses its pending delete; others keep theirs', () => {
    const deletes: ScheduledDelete[] = [{ leaver, appIds: ['a', 'b'], dueAt: 5_000 }];
    const folded = foldOutcome({ apps: {}, deletes }, outcome([{ appId: 'a', status: 'done', steps: [], target: { status: 'active', entitlements: [] } }]), leaver, 1_000);
    expect(folded.deletes.map((d) => d.appIds)).toEqual([['b']]);
  });
  it('a deferred app holds what its grants reached; failed and compensated apps change nothing', () => {
    const held = { x: { status: 'active' as const, entitlements: ['old'] } };
    const folded = foldOutcome(
      { apps: held, deletes: [] },
      outcome(
        [
          { appId: 'x', status: 'deferred', steps: [], reached: { status: 'active', entitlements: ['new', 'old'] } },
          { appId: 'y', status: 'failed', steps: [] },
          { appId: 'z', status: 'compensated', steps: [] },
        ],
        'needs-attention',
      ),
      leaver,
      0,
    );
    expect(folded.apps).toEqual({ x: { status: 'active', entitlements: ['new', 'old'] } });
  });
  it('an app where every step found nothing to act on (a leaver of a person it has no account of) holds nothing, and schedules no delete', () => {
    const na = [{ operation: 'suspendAccount', outcome: 'not-applicable' }];
    const folded = foldOutcome(
      { apps: { b: { status: 'active', entitlements: [] } }, deletes: [] },
      outcome([
        { appId: 'a', status: 'done', steps: na, target: { status: 'disabled', entitlements: [] }, deleteAfterMs: 10 },
        { appId: 'b', status: 'done', steps: na, target: { status: 'disabled', entitlements: [] }, deleteAfterMs: 10 },
      ]),
      leaver,
      0,
    );
    // `a` was never held: no phantom account (a later change would plan an update of nothing).
    // `b` was held: what it holds now is for reconciliation to say, the plan's target stands.
    expect(folded.apps).toEqual({ b: { status: 'disabled', entitlements: [] } });
    expect(folded.deletes.map((d) => d.appIds)).toEqual([['b']]);
  });
  it('a rejected outcome changes nothing', () => {
    const folded = foldOutcome({ apps: {}, deletes: [] }, outcome([{ appId: 'a', status: 'done', steps: [], target: { status: 'deleted', entitlements: [] } }], 'rejected'), leaver, 0);
    expect(folded).toEqual({ apps: {}, deletes: [] });
  });
});

describe('person rules > the person an applied event leaves', () => {
  const withStatus = (type: JmlEvent['type'], status: PersonSnapshot['status']) => ({ type, data: { person: { status, givenName: 'A' } } }) as unknown as JmlEvent;
  it('the event type decides the employment status where the plan acted on it (a leave start disabled everything, whatever the status field said)', () => {
    expect(personAfter(withStatus('jml.leaver', 'active')).status).toBe('terminated');
    expect(personAfter(withStatus('jml.leave.start', 'active')).status).toBe('on-leave');
    expect(personAfter(withStatus('jml.leave.end', 'on-leave')).status).toBe('active');
    expect(personAfter(withStatus('jml.rehire', 'terminated')).status).toBe('active');
    expect(personAfter(withStatus('jml.joiner', 'terminated')).status).toBe('active');
  });
  it('keeps what the type does not decide: a joiner before the start date; a change keeps the status the person had', () => {
    expect(personAfter(withStatus('jml.joiner', 'pre-hire')).status).toBe('pre-hire');
    const onLeave = personAfter(withStatus('jml.leave.start', 'active'));
    // An update during a leave whose status field says active does not end the leave (its plan did not enable anything).
    expect(personAfter(withStatus('jml.update', 'active'), onLeave)).toEqual({ status: 'on-leave', givenName: 'A' });
    // Without a known person, the change's own status stands.
    expect(personAfter(withStatus('jml.mover', 'on-leave')).status).toBe('on-leave');
  });
});

describe('person rules > the guard counts each change once', () => {
  it('fixes of one reconciliation run in one app, for different people, are different removals (the run id alone is shared)', () => {
    const plan = (personKey: string) => ({ eventId: 'reconcile-2026-12-06.fix.wiki', personKey, kind: 'reconcile' });
    expect(guardRequestId(plan('test:1'))).not.toBe(guardRequestId(plan('test:2')));
    // The same change asked again (a retried check) is the same removal.
    expect(guardRequestId(plan('test:1'))).toBe(guardRequestId(plan('test:1')));
  });
});
