import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import { createLdapConnector } from '../../connectors/ldap';
import { createScimConnector } from '../../connectors/scim';
import type { ScimUser } from '../../connectors/scim/schema';
import { scimAdmin, type ScimAdmin } from '../../connectors/scim/testing/scim-admin';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { loadConfig } from '../../services/config';
import { createLogger } from '../../services/log';
import { startPipeline, type Pipeline } from '../../services/runtime';
import { eventWorkflowId, personStateQuery, personWorkflowId, type EventOutcome } from '../../schemas/contracts';
import { losingFirstCreateAnswer } from '../fakes/lost-answer-connector';
import { startScimServer, type ScimServer } from '../harness/scim-server';
import { startSlapd, type SlapdInstance, slapdAppYaml } from '../harness/slapd';
import { postSigned } from '../support/canonical-client';
import { makeEvent } from '../support/events';
import { eventually } from '../support/wait';

/**
 * A create whose answer is lost, against a real scim2-server and a real slapd: the retry finds the
 * account already anchored (`already-in-state`) and cannot tell from that alone whether the lost
 * attempt created it or adopted one made by hand. The apps' creation times (SCIM meta.created, LDAP
 * createTimestamp) decide: an adopted account is released by an undo and at the end of retention,
 * never deleted; an account the pipeline made is still deleted by an undo (no orphan).
 */
const run = Date.now().toString(36);
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
/** The apps' clocks are ours here: a small margin, and hand-made accounts made well before it. */
const MARGIN_SECONDS = 1;

