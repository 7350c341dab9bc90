import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLdapConnector, LdapConfig } from '../../connectors/ldap';
import { createScimConnector, ScimConfig } from '../../connectors/scim';
import type { ScimUser } from '../../connectors/scim/schema';
import { scimAdmin, type ScimAdmin } from '../../connectors/scim/testing/scim-admin';
import { startFaultProxy, type FaultProxy } from '../../connectors/sdk/conformance';
import type { AnyConnector, AppAttributes } from '../../connectors/sdk';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { createLogger } from '../../services/log';
import { compileAppMapping, mapPerson, type AppMapping } from '../../services/mapping';
import type { RunStepInput, StepResult } from '../../schemas/contracts';
import { createActivities } from '../../services/worker/activities';
import { startScimServer, type ScimServer } from '../harness/scim-server';
import { startSlapd, type SlapdInstance } from '../harness/slapd';

/**
 * Unique values end to end below the workflow: the worker's runStep (in Temporal's activity test
 * environment) resolves the mapping's unique candidates through the connector's `unique.check`
 * against the real scim2-server and the real slapd, then creates. Two John Smiths must get two
 * distinct, deterministic accounts, and repeating a create must change nothing.
 */

const quiet = () => undefined;
const log = createLogger({ name: 'it-unique', level: 'silent' });

/** John Smith (or whoever `names` says), employee `employeeId`. */
const person = (employeeId: string, names: Partial<PersonSnapshot> = {}): PersonSnapshot => ({
  employeeId,
  workerType: 'employee',
  status: 'active',
  givenName: 'John',
  familyName: 'Smith',
  ...names,
});

/** A runStep bound to one app instance, and the two steps a joiner and a mover send it. */
function worker(app: { appId: string; connector: AnyConnector; config: unknown; secrets: Record<string, string>; mapping: AppMapping }) {
  const { runStep } = createActivities({ apps: new Map([[app.appId, app]]), log });
  const env = new MockActivityEnvironment(undefined, { logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet } });
  const run = (input: RunStepInput) => env.run<[RunStepInput], StepResult, typeof runStep>(runStep, input);
  const input = (p: PersonSnapshot, step: RunStepInput['step']): RunStepInput => ({
    eventId: `it-unique-${p.employeeId}`,
    appId: app.appId,
    account: { personKey: `hr:${p.employeeId}` },
    person: p,
    step,
  });
  const attributes = (p: PersonSnapshot): AppAttributes => mapPerson({ appId: app.appId, mapping: app.mapping, person: p }).attributes;
  return {
    join: (p: PersonSnapshot) => run(input(p, { operation: 'createAccount', summary: 'create account', attributes: attributes(p), enabled: true })),
    move: (p: PersonSnapshot) => run(input(p, { operation: 'updateAccount', summary: 'update attributes', attributes: attributes(p) })),
    /** The compensation of an adopting create: the carried ref, and the create's `before` in the step. */
    release: (p: PersonSnapshot, adopted: StepResult) =>
      run({
        ...input(p, { operation: 'releaseAccount', summary: 'release adopted account', before: adopted.before }),
        account: { personKey: `hr:${p.employeeId}`, ...(adopted.externalRef ? { externalRef: adopted.externalRef } : {}) },
      }),
  };
}

