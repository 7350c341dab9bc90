import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ScimUser } from '../../connectors/scim/schema';
import { scimAdmin, type ScimAdmin } from '../../connectors/scim/testing/scim-admin';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { loadConfig } from '../../services/config';
import { createLogger } from '../../services/log';
import { startPipeline, type Pipeline } from '../../services/runtime';
import { eventWorkflowId, personStateQuery, personWorkflowId, type EventOutcome } from '../../schemas/contracts';
import { startScimServer, type ScimServer } from '../harness/scim-server';
import { startSlapd, type SlapdInstance, slapdAppYaml } from '../harness/slapd';
import { postSigned } from '../support/canonical-client';
import { makeEvent } from '../support/events';
import { eventually } from '../support/wait';

/**
 * Accounts the pipeline did not create, and apps that can find an account only by the id they gave
 * it, through the whole pipeline into a real slapd and a real scim2-server:
 * - a joiner adopts a hand-made account; a later step of the same app fails for good; the saga
 *   releases the account (our anchor out, everything else as it was) and never deletes it;
 * - a SCIM app configured `lookupBy: [userName]` (no search by our anchor) is disabled by a leaver,
 *   because the person workflow keeps the id the create returned and hands it to every later step.
 */
const run = Date.now().toString(36);
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

describe('adoption and carried refs, on the real stack', () => {
  const stack = inject('stack');
  let slapd: SlapdInstance;
  let scim: ScimServer;
  let admin: ScimAdmin;
  let pipeline: Pipeline;
  let hook = 0;

  beforeAll(async () => {
    [slapd, scim] = await Promise.all([startSlapd({ groups: ['staff'] }), startScimServer()]);
    admin = scimAdmin(scim);
    const file = join(await mkdtemp(join(tmpdir(), 'jml-adoption-')), 'policy.yaml');
    await writeFile(
      file,
      `version: 1
apps:
  directory:
    connector: ldap
${slapdAppYaml(slapd, 'IT_LDAP_PASSWORD')}
    leaver: { deleteAfter: PT3S }
    mapping:
      attributes: { cn: "{givenName} {familyName}", sn: "{familyName}", givenName: "{givenName}" }
      unique: { uid: ["{givenName|lower}.{familyName|lower}"] }
  wiki:
    connector: scim
    settings: { baseUrl: "${scim.baseUrl}", profile: scim2-server }
    secrets: { bearerToken: { env: IT_SCIM_TOKEN } }
    mapping:
      attributes: { givenName: "{givenName}", familyName: "{familyName}", displayName: "{givenName} {familyName}" }
      unique: { userName: ["{givenName|lower}.{familyName|lower}"] }
  tickets:
    connector: scim
    settings: { baseUrl: "${scim.baseUrl}", profile: scim2-server, lookupBy: [userName] }
    secrets: { bearerToken: { env: IT_SCIM_TOKEN } }
    mapping:
      attributes: { userName: "tickets.{workEmail}", givenName: "{givenName}", familyName: "{familyName}", displayName: "{givenName} {familyName}" }
rules:
  - { name: legacy, when: { department: Legacy }, grant: { directory: ["no-such-group"], wiki: ["no-such-group"] } }
  - { name: support, when: { department: Support }, grant: { tickets: [] } }
  - { name: research, when: { department: Research }, grant: { directory: [] } }
`,
    );
    const env = {
      ...process.env,
      JML_CANONICAL_SECRET: SECRET,
      TEMPORAL_TASK_QUEUE: `adoption-${run}`,
      JML_CONFIG_FILE: file,
      LOG_LEVEL: 'warn',
      IT_LDAP_PASSWORD: slapd.bindPassword,
      IT_SCIM_TOKEN: scim.token,
    };
    pipeline = await startPipeline({
      config: loadConfig(env),
      env,
      endpoints: stack,
      log: createLogger({ name: 'it-adoption', level: 'warn' }),
      parts: { pollers: false },
      gatewayPort: 0,
      workflowBundle: { code: inject('workflowBundleCode') },
      dispatcherGroupId: `adoption-${run}`,
      dispatcherStartAt: 'now',
    });
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    await Promise.all([slapd?.stop(), scim?.stop()]);
  });

  const apply = async (event: JmlEvent): Promise<EventOutcome> => {
    hook += 1;
    expect((await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: event, webhookId: `adoption-${run}-${hook}` })).status).toBe(202);
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id));
    return eventually(`the workflow of event ${event.id}`, async () => (await handle.describe()) && ((await handle.result()) as EventOutcome), 90_000);
  };

  /** Every user attribute the app keeps, without its bookkeeping (`meta` changes with every write). */
  const scimUser = async (id: string) => {
    const { body } = await admin.request({ method: 'GET', path: `Users/${id}` });
    const { meta: _meta, ...rest } = body as ScimUser & { meta?: unknown };
    return rest;
  };
  const ldapEntry = async (dn: string) => {
    const { searchEntries } = await slapd.admin.search(dn, { scope: 'base', attributes: ['*'] });
    return searchEntries[0];
  };

  it('joiner adopts hand-made accounts, a later step fails for good > both accounts are released, there as they were', async () => {
    const dn = `uid=grace.hopper,${slapd.peopleDn}`;
    await slapd.admin.add(dn, {
      objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'],
      uid: 'grace.hopper',
      cn: 'Grace Hopper (made by hand)',
      sn: 'Hopper',
      title: 'Rear Admiral',
      telephoneNumber: '+1 555 0100',
    });
    const handUser = await admin.createUser({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'grace.hopper',
      name: { givenName: 'Grace', familyName: 'Hopper' },
      displayName: 'Amazing Grace',
      title: 'Rear Admiral',
      active: true,
    } as ScimUser);
    const ldapBefore = await ldapEntry(dn);
    const scimBefore = await scimUser(handUser.id);

    const personKey = `test:${run}-grace`;
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: new Date(Date.now() - 1_000).toISOString(), person: { givenName: 'Grace', familyName: 'Hopper', department: 'Legacy' } });
    const outcome = await apply(joiner);
    expect(outcome.status).toBe('needs-attention');
    for (const appId of ['directory', 'wiki']) {
      const app = outcome.apps.find((a) => a.appId === appId);
      expect(app, appId).toMatchObject({ status: 'compensated', steps: expect.arrayContaining([{ operation: 'createAccount', outcome: 'adopted' }]) });
      expect(app?.compensations?.map((c) => [c.operation, c.outcome]), appId).toContainEqual(['releaseAccount', 'applied']);
      expect(app?.compensations?.map((c) => c.operation), appId).not.toContain('deleteAccount');
    }
    // Still there, exactly as made by hand: no anchor of ours, no attribute changed.
    expect(await ldapEntry(dn)).toEqual(ldapBefore);
    expect(await scimUser(handUser.id)).toEqual(scimBefore);
    // The person holds nothing in either app.
    const state = await pipeline.temporal.workflow.getHandle(personWorkflowId(personKey)).query(personStateQuery);
    expect(Object.keys(state.apps)).toEqual([]);
  });

  it('leaver > disables an account in a SCIM app that finds users only by the id it returned (lookupBy userName)', async () => {
    const personKey = `test:${run}-linus`;
    const person = { givenName: 'Linus', familyName: 'Torvalds', department: 'Support', workEmail: `linus.${run}@example.com` };
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: new Date(Date.now() - 60_000).toISOString(), person });
    expect((await apply(joiner)).status).toBe('completed');
    const state = await pipeline.temporal.workflow.getHandle(personWorkflowId(personKey)).query(personStateQuery);
    const ref = state.apps.tickets?.externalRef;
    expect(ref).toEqual(expect.any(String));
    expect((await scimUser(ref as string)).active).not.toBe(false);

    const leaver = makeEvent({ personKey, type: 'jml.leaver', enteredAt: new Date(Date.now() - 1_000).toISOString(), person });
    const outcome = await apply(leaver);
    expect(outcome.status).toBe('completed');
    const tickets = outcome.apps.find((a) => a.appId === 'tickets');
    expect(tickets?.status).toBe('done');
    // Applied (or, on a retry whose first answer was lost, already in state): either way it found the user.
    expect(tickets?.steps.map((s) => [s.operation, s.outcome === 'not-applicable' ? 'not found' : 'found'])).toEqual([['suspendAccount', 'found']]);
    expect((await scimUser(ref as string)).active).toBe(false);
  });

  it('retention after a leaver > an adopted account is released, never deleted; the account made by hand stays', async () => {
    const dn = `uid=alan.turing,${slapd.peopleDn}`;
    await slapd.admin.add(dn, { objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid: 'alan.turing', cn: 'Alan Turing', sn: 'Turing', description: 'made by hand' });
    const personKey = `test:${run}-alan`;
    const person = { givenName: 'Alan', familyName: 'Turing', department: 'Research' };
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: new Date(Date.now() - 60_000).toISOString(), person });
    const joined = await apply(joiner);
    expect(joined.apps.find((a) => a.appId === 'directory')?.steps[0]).toMatchObject({ operation: 'createAccount', outcome: 'adopted' });
    const leaver = makeEvent({ personKey, type: 'jml.leaver', enteredAt: new Date(Date.now() - 1_000).toISOString(), person });
    expect((await apply(leaver)).status).toBe('completed');

    const retention = pipeline.temporal.workflow.getHandle(eventWorkflowId(personKey, `${leaver.id}.delete.directory`));
    const outcome = await eventually('the retention workflow', async () => (await retention.describe()) && ((await retention.result()) as EventOutcome), 60_000);
    expect(outcome.apps.find((a) => a.appId === 'directory')?.steps).toEqual([{ operation: 'releaseAccount', outcome: 'applied' }]);
    // Disabled by the leaver (moved to the disabled OU), but there, with its own attributes and without our anchor.
    const { searchEntries } = await slapd.admin.search(slapd.baseDn, { scope: 'sub', filter: '(uid=alan.turing)', attributes: ['*'] });
    expect(searchEntries).toHaveLength(1);
    expect(searchEntries[0]).toMatchObject({ cn: 'Alan Turing', description: 'made by hand' });
    expect(searchEntries[0]?.employeeNumber).toBeUndefined();
  });
});
