import { describe, expect, it } from 'vitest';
import type { JmlEvent, PersonSnapshot } from '../schemas/jml-event.v1';
import type { AppliedEvent, AttentionRecord, EventOutcome, ProcessedEvent, RedriveRecord, RedriveRequest } from '../schemas/contracts';
import { factsOf } from './person-rules';
import {
  ATTENTION_KEPT,
  attentionOf,
  redriveEvent,
  redriveOutcome,
  redriveRefusal,
  REDRIVES_KEPT,
  seedAttention,
  trimAttention,
  trimRedrives,
  type RedriveContext,
} from './redrive-rules';

const PERSON = 'test:acme:42';
const person = (department: string): PersonSnapshot => ({
  employeeId: '42',
  workerType: 'employee',
  status: 'active',
  givenName: 'Ada',
  familyName: 'Lovelace',
  department,
});
const event = (id: string, type: JmlEvent['type'], enteredHour: number, department = 'Engineering'): JmlEvent => {
  const at = new Date(Date.UTC(2026, 10, 10, enteredHour)).toISOString();
  return {
    specversion: '1.0',
    id,
    source: '/hr/test',
    type,
    subject: PERSON,
    time: at,
    datacontenttype: 'application/json',
    data: { effectiveAt: at, enteredAt: at, changedFields: ['status'], person: person(department) },
  };
};
const applied = (e: JmlEvent): AppliedEvent => {
  const { id, type, enteredAt, effectiveAt } = factsOf(e);
  return { id, type, enteredAt, effectiveAt };
};
const request = (e: JmlEvent, extra: Partial<RedriveRequest> = {}): RedriveRequest => ({ eventId: e.id, event: e, originalRunId: 'run-1', by: 'ops', ...extra });
const needs = (e: JmlEvent, apps: string[] = ['wiki']): AttentionRecord => ({ eventId: e.id, type: e.type, status: 'needs-attention', apps });
const context = (over: Partial<RedriveContext> = {}): RedriveContext => ({
  personKey: PERSON,
  attention: {},
  recent: [],
  applied: [],
  pending: [],
  running: [],
  seen: () => false,
  ...over,
});

describe('re-drive rules > which requests are refused', () => {
  const joiner = event('j1', 'jml.joiner', 1);

  it('accepts an event whose last outcome needs attention', () => {
    expect(redriveRefusal(request(joiner), context({ attention: { j1: needs(joiner) }, applied: [applied(joiner)] }))).toBeUndefined();
  });

  it.each<[string, Partial<RedriveContext>, RedriveRequest, string]>([
    ['an event the person never had', {}, request(joiner), 'unknown-event'],
    ['an event applied in full', { recent: [{ eventId: 'j1', type: 'jml.joiner', status: 'completed' }], applied: [applied(joiner)] }, request(joiner), 'already-applied'],
    ['an event applied long ago (only its id is remembered)', { seen: (id) => id === 'j1' }, request(joiner), 'already-applied'],
    ['an event running now', { attention: { j1: needs(joiner) }, running: ['j1'] }, request(joiner), 'in-flight'],
    ['an event queued again already', { attention: { j1: needs(joiner) }, pending: [factsOf(joiner)] }, request(joiner), 'in-flight'],
    ['an event ops rejected at the guard', { recent: [{ eventId: 'j1', type: 'jml.joiner', status: 'rejected' }] }, request(joiner), 'not-redrivable'],
    ['an event superseded when it arrived', { recent: [{ eventId: 'j1', type: 'jml.joiner', status: 'superseded' }] }, request(joiner), 'not-redrivable'],
    ['a body of another event', { attention: { j1: needs(joiner) } }, request(joiner, { event: event('j2', 'jml.joiner', 1) }), 'invalid-request'],
    ['a body of another person', { attention: { j1: needs(joiner) } }, request(joiner, { event: { ...joiner, subject: 'test:acme:43' } }), 'invalid-request'],
    ['a request that does not say who asks', { attention: { j1: needs(joiner) } }, request(joiner, { by: '' }), 'invalid-request'],
  ])('refuses %s', (_name, ctx, req, code) => {
    const refusal = redriveRefusal(req, context(ctx));
    expect(refusal?.reason).toBe(code);
    expect(refusal?.message).not.toContain('Ada');
  });

  it('refuses an event that newer HR truth already decided (the supersession rules of any event)', () => {
    const mover = event('m1', 'jml.mover', 1, 'Sales');
    const newer = event('m2', 'jml.mover', 3, 'Research');
    const refusal = redriveRefusal(request(mover), context({ attention: { m1: needs(mover) }, applied: [applied(mover), applied(newer)] }));
    expect(refusal).toEqual({ reason: 'superseded', message: expect.stringContaining('m2') });
  });

  it('accepts an event when the newer truth is of another family (a leave start is still due after an update)', () => {
    const leave = event('ls1', 'jml.leave.start', 1);
    const update = event('u1', 'jml.update', 3);
    expect(redriveRefusal(request(leave), context({ attention: { ls1: needs(leave) }, applied: [applied(leave), applied(update)] }))).toBeUndefined();
  });
});