describe('unique userName on the real scim2-server', () => {
  let server: ScimServer;
  let proxy: FaultProxy;
  let admin: ScimAdmin;
  const connector = createScimConnector();
  const mapping = compileAppMapping({
    appId: 'wiki',
    config: {
      attributes: { givenName: '{givenName}', familyName: '{familyName}', displayName: '{givenName} {familyName}' },
      unique: { userName: ['{givenName|initial|lower}{familyName|lower}', '{givenName|lower}.{familyName|lower}', '{givenName|initial|lower}{familyName|lower}{n}'] },
    },
  });
  let app: ReturnType<typeof worker>;

  beforeAll(async () => {
    server = await startScimServer();
    proxy = await startFaultProxy({ upstream: server.baseUrl });
    admin = scimAdmin(server);
    app = worker({ appId: 'wiki', connector, config: ScimConfig.parse({ baseUrl: proxy.baseUrl, profile: 'scim2-server' }), secrets: { bearerToken: server.token }, mapping });
  }, 300_000);
  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });
  beforeEach(async () => {
    await admin.deleteAll('Users');
  });

  /** userName by externalId, as the server holds them. */
  const userNames = async () => Object.fromEntries((await admin.list<ScimUser>('Users')).map((u) => [u.externalId ?? `(none) ${u.id}`, u.userName]));

  it('two John Smiths > jsmith and john.smith, a third jsmith2; the same order gives the same names again', async () => {
    const rounds: Array<Record<string, unknown>> = [];
    for (let round = 0; round < 2; round += 1) {
      await admin.deleteAll('Users');
      for (const id of ['900', '901', '902']) expect((await app.join(person(id))).outcome).toBe('applied');
      rounds.push(await userNames());
    }
    expect(rounds[0]).toEqual({ 'hr:900': 'jsmith', 'hr:901': 'john.smith', 'hr:902': 'jsmith2' });
    expect(rounds[1]).toEqual(rounds[0]);
  });

  it('two John Smiths at the same moment > both applied, jsmith and john.smith, whichever lost the check-then-create race', async () => {
    // Both check before either creates, so both see jsmith free; the server's 409 sends the loser
    // back to resolution, where jsmith is now someone else's.
    const results = await Promise.all([app.join(person('950')), app.join(person('951'))]);
    expect(results.map((r) => r.outcome)).toEqual(['applied', 'applied']);
    expect(Object.values(await userNames()).sort()).toEqual(['john.smith', 'jsmith']);
  });

  it('re-running either create > already-in-state with the same account and value, and nothing but reads reach the server', async () => {
    const first = await app.join(person('910'));
    const second = await app.join(person('911'));
    const before = proxy.forwarded.length;
    expect(await app.join(person('911'))).toMatchObject({ outcome: 'already-in-state', externalRef: second.externalRef });
    expect(await app.join(person('910'))).toMatchObject({ outcome: 'already-in-state', externalRef: first.externalRef });
    expect(proxy.forwarded.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await userNames()).toEqual({ 'hr:910': 'jsmith', 'hr:911': 'john.smith' });
  });

  it('the server’s matching rule > a userName held in another letter case by someone else is taken', async () => {
    await admin.createUser({ userName: 'JSmith', externalId: 'someone-else' });
    await app.join(person('920'));
    expect((await userNames())['hr:920']).toBe('john.smith');
  });

  it('a hand-made account holding the first candidate > is adopted, not skipped', async () => {
    const handMade = await admin.createUser({ userName: 'jsmith' });
    const adopted = await app.join(person('930'));
    expect(adopted).toMatchObject({ outcome: 'adopted', externalRef: handMade.id, before: { externalId: null } });
    expect(await userNames()).toEqual({ 'hr:930': 'jsmith' });
    // Its inverse gives the account back through the same runStep: our externalId is gone, the user stays.
    expect(await app.release(person('930'), adopted)).toMatchObject({ outcome: 'applied', externalRef: handMade.id });
    expect(await userNames()).toEqual({ [`(none) ${handMade.id}`]: 'jsmith' });
  });

  it('a later change in who holds what > never renames: the re-run create and the mover keep john.smith', async () => {
    const holder = await admin.createUser({ userName: 'jsmith', externalId: 'someone-else' });
    await app.join(person('940'));
    expect((await userNames())['hr:940']).toBe('john.smith');
    await admin.request({ method: 'DELETE', path: `Users/${holder.id}` }); // jsmith is free now
    expect((await app.join(person('940'))).outcome).toBe('already-in-state');
    // HR now has a work email: the mover writes it as the email, and leaves the userName alone.
    expect((await app.move(person('940', { workEmail: 'john.smith@example.com' }))).outcome).toBe('applied');
    expect(await userNames()).toEqual({ 'hr:940': 'john.smith' });
    expect((await admin.usersWithExternalId('hr:940'))[0]?.emails).toEqual([expect.objectContaining({ value: 'john.smith@example.com' })]);
  });
});

