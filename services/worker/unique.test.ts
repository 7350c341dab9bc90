import { MockActivityEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConnectorError,
  defineConnector,
  type AnyConnector,
  type AppAttributes,
  type CheckUniqueRequest,
  type ConnectorContext,
  type CreateAccountRequest,
} from '../../connectors/sdk';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { compileAppMapping } from '../mapping';
import type { RunStepInput, StepResult } from '../../schemas/contracts';
import { createActivities } from './activities';
import { withUniqueValues } from './unique';

const mapping = compileAppMapping({
  appId: 'chat',
  config: {
    attributes: { displayName: '{givenName} {familyName}' },
    unique: {
      userName: ['{givenName|initial|lower}{familyName|lower}', '{givenName|lower}.{familyName|lower}', '{givenName|initial|lower}{familyName|lower}{n}'],
    },
    uniqueCounter: { from: 2, to: 3 },
  },
});

const john = (employeeId: string): PersonSnapshot => ({ employeeId, workerType: 'employee', status: 'active', givenName: 'John', familyName: 'Smith' });

/**
 * An in-memory app holding accounts by person key, that records every value it is asked about.
 * `racer`: before each of the first `races` creates, another person takes the value being created
 * (the other joiner of a race that checked at the same moment), and the app answers 409.
 */
function memoryApp(opts: { holders?: Record<string, string>; failCheck?: ConnectorError; races?: number } = {}) {
  const accounts = new Map<string, AppAttributes>(Object.entries(opts.holders ?? {}).map(([personKey, userName]) => [personKey, { userName }]));
  const asked: string[] = [];
  let races = opts.races ?? 0;
  const connector = defineConnector({
    id: 'memory',
    version: '0.0.0',
    description: 'test',
    config: z.object({}),
    secrets: [],
    capabilities: ['account.create', 'unique.check'],
    operations: {
      async createAccount(_ctx: ConnectorContext, req: CreateAccountRequest) {
        if (accounts.has(req.account.personKey)) return { outcome: 'already-in-state' as const, externalRef: req.account.personKey };
        if (races > 0) {
          races -= 1;
          accounts.set(`racer:${races}`, { userName: req.attributes.userName as string });
          throw new ConnectorError({ code: 'conflict', message: 'userName is already taken', status: 409 });
        }
        accounts.set(req.account.personKey, req.attributes);
        return { outcome: 'applied' as const, externalRef: req.account.personKey };
      },
      async checkUnique(_ctx: ConnectorContext, req: CheckUniqueRequest) {
        asked.push(req.value);
        if (opts.failCheck) throw opts.failCheck;
        const holders = [...accounts].filter(([, a]) => a[req.attribute] === req.value).map(([k]) => k);
        return { holder: holders.length === 0 ? ('none' as const) : holders.includes(req.account.personKey) ? ('this-person' as const) : ('other' as const) };
      },
    },
  });
  return { connector, accounts, asked };
}

const ctx = (): ConnectorContext => ({
  idempotencyKey: 'e/chat/createAccount',
  appId: 'chat',
  signal: new AbortController().signal,
  heartbeat: () => undefined,
  log: pino({ level: 'silent' }),
  config: {},
  secrets: {},
});

const request = (personKey: string, attributes: AppAttributes = { displayName: 'John Smith' }) => ({
  account: { personKey },
  person: john(personKey.split(':')[1] as string),
  attributes,
  enabled: true,
});

const resolve = (connector: AnyConnector, personKey: string, operation = 'createAccount', attributes?: AppAttributes) =>
  withUniqueValues({ app: { appId: 'chat', connector, mapping }, ctx: ctx(), operation, request: request(personKey, attributes) });

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ConnectorError)) throw new Error(`expected a ConnectorError, got ${String(err)}`);
  return err;
}

