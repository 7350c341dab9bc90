import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { memoryPublishedState, memorySink } from '../../test/fakes/pollers';
import type { JmlEvent, PersonSnapshot } from '../../schemas/jml-event.v1';
import { TOPICS } from '../kafka/topics';
import { recordingSink } from './published-state';

const log = pino({ level: 'silent' });
const PERSON: PersonSnapshot = { employeeId: '4101', workerType: 'employee', status: 'pre-hire', givenName: 'Ada', familyName: 'Lovelace', jobTitle: null, custom: { payGroup: 'UK' } };

function event(over: Partial<JmlEvent> & { person?: Partial<PersonSnapshot> } = {}): JmlEvent {
  const { person, ...rest } = over;
  return {
    specversion: '1.0',
    id: 'bamboohr-1',
    source: '/hr/bamboohr/acme',
    type: 'jml.joiner',
    subject: 'bamboohr:acme:4101',
    time: '2026-03-01T10:00:00Z',
    data: { effectiveAt: '2026-03-01T10:00:00Z', enteredAt: '2026-03-01T10:00:00Z', person: { ...PERSON, ...person }, changedFields: [] },
    ...rest,
  };
}

describe('recordingSink', () => {
  const outgoing = (e: JmlEvent) => ({ topic: TOPICS.events, message: { key: e.subject, value: JSON.stringify(e) } });

  it('records events of tracked sources once Kafka acknowledged them, and nothing else', async () => {
    const sink = memorySink();
    const ledger = memoryPublishedState();
    const recording = recordingSink(sink, ledger, { track: (s) => s.startsWith('/hr/bamboohr/'), log });
    const canonical = event({ id: 'other-1', source: '/hr/other', subject: 'other:1' });
    await recording.send([outgoing(event()), outgoing(canonical), { topic: TOPICS.raw, message: { key: null, value: 'not json' } }]);
    expect([...ledger.entries.keys()]).toEqual(['/hr/bamboohr/acme|bamboohr:acme:4101']);
    expect(ledger.entries.get('/hr/bamboohr/acme|bamboohr:acme:4101')).toMatchObject({ eventId: 'bamboohr-1', atMs: Date.parse('2026-03-01T10:00:00Z') });
    expect(sink.sent).toHaveLength(3);
  });

  it('takes the event a record carries instead of parsing its bytes again', async () => {
    const sink = memorySink();
    const ledger = memoryPublishedState();
    const recording = recordingSink(sink, ledger, { track: () => true, log });
    const e = event();
    // The bytes are deliberately not the event: only the attached, already validated event is read.
    await recording.send([{ topic: TOPICS.events, message: { key: e.subject, value: 'opaque' }, event: e }]);
    expect(ledger.entries.get('/hr/bamboohr/acme|bamboohr:acme:4101')).toMatchObject({ eventId: 'bamboohr-1' });
  });

  it('records nothing when Kafka did not acknowledge, and still succeeds when only the ledger fails', async () => {
    const sink = memorySink();
    const ledger = memoryPublishedState();
    const recording = recordingSink(sink, ledger, { track: () => true, log });
    sink.failNext();
    await expect(recording.send([outgoing(event())])).rejects.toThrow('scripted produce failure');
    expect(ledger.entries.size).toBe(0);
    ledger.failNext();
    await expect(recording.send([outgoing(event())])).resolves.toBeUndefined();
    expect([sink.sent.length, ledger.entries.size]).toEqual([1, 0]);
  });
});