describe('unique uid on the real slapd', () => {
  let slapd: SlapdInstance;
  const connector = createLdapConnector();
  const mapping = compileAppMapping({
    appId: 'directory',
    config: {
      attributes: { cn: '{givenName} {familyName}', sn: '{familyName}', givenName: '{givenName}' },
      unique: { uid: ['{givenName|initial|lower}{familyName|lower}', '{givenName|lower}.{familyName|lower}', '{givenName|initial|lower}{familyName|lower}{n}'] },
    },
  });
  let app: ReturnType<typeof worker>;
  let seq = 0;
  /** A family name no other test uses, so that tests share the tree without seeing each other. */
  const family = () => `Smith${(seq += 1)}`;

  beforeAll(async () => {
    slapd = await startSlapd();
    const config = LdapConfig.parse({
      url: slapd.url,
      bindDn: slapd.bindDn,
      baseDn: slapd.peopleDn,
      groupsDn: slapd.groupsDn,
      disable: { kind: 'move-to-ou', disabledDn: slapd.disabledDn },
    });
    app = worker({ appId: 'directory', connector, config, secrets: { bindPassword: slapd.bindPassword }, mapping });
  }, 300_000);
  afterAll(async () => {
    await connector.dispose?.();
    await slapd?.stop();
  });

  /** uid of each entry anchored to one of these employee ids (employeeNumber `hr:<id>`), wherever it lives. */
  const uids = async (...employeeNumbers: string[]) => {
    const out: Record<string, unknown> = {};
    for (const n of employeeNumbers) {
      const { searchEntries } = await slapd.admin.search(slapd.baseDn, { scope: 'sub', filter: `(employeeNumber=hr:${n})`, attributes: ['uid'] });
      out[n] = searchEntries.map((e) => String(e.uid));
    }
    return out;
  };

  it('two John Smiths > jsmithN and john.smithN at their own DNs, a third jsmithN2; re-runs are already-in-state', async () => {
    const familyName = family();
    const f = familyName.toLowerCase();
    const [a, b, c] = [person('800', { familyName }), person('801', { familyName }), person('802', { familyName })];
    const created = [await app.join(a), await app.join(b), await app.join(c)];
    expect(created.map((r) => r.outcome)).toEqual(['applied', 'applied', 'applied']);
    expect(created.map((r) => r.externalRef)).toEqual([`uid=j${f},${slapd.peopleDn}`, `uid=john.${f},${slapd.peopleDn}`, `uid=j${f}2,${slapd.peopleDn}`]);
    expect(await uids('800', '801', '802')).toEqual({ '800': [`j${f}`], '801': [`john.${f}`], '802': [`j${f}2`] });

    expect(await app.join(b)).toMatchObject({ outcome: 'already-in-state', externalRef: created[1]?.externalRef });
    expect(await app.join(a)).toMatchObject({ outcome: 'already-in-state', externalRef: created[0]?.externalRef });
    expect(await uids('800', '801', '802')).toEqual({ '800': [`j${f}`], '801': [`john.${f}`], '802': [`j${f}2`] });
  });

  it('the server’s matching rule and every searched OU > a uid in another case, or held by a disabled entry, is taken', async () => {
    const familyName = family();
    const f = familyName.toLowerCase();
    await slapd.admin.add(`uid=J${familyName.toUpperCase()},${slapd.peopleDn}`, { objectClass: ['inetOrgPerson'], uid: `J${familyName.toUpperCase()}`, cn: 'X', sn: 'X', employeeNumber: 'other-1' });
    await slapd.admin.add(`uid=john.${f},${slapd.disabledDn}`, { objectClass: ['inetOrgPerson'], uid: `john.${f}`, cn: 'Y', sn: 'Y', employeeNumber: 'other-2' });
    await app.join(person('810', { familyName }));
    expect(await uids('810')).toEqual({ '810': [`j${f}2`] });
  });

  it('a hand-made entry holding the first candidate without an employeeNumber > is adopted, not skipped', async () => {
    const familyName = family();
    const f = familyName.toLowerCase();
    const dn = `uid=j${f},${slapd.peopleDn}`;
    await slapd.admin.add(dn, { objectClass: ['inetOrgPerson'], uid: `j${f}`, cn: 'Legacy', sn: 'Legacy' });
    const adopted = await app.join(person('820', { familyName }));
    expect(adopted).toMatchObject({ outcome: 'adopted', externalRef: dn });
    expect(await uids('820')).toEqual({ '820': [`j${f}`] });
    expect(await app.release(person('820', { familyName }), adopted)).toMatchObject({ outcome: 'applied', externalRef: dn });
    expect(await uids('820')).toEqual({ '820': [] });
    expect((await slapd.admin.search(dn, { scope: 'base', attributes: ['uid'] })).searchEntries).toHaveLength(1);
  });

  it('a later change in who holds what > never renames: the re-run create and the mover keep john.smithN', async () => {
    const familyName = family();
    const f = familyName.toLowerCase();
    const holder = `uid=j${f},${slapd.peopleDn}`;
    await slapd.admin.add(holder, { objectClass: ['inetOrgPerson'], uid: `j${f}`, cn: 'Z', sn: 'Z', employeeNumber: 'other-3' });
    const created = await app.join(person('830', { familyName }));
    await slapd.admin.del(holder);
    expect(await app.join(person('830', { familyName }))).toMatchObject({ outcome: 'already-in-state', externalRef: created.externalRef });
    // The mover changes the title and keeps the uid and the DN (no rename).
    expect(await app.move(person('830', { familyName, jobTitle: 'Director' }))).toMatchObject({ outcome: 'applied', externalRef: created.externalRef });
    expect(await uids('830')).toEqual({ '830': [`john.${f}`] });
  });
});
