import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JmlEvent, type PersonSnapshot } from '../../schemas/jml-event.v1';
import { BambooHrApiError } from './errors';
import { buildBambooHrEvents } from './events';
import type { BambooHrRecord } from './fields';
import { parseBambooHrBody } from './payload';

/**
 * Golden fixtures: every `<name>.context.json` in golden/ has a sibling body
 * (`<name>.body.json` or, for form posts, `<name>.body.txt`, the exact bytes BambooHR posts) and
 * `<name>.expected.json`, the JmlEvents it must produce, compared exactly.
 */
const DIR = join(import.meta.dirname, 'golden');

interface FixtureContext {
  contentType: string;
  tenant: string;
  timeZone?: string;
  receivedAt: string;
  /** What GET /v1/employees/{id} answers, by employee id. */
  records?: Record<string, BambooHrRecord>;
  /** The caller's previous knowledge of a person, by employee id. */
  previous?: Record<string, Record<string, unknown>>;
}

function loadFixture(name: string) {
  const context = JSON.parse(readFileSync(join(DIR, `${name}.context.json`), 'utf8')) as FixtureContext;
  const bodyFile = readdirSync(DIR).find((f) => f === `${name}.body.json` || f === `${name}.body.txt`);
  if (!bodyFile) throw new Error(`fixture ${name} has no body file`);
  const body = readFileSync(join(DIR, bodyFile));
  const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as unknown[];
  return { context, body, expected };
}

async function run(name: string, over: { receivedAt?: string } = {}) {
  const { context, body } = loadFixture(name);
  const parsed = parseBambooHrBody(body, context.contentType);
  if (!parsed.ok) throw new Error(`fixture ${name} does not parse: ${parsed.reason}`);
  const fetched: string[] = [];
  const built = await buildBambooHrEvents({
    tenant: context.tenant,
    deliveries: parsed.deliveries,
    receivedAt: over.receivedAt ?? context.receivedAt,
    ...(context.timeZone !== undefined && { timeZone: context.timeZone }),
    fetchEmployee: async ({ employeeId }) => {
      fetched.push(employeeId);
      const record = context.records?.[employeeId];
      if (!record) throw new BambooHrApiError({ code: 'not-found', message: `fixture ${name} has no record for ${employeeId}`, status: 404 });
      return record;
    },
    // Fixture files are data; normalizeBambooHr validates `previous` against the schema itself.
    previousOf: (id) => context.previous?.[id] as Partial<PersonSnapshot> | undefined,
  });
  const events = built.map((b) => {
    if (!b.ok) throw new Error(`fixture ${name}, employee ${b.employeeId}: ${b.reason}`);
    return b.event;
  });
  return { events, fetched, context };
}

const NAMES = readdirSync(DIR)
  .filter((f) => f.endsWith('.context.json'))
  .map((f) => f.slice(0, -'.context.json'.length))
  .sort();

describe('BambooHR golden fixtures', () => {
  it('cover every required scenario', () => {
    expect(NAMES).toEqual(
      expect.arrayContaining([
        'event-created',
        'event-updated-mover',
        'event-deleted',
        'field-value-objects',
        'field-multi',
        'form-event-based',
        'form-field-based',
        'future-hire',
        'termination',
        'rehire',
      ]),
    );
  });

  it.each(NAMES)('%s normalizes to exactly the expected events', async (name) => {
    const { events } = await run(name);
    expect(events).toEqual(loadFixture(name).expected);
    for (const e of events) expect(JmlEvent.parse(e)).toEqual(e);
  });

  it.each(NAMES)('%s yields the same ids when redelivered later', async (name) => {
    const first = await run(name);
    const redelivered = await run(name, { receivedAt: '2026-03-31T23:59:59Z' });
    expect(redelivered.events.map((e) => e.id)).toEqual(first.events.map((e) => e.id));
  });

  it('hydrates event-based changes and field-based ones that lack values, and nothing else', async () => {
    expect((await run('event-created')).fetched).toEqual(['4101']);
    expect((await run('event-deleted')).fetched).toEqual([]);
    expect((await run('field-value-objects')).fetched).toEqual([]);
    // 4104 changed "Reporting to" (a name) without posting the supervisor's id; 4106 is a bare Created.
    expect((await run('field-multi')).fetched).toEqual(['4104', '4106']);
    expect((await run('form-field-based')).fetched).toEqual([]);
  });
});