describe('re-drive rules > the event a re-drive applies', () => {
  it('is the original when nothing newer was applied', () => {
    const joiner = event('j1', 'jml.joiner', 1);
    expect(redriveEvent(joiner, { applied: [applied(joiner)], person: person('Engineering') })).toBe(joiner);
  });

  it('gives the newest news the status the person has after it: a change during a leave keeps the person on leave', () => {
    const update = event('u1', 'jml.update', 3);
    const planned = redriveEvent(update, { applied: [], person: { ...person('Engineering'), status: 'on-leave' } });
    expect(planned.data.person.status).toBe('on-leave');
    expect(planned.data.person.department).toBe('Engineering');
    // A leave end makes the person active whatever came before.
    const back = event('e1', 'jml.leave.end', 4);
    expect(redriveEvent(back, { applied: [], person: { ...person('Engineering'), status: 'on-leave' } })).toBe(back);
  });

  it('carries the newest snapshot when an event HR entered later was applied since, keeping its own id, kind and timing', () => {
    const joiner = event('j1', 'jml.joiner', 1, 'Engineering');
    const mover = event('m1', 'jml.mover', 2, 'Sales');
    const again = redriveEvent(joiner, { applied: [applied(joiner), applied(mover)], person: mover.data.person });
    expect(again.data.person.department).toBe('Sales');
    expect([again.id, again.type, again.data.enteredAt, again.data.effectiveAt]).toEqual([joiner.id, joiner.type, joiner.data.enteredAt, joiner.data.effectiveAt]);
  });
});

describe('re-drive rules > what an outcome leaves to re-drive', () => {
  const joiner = event('j1', 'jml.joiner', 1);
  const outcome = (apps: Array<[string, EventOutcome['apps'][number]['status'], number?]>, status: EventOutcome['status'] = 'needs-attention'): EventOutcome => ({
    eventId: 'j1',
    kind: 'joiner',
    status,
    apps: apps.map(([appId, s, deleteAfterMs]) => ({ appId, status: s, steps: [], ...(deleteAfterMs !== undefined ? { deleteAfterMs } : {}) })),
  });

  it('records needs-attention with the apps that did not end done, and failed for the whole event', () => {
    expect(attentionOf(joiner, { status: 'needs-attention', outcome: outcome([['chat', 'done'], ['wiki', 'failed'], ['lab', 'compensated']]) })).toEqual({
      eventId: 'j1',
      type: 'jml.joiner',
      status: 'needs-attention',
      apps: ['wiki', 'lab'],
    });
    expect(attentionOf(joiner, { status: 'failed' }, 2)).toEqual({ eventId: 'j1', type: 'jml.joiner', status: 'failed', apps: [], redriven: 2 });
  });

  it.each<ProcessedEvent['status']>(['completed', 'rejected', 'duplicate', 'superseded'])('records nothing for %s', (status) => {
    expect(attentionOf(joiner, { status })).toBeUndefined();
  });

  it('seeds the records of a person from before re-drives from its recent outcomes, dropping those completed later', () => {
    const recent: ProcessedEvent[] = [
      { eventId: 'a', type: 'jml.joiner', status: 'needs-attention' },
      { eventId: 'b', type: 'jml.mover', status: 'failed' },
      { eventId: 'p', type: 'prestart', status: 'failed' },
      { eventId: 'a', type: 'jml.joiner', status: 'completed' },
    ];
    expect(seedAttention(recent)).toEqual({ b: { eventId: 'b', type: 'jml.mover', status: 'failed', apps: [] } });
  });

  it('a re-driven leaver schedules retention deletes only for the apps that had failed (the others have theirs)', () => {
    const again = redriveOutcome(outcome([['chat', 'done', 6_000], ['wiki', 'done', 6_000], ['lab', 'done']], 'completed'), needs(joiner, ['wiki']));
    expect(again.apps.map((a) => [a.appId, a.deleteAfterMs])).toEqual([
      ['chat', undefined],
      ['wiki', 6_000],
      ['lab', undefined],
    ]);
    const whole = outcome([['chat', 'done', 6_000]], 'completed');
    expect(redriveOutcome(whole, { ...needs(joiner, []), status: 'failed' })).toBe(whole);
  });
});

describe('re-drive rules > bounded records', () => {
  it('keeps every open re-drive and the newest finished ones', () => {
    const rec = (i: number, status: RedriveRecord['status']): RedriveRecord => ({ eventId: `e${i}`, attempt: 1, of: 'r', by: 'ops', at: '2026-12-06T00:00:00Z', status });
    const records = [rec(0, 'queued'), ...Array.from({ length: REDRIVES_KEPT + 5 }, (_, i) => rec(i + 1, 'completed')), rec(99, 'running')];
    const kept = trimRedrives(records);
    expect(kept).toHaveLength(REDRIVES_KEPT + 2);
    expect(kept[0]?.eventId).toBe('e0');
    expect(kept[1]?.eventId).toBe('e6');
    expect(kept.at(-1)?.eventId).toBe('e99');
  });

  it('drops the oldest attention records beyond the limit', () => {
    const records: Record<string, AttentionRecord> = {};
    for (let i = 0; i < ATTENTION_KEPT + 3; i += 1) records[`e${i}`] = { eventId: `e${i}`, type: 'jml.joiner', status: 'failed', apps: [] };
    trimAttention(records);
    expect(Object.keys(records)).toHaveLength(ATTENTION_KEPT);
    expect(records.e0).toBeUndefined();
    expect(records[`e${ATTENTION_KEPT + 2}`]).toBeDefined();
  });
});
