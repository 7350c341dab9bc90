import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PollCursor } from '../../schemas/contracts';
import { memoryPollPorts } from '../../test/fakes/pollers';
import { createBambooHrClient, type BambooHrClient } from './api-client';
import { bambooHrEventId } from './event-id';
import { buildBambooHrEvents } from './events';
import { parseBambooHrBody } from './payload';
import { aliasesOf, pollBambooHr, type BambooHrCursor } from './poll';
import { startFakeBambooHr, type FakeBambooHr } from './testing/fake-api';

const API_KEY = 'bamboohr-api-key';
const NOW = Date.parse('2026-03-01T12:00:00Z');
const SINCE: BambooHrCursor = { kind: 'bamboohr', since: '2026-03-01T00:00:00Z' };

const ADA = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  preferredName: null,
  workEmail: 'ada.lovelace@acme.example',
  jobTitle: 'Software Engineer',
  department: 'Engineering',
  division: 'R&D',
  location: 'London',
  status: 'Active',
  employmentHistoryStatus: 'Full-Time',
  hireDate: '2025-02-02',
  originalHireDate: '2025-02-02',
  terminationDate: '0000-00-00',
  supervisorEId: '4001',
  employeeNumber: 'E-1041',
  payGroup: 'UK Monthly',
};

describe('BambooHR reconciliation poll', () => {
  let fake: FakeBambooHr;
  beforeEach(async () => {
    fake = await startFakeBambooHr({ apiKey: API_KEY, employees: { '4101': ADA } });
  });
  afterEach(() => fake.close());

  /** A poller publishing through the gateway's ingest into an in-memory Kafka, with the ledger recording. */
  function setup(opts: { ledger?: boolean } = {}) {
    const { ports, sink, dedupe, ledger, events, sentOn } = memoryPollPorts({ now: () => NOW, track: (s) => s.startsWith('/hr/bamboohr/'), ...(opts.ledger === false ? { ledger: false } : {}) });
    const client = createBambooHrClient({ baseUrl: fake.url, apiKey: API_KEY, maxAttempts: 1 });
    const config = { webhookKeys: ['w'], apiKey: API_KEY, apiBaseUrl: fake.url, timeZone: 'Europe/London' };
    /** One poll of tenant acme from `cursor` (none: the first poll), with another client if given. */
    const poll = (cursor: BambooHrCursor | PollCursor | undefined, over: { client?: BambooHrClient } = {}) =>
      pollBambooHr({ tenant: 'acme', config, client: over.client ?? client, ...(cursor !== undefined ? { cursor } : {}), ports });
    return { sink, dedupe, ledger, ports, client, poll, events, sentOn };
  }

  it('first poll > takes a baseline at now and calls nothing', async () => {
    const { poll, sink } = setup();
    const summary = await poll(undefined);
    expect(summary.cursor).toEqual({ kind: 'bamboohr', since: '2026-03-01T12:00:00Z' });
    expect(summary.position).toBe('since `2026-03-01T12:00:00Z`');
    expect([summary.produced, summary.notes]).toEqual([0, ['baseline taken: changes from now on are reconciled']]);
    expect(fake.requests).toEqual([]);
    expect(sink.sent).toEqual([]);
  });

  it('missed joiner > a created employee becomes the joiner the webhook would have produced, with the same id', async () => {
    const { poll, events, sentOn, client } = setup();
    fake.setEmployee('5002', { ...ADA, firstName: 'Grace', lastName: 'Hopper', workEmail: 'grace@acme.example', hireDate: '2026-03-02' }, { lastChanged: '2026-03-01T10:00:00+00:00' });

    const summary = await poll(SINCE);

    const [event, ...rest] = events();
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      type: 'jml.joiner',
      subject: 'bamboohr:acme:5002',
      source: '/hr/bamboohr/acme',
      time: '2026-03-01T10:00:00Z',
      data: { effectiveAt: '2026-03-02T00:00:00Z', person: { givenName: 'Grace', status: 'pre-hire' } },
    });
    // The id rule: the webhook's, with lastChanged as its timestamp and no field named.
    const id = bambooHrEventId({ source: '/hr/bamboohr/acme', employeeId: '5002', type: 'jml.joiner', sourceTimestamp: '2026-03-01T10:00:00Z', changedFields: [], person: event!.data.person });
    expect(event!.id).toBe(id);
    // … which is what the gateway builds for the employee.created webhook of that moment.
    const parsed = parseBambooHrBody(Buffer.from(JSON.stringify({ type: 'employee.created', timestamp: '2026-03-01T10:00:00+0000', data: { companyId: '1', employeeId: '5002' } })), 'application/json');
    if (!parsed.ok) throw new Error(parsed.reason);
    const [viaWebhook] = await buildBambooHrEvents({
      tenant: 'acme',
      deliveries: parsed.deliveries,
      receivedAt: '2026-03-01T10:00:02Z',
      timeZone: 'Europe/London',
      fetchEmployee: (r) => client.getEmployee(r),
    });
    expect(viaWebhook?.ok && viaWebhook.event).toEqual(event);
    // Same topic, key and headers as the gateway.
    const [record] = sentOn('events');
    expect(record?.message.key).toBe('bamboohr:acme:5002');
    expect(record?.message.headers).toEqual({ 'jml-event-id': id, 'jml-event-type': 'jml.joiner', 'jml-schema-version': '1' });
    expect(sentOn('raw')[0]?.message.headers).toMatchObject({ 'jml-route': '/pollers/bamboohr/acme', 'jml-event-ids': id });
    expect(summary).toMatchObject({ observed: 1, produced: 1, skipped: 0, eventIds: [id], cursor: { kind: 'bamboohr', since: '2026-03-01T10:00:00Z' } });
  });

  it('polling again > the same window gives nothing new, through the ledger', async () => {
    const { poll, events } = setup();
    fake.setEmployee('5002', { ...ADA, firstName: 'Grace' }, { lastChanged: '2026-03-01T10:00:00+00:00' });
    const first = await poll(SINCE);
    // The next poll starts at `latest`, which lists the same change again (since is inclusive).
    const second = await poll(first.cursor);
    const third = await poll(SINCE);
    expect(events().map((e) => e.id)).toEqual(first.eventIds);
    expect([second.observed, second.produced, second.skipped]).toEqual([1, 0, 1]);
    expect([third.observed, third.produced, third.skipped]).toEqual([1, 0, 1]);
  });

  it('polling again > without a ledger the same change has the same id and is dropped at the edge', async () => {
    const { poll, events } = setup({ ledger: false });
    fake.setEmployee('5002', { ...ADA, firstName: 'Grace' }, { lastChanged: '2026-03-01T10:00:00+00:00' });
    const first = await poll(SINCE);
    const second = await poll(SINCE);
    expect(events()).toHaveLength(1);
    expect([second.produced, second.duplicates]).toEqual([0, 1]);
    expect(first.eventIds).toHaveLength(1);
  });

  it('delivered by webhook > a change whose state the webhook published is not published again', async () => {
    const { poll, events, ports, client } = setup();
    fake.setEmployee('4101', { jobTitle: 'Principal Engineer' }, { lastChanged: '2026-03-01T09:00:07+00:00' });
    // The gateway published the webhook's mover (timestamp 2 s before BambooHR's lastChanged, so its id differs).
    const parsed = parseBambooHrBody(
      Buffer.from(JSON.stringify({ type: 'employee.updated', timestamp: '2026-03-01T09:00:05+0000', data: { employeeId: '4101', changedFields: ['jobTitle'] } })),
      'application/json',
    );
    if (!parsed.ok) throw new Error(parsed.reason);
    const [built] = await buildBambooHrEvents({ tenant: 'acme', deliveries: parsed.deliveries, receivedAt: '2026-03-01T09:00:06Z', timeZone: 'Europe/London', fetchEmployee: (r) => client.getEmployee(r) });
    if (!built?.ok) throw new Error('webhook event not built');
    // Through the same ingest path as the gateway's: Kafka acknowledges, the ledger records.
    await ports.publisher.publish({ route: '/webhooks/bamboohr/acme', observation: {}, events: [built.event] });

    const summary = await poll(SINCE);

    expect(events().map((e) => e.id)).toEqual([built.event.id]);
    expect([summary.observed, summary.produced, summary.skipped]).toEqual([1, 0, 1]);
  });

  it('missed mover > after a published state, the fields that differ classify the change', async () => {
    const { poll, events } = setup();
    fake.setEmployee('4101', {}, { lastChanged: '2026-03-01T08:00:00+00:00' });
    await poll(SINCE);
    fake.setEmployee('4101', { department: 'Platform', supervisorEId: '4002' }, { lastChanged: '2026-03-01T11:00:00+00:00' });

    await poll({ kind: 'bamboohr', since: '2026-03-01T09:00:00Z' });

    const mover = events()[1];
    expect(mover).toMatchObject({ type: 'jml.mover', time: '2026-03-01T11:00:00Z', data: { changedFields: ['department', 'managerEmployeeId'], person: { department: 'Platform' } } });
    expect(mover?.id).toBe(
      bambooHrEventId({ source: '/hr/bamboohr/acme', employeeId: '4101', type: 'jml.mover', sourceTimestamp: '2026-03-01T11:00:00Z', changedFields: ['department', 'supervisorEId'], person: mover!.data.person }),
    );
  });

  it('missed leaver and rehire > a termination is a leaver; undoing it later is a rehire because the ledger knew the leaver', async () => {
    const { poll, events } = setup();
    fake.setEmployee('4101', { employmentHistoryStatus: 'Terminated', terminationDate: '2026-03-05' }, { lastChanged: '2026-03-01T08:00:00+00:00' });
    await poll(SINCE);
    fake.setEmployee('4101', { employmentHistoryStatus: 'Full-Time', terminationDate: '2026-03-05', hireDate: '2026-04-01' }, { lastChanged: '2026-03-01T11:00:00+00:00' });
    await poll({ kind: 'bamboohr', since: '2026-03-01T09:00:00Z' });

    expect(events().map((e) => [e.type, e.data.effectiveAt, e.data.person.status])).toEqual([
      ['jml.leaver', '2026-03-06T00:00:00Z', 'terminated'],
      ['jml.rehire', '2026-04-01T00:00:00+01:00', 'pre-hire'],
    ]);
    expect(events()[1]?.data.previous).toEqual({ status: 'terminated' });
  });

  it('future termination > after its leaver and a later edit, re-listing the edit publishes nothing', async () => {
    const { poll, events } = setup();
    fake.setEmployee('4101', { terminationDate: '2026-03-20', employmentHistoryStatus: 'Terminated' }, { lastChanged: '2026-03-01T08:00:00+00:00' });
    await poll(SINCE);
    fake.setEmployee('4101', { jobTitle: 'Staff Engineer' }, { lastChanged: '2026-03-01T11:00:00+00:00' });
    const edit = await poll({ kind: 'bamboohr', since: '2026-03-01T09:00:00Z' });
    const again = await poll(edit.cursor);
    expect(events().map((e) => [e.type, e.data.person.status])).toEqual([
      ['jml.leaver', 'terminated'],
      ['jml.mover', 'active'],
    ]);
    expect([again.observed, again.produced]).toEqual([1, 0]);
  });

  it('missed deletion > a deleted employee is the leaver the deletion webhook would be', async () => {
    const { poll, events } = setup();
    fake.deleteEmployee('4101', { lastChanged: '2026-03-01T10:30:00+00:00' });
    await poll(SINCE);
    const [leaver] = events();
    expect(leaver).toMatchObject({ type: 'jml.leaver', data: { reason: 'deleted in HR', person: { givenName: '(unknown)' } } });
    expect(leaver?.id).toBe(bambooHrEventId({ source: '/hr/bamboohr/acme', employeeId: '4101', type: 'jml.leaver', sourceTimestamp: '2026-03-01T10:30:00Z', changedFields: [], person: leaver!.data.person }));
    expect(fake.requests.map((r) => r.path)).toEqual(['/employees/changed']);
  });

  it('not found > an employee gone between listing and reading is skipped, not a failure', async () => {
    const { poll, events, client } = setup();
    fake.setEmployee('5003', { ...ADA }, { lastChanged: '2026-03-01T10:00:00+00:00' });
    // The list names 5003; by the time it is read, BambooHR answers 404.
    const summary = await poll(SINCE, { client: { listChangedSince: (r) => client.listChangedSince(r), getEmployee: (r) => client.getEmployee({ ...r, employeeId: 'nobody' }) } });
    expect(events()).toEqual([]);
    expect([summary.observed, summary.skipped, summary.cursor.since]).toEqual([1, 1, '2026-03-01T10:00:00Z']);
  });

  it('failures > a retryable API failure is thrown (the cursor stays), a bad record is dead-lettered', async () => {
    const { poll, sentOn } = setup();
    fake.failNext(500);
    await expect(poll(SINCE)).rejects.toMatchObject({ name: 'BambooHrApiError', code: 'transient', retryable: true });

    fake.setEmployee('5004', { ...ADA, firstName: '', lastName: '' }, { lastChanged: '2026-03-01T10:00:00+00:00' });
    const summary = await poll(SINCE);
    const dlq = sentOn('dlq');
    expect(dlq.map((o) => [o.message.headers?.['jml-route'], o.message.headers?.['jml-reject-code']])).toEqual([['/pollers/bamboohr/acme', 'invalid-payload']]);
    expect(String(dlq[0]?.message.headers?.['jml-reject-reason'])).toMatch(/firstName and lastName are required/);
    expect([summary.produced, summary.skipped]).toEqual([0, 1]);
  });

  it('ledger down > every observed change is published and the summary says so', async () => {
    const { poll, ledger, events } = setup();
    fake.setEmployee('4101', { jobTitle: 'CTO' }, { lastChanged: '2026-03-01T10:00:00+00:00' });
    ledger.failNext();
    const summary = await poll(SINCE);
    expect(events().map((e) => e.type)).toEqual(['jml.update']);
    expect(summary.notes).toEqual(['ledger unavailable: every observed change published']);
  });

  it('cursor > one this source does not write fails the poll as cursor-invalid, before any call', async () => {
    const { poll } = setup();
    const foreign: PollCursor[] = [{ kind: 'workday', asOf: '2026-03-01T00:00:00Z' }, { kind: 'bamboohr', since: 'yesterday' }, '2026-03-01T00:00:00Z'];
    for (const cursor of foreign) {
      await expect(poll(cursor)).rejects.toMatchObject({ name: 'PollerError', code: 'cursor-invalid', retryable: false });
    }
    expect(fake.requests).toEqual([]);
  });

  it('cursor > never moves back, whatever `latest` says', async () => {
    const { poll } = setup();
    const summary = await poll({ kind: 'bamboohr', since: '2026-03-01T11:00:00Z' });
    expect(summary.cursor.since).toBe('2026-03-01T11:00:00Z');
  });
});

describe('aliasesOf', () => {
  it('maps snapshot fields to the BambooHR fields they are read from', () => {
    expect(aliasesOf(['managerEmployeeId', 'status', 'workerType', 'custom.employmentStatus', 'givenName', 'nope'])).toEqual([
      'employmentHistoryStatus',
      'firstName',
      'status',
      'supervisorEId',
    ]);
  });
});
