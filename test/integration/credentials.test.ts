import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSshKey } from '../../connectors/ldap/testing/conformance-target';
import { eventWorkflowId, type EventOutcome } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import type { Pipeline } from '../../services/runtime';
import { startSlapd, type SlapdInstance, slapdAppYaml } from '../harness/slapd';
import { postSigned } from '../support/canonical-client';
import { makeEvent } from '../support/events';
import { startTestPipeline } from '../support/pipeline';
import { eventually } from '../support/wait';

/**
 * Credentials beyond the account, through the whole pipeline into a real slapd that loads the
 * openssh-lpk schema: a joiner's SSH keys come from HR (`custom.sshKeys`, one per line) through the
 * mapping, a mover replaces them, and a leaver, after the disable, removes every key the entry
 * holds, including one an admin added by hand. The entry stays, disabled.
 */
const run = Date.now().toString(36);
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

describe('credentials on leave, on the real stack and slapd', () => {
  let slapd: SlapdInstance;
  let pipeline: Pipeline;

  beforeAll(async () => {
    slapd = await startSlapd({ groups: ['staff'] });
    const file = join(await mkdtemp(join(tmpdir(), 'jml-credentials-')), 'policy.yaml');
    await writeFile(
      file,
      `version: 1
apps:
  directory:
    connector: ldap
${slapdAppYaml(slapd, 'IT_LDAP_PASSWORD')}
    mapping:
      attributes: { uid: "{givenName|lower}.{familyName|lower}-${run}", cn: "{givenName} {familyName}", sn: "{familyName}", sshPublicKey: "{custom.sshKeys}" }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { directory: [staff] } }
`,
    );
    const env = { ...process.env, JML_CANONICAL_SECRET: SECRET, TEMPORAL_TASK_QUEUE: `credentials-${run}`, JML_CONFIG_FILE: file, LOG_LEVEL: 'warn', IT_LDAP_PASSWORD: slapd.bindPassword };
    pipeline = await startTestPipeline({ name: 'it-credentials', env, group: `credentials-${run}` });
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    await slapd?.stop();
  });

  const apply = async (event: JmlEvent): Promise<EventOutcome> => {
    const res = await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: event, webhookId: `wh-${event.id}` });
    expect(res.status).toBe(202);
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id));
    return eventually(`event ${event.id} ended`, async () => (await handle.describe()) && ((await handle.result()) as EventOutcome), 120_000);
  };
  /** The person's entry wherever it is (people or disabled), with its keys and classes. */
  const entryOf = async (personKey: string) => {
    const { searchEntries } = await slapd.admin.search(slapd.baseDn, { scope: 'sub', filter: `(employeeNumber=${personKey})`, attributes: ['sshPublicKey', 'objectClass'] });
    expect(searchEntries).toHaveLength(1);
    const entry = searchEntries[0] as (typeof searchEntries)[number];
    const list = (v: unknown) => (v === undefined ? [] : [v].flat().map(String));
    return { dn: entry.dn, keys: list(entry.sshPublicKey).sort(), classes: list(entry.objectClass).map((c) => c.toLowerCase()) };
  };

  it('leaver > after the disable, every SSH key of the entry is gone (mapped from HR or added by hand); the entry stays, disabled', { timeout: 300_000 }, async () => {
    const personKey = `test:${run}-1`;
    const laptop = testSshKey('laptop', `${run}/laptop`);
    const desktop = testSshKey('desktop', `${run}/desktop`);
    const newLaptop = testSshKey('new-laptop', `${run}/new-laptop`);
    const handAdded = testSshKey('added-by-hand', `${run}/hand`);

    const joiner = makeEvent({ personKey, type: 'jml.joiner', person: { custom: { sshKeys: `${laptop}\n${desktop}` } } });
    expect((await apply(joiner)).status).toBe('completed');
    expect((await entryOf(personKey)).keys).toEqual([laptop, desktop].sort());

    const mover = makeEvent({ personKey, type: 'jml.mover', enteredAt: '2026-11-21T09:00:00Z', changedFields: ['custom.sshKeys'], person: { custom: { sshKeys: newLaptop } } });
    expect((await apply(mover)).status).toBe('completed');
    const moved = await entryOf(personKey);
    expect(moved.keys).toEqual([newLaptop]);

    await slapd.admin.modify(moved.dn, [new Change({ operation: 'add', modification: new Attribute({ type: 'sshPublicKey', values: [handAdded] }) })]);
    expect((await entryOf(personKey)).keys).toHaveLength(2);

    const leaver = makeEvent({ personKey, type: 'jml.leaver', enteredAt: '2026-11-22T09:00:00Z', person: { custom: { sshKeys: newLaptop } } });
    const outcome = await apply(leaver);
    expect(outcome.status).toBe('completed');
    const directory = outcome.apps.find((a) => a.appId === 'directory');
    expect(directory?.status).toBe('done');
    // After the disable, never before it.
    expect(directory?.steps.map((s) => [s.operation, s.outcome])).toEqual([
      ['suspendAccount', 'applied'],
      ['revokeCredentials', 'applied'],
    ]);
    const left = await entryOf(personKey);
    expect(left.keys).toEqual([]);
    expect(left.classes).not.toContain('ldappublickey');
    expect(left.classes).toContain('inetorgperson');
    expect(left.dn.endsWith(slapd.disabledDn)).toBe(true);
  });
});
