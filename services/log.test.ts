import { readFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createHttpClient } from '../connectors/sdk/http';
import { JmlEvent } from '../schemas/jml-event.v1';
import { toActivityFailure } from './activity-boundary';
import { loadConfig } from './config';
import { createLogger, REDACT_PATHS } from './log';
import { developmentPolicy } from './policy/development';
import { planWithPolicy } from './policy/plan';
import { devAppInstances } from './runtime';

/**
 * Real objects through the real logger: a golden event (a Workday promotion: names, preferred name,
 * email, previous values), the plan the planner makes of it, and a connector error raised by the
 * real HTTP client from an app's answer that quotes the person, logged with the request it answered.
 */
const golden = JSON.parse(readFileSync(new URL('../sources/workday/golden/change-job.promotion.expected.json', import.meta.url), 'utf8')) as unknown[];
const event = JmlEvent.parse(golden[0]);
const person = event.data.person;
const PERSONAL = [person.givenName, person.familyName, person.preferredName, person.workEmail, 'Augusta', 'lovelace', 'Senior Software Engineer'] as string[];

function capture(): { log: ReturnType<typeof createLogger>; output: () => string } {
  const chunks: string[] = [];
  const log = createLogger({ name: 'test', level: 'trace', destination: { write: (s: string) => void chunks.push(s) } });
  return { log, output: () => chunks.join('') };
}

function expectNoPersonalData(text: string): void {
  for (const word of PERSONAL) expect(text.toLowerCase(), `log output holds '${word}'`).not.toContain(word.toLowerCase());
}

async function connectorFailure(): Promise<{ err: Error; request: Parameters<ReturnType<typeof createHttpClient>['request']>[0] }> {
  const request = {
    method: 'POST' as const,
    path: '/scim/v2/Users',
    body: { userName: person.workEmail, name: { givenName: person.givenName, familyName: person.familyName }, emails: [{ value: person.workEmail, primary: true }], displayName: `${person.preferredName} ${person.familyName}` },
  };
  const app = createHttpClient({
    baseUrl: 'https://app.example',
    fetch: async () => new Response(JSON.stringify({ detail: `userName ${person.workEmail} (${person.givenName} ${person.familyName}) already exists` }), { status: 409, headers: { 'content-type': 'application/json' } }),
    describeError: (b) => ({ detail: (b as { detail: string }).detail }),
  });
  const err = await app.request(request).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!err) throw new Error('the fake app should have refused');
  expect(err.message).toContain(person.workEmail as string);
  return { err, request };
}

describe('log redaction', () => {
  it('an event > logged whole, at any depth, shows its ids and no name, email or previous value', () => {
    const { log, output } = capture();
    log.info({ event }, 'event');
    log.info(event, 'event at the top');
    log.warn({ batch: { events: [event] } }, 'nested');
    log.info({ snapshot: person, previous: event.data.previous }, 'snapshots');
    expectNoPersonalData(output());
    expect(output()).toContain(event.id);
    expect(output()).toContain(event.subject);
  });

  it('a plan > the planner\'s mapped attributes (display name, user name) are redacted, operations stay', () => {
    const apps = devAppInstances(loadConfig({ JML_DEV_APPS: 'directory,chat' }), 'redis://127.0.0.1:9');
    const plan = planWithPolicy({ policy: developmentPolicy(apps), event });
    expect(JSON.stringify(plan)).toContain(person.workEmail as string);
    const { log, output } = capture();
    log.info({ plan }, 'planned');
    log.info({ eventId: event.id, steps: plan.apps.flatMap((a) => a.steps) }, 'steps');
    expectNoPersonalData(output());
    expect(output()).toContain('updateAccount');
  });

  it('a connector error with its request > neither the body sent nor the app\'s answer quoting the person is logged', async () => {
    const { err, request } = await connectorFailure();
    const { log, output } = capture();
    log.warn({ err, request }, 'step failed');
    log.error({ err: new Error('wrapper', { cause: err }) }, 'wrapped');
    // As the Temporal SDK logs a failed activity: `{ error }`, the failure built by our activity boundary.
    log.warn({ error: toActivityFailure(err), durationMs: 12 }, 'Activity failed');
    log.warn({ error: ApplicationFailure.create({ type: 'conflict', message: err.message, cause: err }) }, 'Activity failed');
    expectNoPersonalData(output());
    // What ops need stays: the error's kind, code, status and safe context.
    expect(output()).toContain('"code":"conflict"');
    expect(output()).toContain('"status":409');
    expect(output()).toContain('/scim/v2/Users');
  });

  it('secrets > keys named like secrets are redacted at any depth', () => {
    const { log, output } = capture();
    log.info({ app: { settings: { url: 'https://x' }, secrets: { bearerToken: 'tok-123456' } }, headers: { authorization: 'Bearer abc-987' } }, 'config');
    expect(output()).not.toMatch(/tok-123456|abc-987/);
  });

  it('child loggers > bound fields are redacted too; pino\'s own paths still hold', () => {
    const { log, output } = capture();
    log.child({ eventId: event.id, person }).info({ authorization: 'Bearer zz-secret' }, 'bound');
    expectNoPersonalData(output());
    expect(output()).not.toContain('zz-secret');
    expect(REDACT_PATHS).toContain('headers.authorization');
  });

  it('errors > a plain error keeps its message; a coded one keeps its code and context only', () => {
    const { log, output } = capture();
    log.error({ err: new Error('connect ECONNREFUSED 127.0.0.1:6379') }, 'plain');
    expect(output()).toContain('ECONNREFUSED');
  });
});
