import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventWorkflowId, type EventOutcome } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import type { Pipeline } from '../../services/runtime';
import { HOSTILE_MAPPINGS, HOSTILE_NAMES, hostileNamesReport, readBackHostileNames, sendHostileNames, type HostileRun } from '../drills/hostile-names';
import { passed } from '../drills/types';
import { startScimServer, type ScimServer } from '../harness/scim-server';
import { startSlapd, type SlapdInstance, slapdAppYaml } from '../harness/slapd';
import { postSigned } from '../support/canonical-client';
import { startTestPipeline } from '../support/pipeline';
import { eventually } from '../support/wait';

/**
 * The hostile-names drill (test/drills/hostile-names.ts) on the shared stack, a real slapd and a
 * real scim2-server: one LDAP app and one SCIM app, whose unique login is built from the names
 * with their hostile characters kept. Every joiner, mover and leaver must complete, and every
 * account read back must hold exactly the mapping of the newest name, under a unique value, with
 * the leavers disabled and the seeded bystanders untouched. Then the same accounts are held against
 * slightly different mappings, to show that the read-back sees a difference where there is one.
 */
const run = Date.now().toString(36);
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const taskQueue = `hostile-${run}`;

describe('hostile names through LDAP and SCIM on the real servers', () => {
  let scim: ScimServer;
  let slapd: SlapdInstance;
  let pipeline: Pipeline;

  beforeAll(async () => {
    [scim, slapd] = await Promise.all([startScimServer(), startSlapd()]);
    const policyFile = join(await mkdtemp(join(tmpdir(), 'jml-hostile-')), 'policy.yaml');
    // JSON is YAML: the mappings go in as the drill defines them, with no quoting of our own.
    await writeFile(
      policyFile,
      `version: 1
massChangeGuard: { max: 100, window: PT10M }
apps:
  wiki:
    connector: scim
    settings: { baseUrl: "${scim.baseUrl}", profile: scim2-server }
    secrets: { bearerToken: { env: IT_SCIM_TOKEN } }
    mapping: ${JSON.stringify(HOSTILE_MAPPINGS.scim)}
  directory:
    connector: ldap
${slapdAppYaml(slapd, 'IT_LDAP_PASSWORD')}
    mapping: ${JSON.stringify(HOSTILE_MAPPINGS.ldap)}
rules:
  - { name: everyone, when: { workerType: employee }, grant: { wiki: [], directory: [] } }
`,
    );
    const env = { ...process.env, JML_CANONICAL_SECRET: SECRET, TEMPORAL_TASK_QUEUE: taskQueue, JML_CONFIG_FILE: policyFile, LOG_LEVEL: 'warn', IT_SCIM_TOKEN: scim.token, IT_LDAP_PASSWORD: slapd.bindPassword };
    pipeline = await startTestPipeline({ name: 'it-hostile', env, group: `hostile-${run}` });
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    await Promise.all([scim?.stop(), slapd?.stop()]);
  });

  const deliver = async (event: JmlEvent): Promise<{ status: string }> => {
    const res = await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: event, webhookId: `wh-${event.id}` });
    if (res.status !== 202) throw new Error(`gateway answered ${res.status} to event ${event.id}`);
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id));
    const outcome = await eventually(`event ${event.id} ended`, async () => (await handle.describe()) && ((await handle.result()) as EventOutcome), 120_000);
    return { status: outcome.status };
  };

  const targets = () => ({
    ldap: { appId: 'directory', url: slapd.url, bindDn: slapd.bindDn, bindPassword: slapd.bindPassword, baseDn: slapd.baseDn, peopleDn: slapd.peopleDn, disabledDn: slapd.disabledDn },
    scim: { appId: 'wiki', baseUrl: scim.baseUrl, token: scim.token },
  });
  let sent: HostileRun | undefined;

  it('every joiner, mover and leaver completes; each account holds exactly the mapping of the newest name, under a unique value; leavers disabled; bystanders untouched', { timeout: 600_000 }, async () => {
    const started = Date.now();
    sent = await sendHostileNames({ deliver, keyPrefix: `test:${run}`, ...targets(), say: (line) => process.stderr.write(`[hostile] ${line}\n`) });
    const result = await readBackHostileNames(targets(), sent);
    const report = hostileNamesReport(result, Date.now() - started);
    process.stderr.write(`[hostile] ${JSON.stringify(report)}\n`);
    expect(result.mismatches).toEqual([]);
    expect(report).toMatchObject({ events: 38, effectsExpected: 76, effectsSeen: 76, lost: 0, duplicated: 0 });
    expect(passed(report)).toBe(true);
    expect(result.outcomes).toEqual({ completed: result.events });
    // Only the case twins collide (uid's caseIgnoreMatch, userName's caseExact false); a name that
    // matched others in a filter would have been pushed to its counter candidate too.
    expect(result.collisions).toEqual({ ldap: 1, scim: 1 });
    expect(result.people).toBe(HOSTILE_NAMES.length);
    // Two accounts a person and the two seeds: nothing was skipped for want of an account.
    expect(result.accountsChecked).toBe(2 * HOSTILE_NAMES.length + 2);
  });

  it('the read-back sees a difference > held against mappings that trim, collapse spaces or do not bound the uid, the same accounts mismatch where those mappings differ, and only there', async () => {
    if (!sent) throw new Error('needs the accounts of the previous test');
    const ldap = HOSTILE_MAPPINGS.ldap;
    const result = await readBackHostileNames(
      {
        ...targets(),
        mappings: {
          ldap: { ...ldap, attributes: { ...ldap.attributes, givenName: '{givenName|trim}' }, unique: { uid: ['{givenName|lower}.{familyName|lower|truncateBytes(60)}'] } },
          scim: { ...HOSTILE_MAPPINGS.scim, attributes: { ...HOSTILE_MAPPINGS.scim.attributes, displayName: '{givenName|normalizeSpace} {familyName}' } },
        },
      },
      sent,
    );
    expect([...result.mismatches].sort()).toEqual([
      'case-twin-lower: ldap uid has no free candidate',
      "emoji-at-the-cut→backslash: ldap uid is not the first free candidate of the joiner's name",
      'leading-trailing-spaces: ldap givenName differs from the mapping of the newest name',
      'leading-trailing-spaces: scim displayName differs from the mapping of the newest name',
      "very-long: ldap uid is not the first free candidate of the joiner's name",
    ]);
    // Five accounts read back wrong (of people with 1, 3, 1+1 and 2 events): their effects count as not seen.
    expect(result.effectsExpected - result.effectsSeen).toBe(8);
    expect(passed(hostileNamesReport(result, 0))).toBe(false);
  });
});