describe('a lost createAccount answer, on the real stack', () => {
  const stack = inject('stack');
  let slapd: SlapdInstance;
  let scim: ScimServer;
  let admin: ScimAdmin;
  let pipeline: Pipeline;
  let hook = 0;

  beforeAll(async () => {
    [slapd, scim] = await Promise.all([startSlapd({ groups: ['staff'] }), startScimServer()]);
    admin = scimAdmin(scim);
    const file = join(await mkdtemp(join(tmpdir(), 'jml-lost-')), 'policy.yaml');
    await writeFile(
      file,
      `version: 1
apps:
  directory:
    connector: lossy-ldap
${slapdAppYaml(slapd, 'IT_LDAP_PASSWORD')}
    leaver: { deleteAfter: PT2S }
    mapping:
      attributes: { cn: "{givenName} {familyName}", sn: "{familyName}", givenName: "{givenName}" }
      unique: { uid: ["{givenName|lower}.{familyName|lower}"] }
  wiki:
    connector: lossy-scim
    settings: { baseUrl: "${scim.baseUrl}", profile: scim2-server }
    secrets: { bearerToken: { env: IT_SCIM_TOKEN } }
    mapping:
      attributes: { givenName: "{givenName}", familyName: "{familyName}", displayName: "{givenName} {familyName}" }
      unique: { userName: ["{givenName|lower}.{familyName|lower}"] }
rules:
  - { name: legacy, when: { department: Legacy }, grant: { directory: ["no-such-group"], wiki: ["no-such-group"] } }
  - { name: research, when: { department: Research }, grant: { directory: [] } }
`,
    );
    const env = {
      ...process.env,
      JML_CANONICAL_SECRET: SECRET,
      TEMPORAL_TASK_QUEUE: `lost-${run}`,
      JML_CONFIG_FILE: file,
      JML_APP_CLOCK_MARGIN_SECONDS: String(MARGIN_SECONDS),
      LOG_LEVEL: 'warn',
      IT_LDAP_PASSWORD: slapd.bindPassword,
      IT_SCIM_TOKEN: scim.token,
    };
    pipeline = await startPipeline({
      config: loadConfig(env),
      env,
      endpoints: stack,
      log: createLogger({ name: 'it-lost', level: 'warn' }),
      parts: { pollers: false },
      gatewayPort: 0,
      workflowBundle: { code: inject('workflowBundleCode') },
      dispatcherGroupId: `lost-${run}`,
      dispatcherStartAt: 'now',
      connectors: {
        ...CONNECTOR_FACTORIES,
        'lossy-ldap': () => losingFirstCreateAnswer(createLdapConnector(), 'lossy-ldap'),
        'lossy-scim': () => losingFirstCreateAnswer(createScimConnector(), 'lossy-scim'),
      },
    });
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    await Promise.all([slapd?.stop(), scim?.stop()]);
  });

  const apply = async (event: JmlEvent): Promise<EventOutcome> => {
    hook += 1;
    expect((await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: event, webhookId: `lost-${run}-${hook}` })).status).toBe(202);
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id));
    return eventually(`the workflow of event ${event.id}`, async () => (await handle.describe()) && ((await handle.result()) as EventOutcome), 90_000);
  };
  const scimUser = async (id: string) => {
    const { status, body } = await admin.request({ method: 'GET', path: `Users/${id}` });
    if (status === 404) return undefined;
    const { meta: _meta, ...rest } = body as ScimUser & { meta?: unknown };
    return rest;
  };
  const ldapEntry = async (dn: string) => {
    const { searchEntries } = await slapd.admin.search(dn, { scope: 'base', attributes: ['*'] }).catch(() => ({ searchEntries: [] }));
    return searchEntries[0];
  };
  const compensationsOf = (outcome: EventOutcome, appId: string) => outcome.apps.find((a) => a.appId === appId)?.compensations?.map((c) => [c.operation, c.outcome]);

  it('hand-made accounts adopted by a create whose answer was lost, a later step fails for good > released, never deleted', async () => {
    const dn = `uid=ada.lovelace,${slapd.peopleDn}`;
    await slapd.admin.add(dn, { objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid: 'ada.lovelace', cn: 'Ada (by hand)', sn: 'Lovelace' });
    const handUser = await admin.createUser({ userName: 'ada.lovelace', name: { givenName: 'Ada', familyName: 'Lovelace' }, displayName: 'Ada by hand', active: true } as ScimUser);
    const [ldapBefore, scimBefore] = [await ldapEntry(dn), await scimUser(handUser.id)];
    // Made by hand before the joiner runs, by more than the clock margin (creation times have 1 s steps).
    await sleep((MARGIN_SECONDS + 1.5) * 1000);

    const personKey = `test:${run}-ada`;
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: new Date(Date.now() - 1_000).toISOString(), person: { givenName: 'Ada', familyName: 'Lovelace', department: 'Legacy' } });
    const outcome = await apply(joiner);
    expect(outcome.status).toBe('needs-attention');
    for (const appId of ['directory', 'wiki']) {
      const app = outcome.apps.find((a) => a.appId === appId);
      // The retry saw only an account already ours: the outcome it reported.
      expect(app, appId).toMatchObject({ status: 'compensated', steps: expect.arrayContaining([{ operation: 'createAccount', outcome: 'already-in-state' }]) });
      expect(compensationsOf(outcome, appId), appId).toContainEqual(['releaseAccount', 'applied']);
      expect(compensationsOf(outcome, appId)?.map(([op]) => op), appId).not.toContain('deleteAccount');
    }
    // Still there, exactly as made by hand: our anchor taken out again, nothing else changed.
    expect(await ldapEntry(dn)).toEqual(ldapBefore);
    expect(await scimUser(handUser.id)).toEqual(scimBefore);
  });

  it('accounts a create made, its answer lost, a later step fails for good > deleted by the undo (no orphan)', async () => {
    const personKey = `test:${run}-charles`;
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: new Date(Date.now() - 1_000).toISOString(), person: { givenName: 'Charles', familyName: 'Babbage', department: 'Legacy' } });
    const outcome = await apply(joiner);
    expect(outcome.status).toBe('needs-attention');
    for (const appId of ['directory', 'wiki']) {
      expect(outcome.apps.find((a) => a.appId === appId)?.steps, appId).toContainEqual({ operation: 'createAccount', outcome: 'already-in-state' });
      expect(compensationsOf(outcome, appId), appId).toContainEqual(['deleteAccount', 'applied']);
    }
    expect(await admin.list('Users', 'userName eq "charles.babbage"')).toEqual([]);
    const { searchEntries } = await slapd.admin.search(slapd.baseDn, { scope: 'sub', filter: '(uid=charles.babbage)', attributes: ['1.1'] });
    expect(searchEntries).toEqual([]);
  });

  it('a hand-made entry adopted by a create whose answer was lost > held as adopted, released at the end of retention', async () => {
    const dn = `uid=alan.turing,${slapd.peopleDn}`;
    await slapd.admin.add(dn, { objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid: 'alan.turing', cn: 'Alan Turing', sn: 'Turing', description: 'made by hand' });
    await sleep((MARGIN_SECONDS + 1.5) * 1000);
    const personKey = `test:${run}-alan`;
    const person = { givenName: 'Alan', familyName: 'Turing', department: 'Research' };
    const joined = await apply(makeEvent({ personKey, type: 'jml.joiner', enteredAt: new Date(Date.now() - 60_000).toISOString(), person }));
    expect(joined.status).toBe('completed');
    const state = await pipeline.temporal.workflow.getHandle(personWorkflowId(personKey)).query(personStateQuery);
    expect(state.apps.directory?.adopted).toBeDefined();

    const leaver = makeEvent({ personKey, type: 'jml.leaver', enteredAt: new Date(Date.now() - 1_000).toISOString(), person });
    expect((await apply(leaver)).status).toBe('completed');
    const retention = pipeline.temporal.workflow.getHandle(eventWorkflowId(personKey, `${leaver.id}.delete.directory`));
    const outcome = await eventually('the retention workflow', async () => (await retention.describe()) && ((await retention.result()) as EventOutcome), 60_000);
    expect(outcome.apps.find((a) => a.appId === 'directory')?.steps).toEqual([{ operation: 'releaseAccount', outcome: 'applied' }]);
    const { searchEntries } = await slapd.admin.search(slapd.baseDn, { scope: 'sub', filter: '(uid=alan.turing)', attributes: ['*'] });
    expect(searchEntries).toHaveLength(1);
    expect(searchEntries[0]).toMatchObject({ cn: 'Alan Turing', description: 'made by hand' });
    expect(searchEntries[0]?.employeeNumber).toBeUndefined();
  });
});