describe('withUniqueValues', () => {
  it('create > the first free candidate goes into the attributes; the others are untouched', async () => {
    const app = memoryApp({ holders: { 'hr:1': 'jsmith' } });
    const resolved = await resolve(app.connector, 'hr:2');
    expect(resolved.attributes).toEqual({ displayName: 'John Smith', userName: 'john.smith' });
    expect(app.asked).toEqual(['jsmith', 'john.smith']);
  });

  it('create > a repeat for the same person resolves to the value they already hold', async () => {
    const app = memoryApp({ holders: { 'hr:1': 'jsmith', 'hr:2': 'john.smith' } });
    expect((await resolve(app.connector, 'hr:2')).attributes.userName).toBe('john.smith');
    expect((await resolve(app.connector, 'hr:1')).attributes.userName).toBe('jsmith');
  });

  it('other operations and apps without unique attributes > the request comes back as it was, nothing asked', async () => {
    const app = memoryApp();
    const req = request('hr:3');
    for (const operation of ['updateAccount', 'restoreAccount', 'suspendAccount']) {
      expect(await withUniqueValues({ app: { appId: 'chat', connector: app.connector, mapping }, ctx: ctx(), operation, request: req })).toBe(req);
    }
    expect(await withUniqueValues({ app: { appId: 'chat', connector: app.connector }, ctx: ctx(), operation: 'createAccount', request: req })).toBe(req);
    expect(app.asked).toEqual([]);
  });

  it('a value the step already carries > is kept (a compensation re-creates the old user name)', async () => {
    const app = memoryApp({ holders: { 'hr:1': 'jsmith' } });
    expect((await resolve(app.connector, 'hr:4', 'createAccount', { userName: 'jsmith2' })).attributes.userName).toBe('jsmith2');
    expect(app.asked).toEqual([]);
  });

  it('every candidate taken > non-retryable conflict naming the attribute, not the values', async () => {
    const app = memoryApp({ holders: { 'hr:1': 'jsmith', 'hr:2': 'john.smith', 'hr:3': 'jsmith2', 'hr:4': 'jsmith3' } });
    const err = await failure(resolve(app.connector, 'hr:5'));
    expect(err).toMatchObject({ code: 'conflict', retryable: false, context: { appId: 'chat', attribute: 'userName', attempts: 4, problem: 'unique-exhausted' } });
    expect(err.message).not.toMatch(/jsmith/);
  });

  it('no candidate has a value > non-retryable invalid-request', async () => {
    const app = memoryApp();
    const nameless = { ...request('hr:6'), person: { ...john('6'), givenName: '' } };
    const err = await failure(withUniqueValues({ app: { appId: 'chat', connector: app.connector, mapping }, ctx: ctx(), operation: 'createAccount', request: nameless }));
    expect(err).toMatchObject({ code: 'invalid-request', retryable: false, context: { problem: 'unique-no-candidate' } });
  });

  it('a connector without unique.check > not-supported before anything is asked', async () => {
    const connector = defineConnector({
      id: 'blind',
      version: '0.0.0',
      description: 'test',
      config: z.object({}),
      secrets: [],
      capabilities: ['account.create'],
      operations: { createAccount: async () => ({ outcome: 'applied' as const }) },
    });
    expect(await failure(resolve(connector, 'hr:7'))).toMatchObject({ code: 'not-supported', retryable: false, context: { connector: 'blind' } });
  });

  it('a check that fails > its error propagates unchanged (a transient one stays retryable)', async () => {
    const transient = new ConnectorError({ code: 'transient', message: 'app down' });
    const app = memoryApp({ failCheck: transient });
    expect(await failure(resolve(app.connector, 'hr:8'))).toBe(transient);
  });
});

describe('runStep > unique values', () => {
  const quiet = () => undefined;
  // The activity environment logs every failed activity; the assertions below say what matters.
  const mockEnvironment = () => new MockActivityEnvironment(undefined, { logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet } });
  const activitiesFor = (connector: AnyConnector) =>
    createActivities({ apps: new Map([['chat', { appId: 'chat', connector, config: {}, secrets: {}, mapping }]]), log: pino({ level: 'silent' }) });
  const joiner = (employeeId: string): RunStepInput => ({
    eventId: `e-${employeeId}`,
    appId: 'chat',
    account: { personKey: `hr:${employeeId}` },
    person: john(employeeId),
    step: { operation: 'createAccount' as const, summary: 'create account', attributes: { displayName: 'John Smith' }, enabled: true },
  });

  it('createAccount > two people mapping to jsmith get jsmith and john.smith; a re-run is already-in-state with the same value', async () => {
    const app = memoryApp();
    const { runStep } = activitiesFor(app.connector);
    const env = mockEnvironment();
    const run = (input: RunStepInput) => env.run<[RunStepInput], StepResult, typeof runStep>(runStep, input);
    expect((await run(joiner('1'))).outcome).toBe('applied');
    expect((await run(joiner('2'))).outcome).toBe('applied');
    expect((await run(joiner('2'))).outcome).toBe('already-in-state');
    expect(Object.fromEntries([...app.accounts].map(([k, a]) => [k, a.userName]))).toEqual({ 'hr:1': 'jsmith', 'hr:2': 'john.smith' });
  });

  it('createAccount > a value taken between check and create (a race) is resolved again: the next candidate', async () => {
    const app = memoryApp({ races: 1 });
    const result = (await mockEnvironment().run(activitiesFor(app.connector).runStep, joiner('1'))) as StepResult;
    expect(result.outcome).toBe('applied');
    expect(app.accounts.get('racer:0')?.userName).toBe('jsmith');
    expect(app.accounts.get('hr:1')?.userName).toBe('john.smith');
  });

  it('createAccount > a third lost race in a row fails the step as a conflict, creating nothing', async () => {
    const app = memoryApp({ races: 3 });
    const err = await mockEnvironment().run(activitiesFor(app.connector).runStep, joiner('1')).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'conflict', nonRetryable: true });
    expect(app.accounts.has('hr:1')).toBe(false);
    expect(app.asked.filter((v) => v === 'jsmith')).toHaveLength(3);
  });

  it('createAccount > a conflict on a value the step carried itself is not retried', async () => {
    const app = memoryApp({ races: 3 });
    const input = joiner('2');
    const carried = { ...input, step: { ...input.step, attributes: { displayName: 'John Smith', userName: 'jsmith9' } } };
    const err = await mockEnvironment().run(activitiesFor(app.connector).runStep, carried).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'conflict' });
    expect(app.asked).toEqual([]);
    expect([...app.accounts.keys()]).toEqual(['racer:2']);
  });

  it('createAccount > exhaustion fails the step with a non-retryable Temporal failure of type conflict', async () => {
    const app = memoryApp({ holders: { 'hr:1': 'jsmith', 'hr:2': 'john.smith', 'hr:3': 'jsmith2', 'hr:4': 'jsmith3' } });
    const err = await mockEnvironment().run(activitiesFor(app.connector).runStep, joiner('5')).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'conflict', nonRetryable: true });
    expect(app.accounts.has('hr:5')).toBe(false);
  });
});
