import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eqFilter } from '../../connectors/scim/filter';
import { ENTERPRISE_SCHEMA, type ScimUser } from '../../connectors/scim/schema';
import { scimAdmin, type ScimAdmin } from '../../connectors/scim/testing/scim-admin';
import { loadConfig } from '../../services/config';
import type { WorkdayEvent } from '../../sources/workday/contract';
import { normalizeWorkday } from '../../sources/workday/normalize';
import { signWorkday } from '../../sources/workday/signature';
import { createLogger } from '../../services/log';
import { startPipeline, type Pipeline } from '../../services/runtime';
import { eventWorkflowId } from '../../schemas/contracts';
import { startScimServer, type ScimServer } from '../harness/scim-server';
import { startSlapd, type SlapdInstance, slapdAppYaml } from '../harness/slapd';
import { eventually } from '../support/wait';

/**
 * Two Workday tenants that both employ a worker 4101, with the same name, through the whole
 * pipeline into a real slapd and a real scim2-server: they must stay two people. Both hires even
 * carry the same Event_WID (a sandbox refreshed from production holds production's WIDs), so the
 * second must not be swallowed as a duplicate of the first. Both name manager 4000, whom only tenant
 * A employs: only A's worker gets a manager in the SCIM app. Then tenant A's worker leaves: only A's
 * accounts are disabled, B's stay active.
 */

const run = Date.now().toString(36);
/** Tenants are unique per run: person workflows on the shared Temporal outlive a test run. */
const A = `acme-${run}`;
const B = `globex-${run}`;
const WORKER_ID = '4101';
const SHARED_WID = randomBytes(16).toString('hex');
const secrets = { [A]: randomBytes(32).toString('base64url'), [B]: randomBytes(32).toString('base64url') };

const MANAGER_ID = '4000';

const hire = (tenant: string): WorkdayEvent => ({
  Contract_Version: '1',
  Business_Process_Type: 'Hire Employee',
  Event_WID: SHARED_WID,
  Effective_Date: '2026-01-05',
  Entry_Moment: '2026-01-02T09:00:00Z',
  Worker: {
    Worker_ID: WORKER_ID,
    Worker_Type: 'Employee',
    Legal_First_Name: 'Ada',
    Legal_Last_Name: 'Lovelace',
    Work_Email: `ada.lovelace@${tenant}.example`,
    Manager_Worker_ID: MANAGER_ID,
    Time_Zone: 'Europe/London',
    Hire_Date: '2026-01-05',
  },
});

const managerHire = (): WorkdayEvent => ({
  Contract_Version: '1',
  Business_Process_Type: 'Hire Employee',
  Event_WID: randomBytes(16).toString('hex'),
  Effective_Date: '2025-06-02',
  Entry_Moment: '2025-05-20T09:00:00Z',
  Worker: { Worker_ID: MANAGER_ID, Worker_Type: 'Employee', Legal_First_Name: 'Charles', Legal_Last_Name: 'Babbage', Time_Zone: 'Europe/London', Hire_Date: '2025-06-02' },
});

const termination = (tenant: string): WorkdayEvent => ({
  Contract_Version: '1',
  Business_Process_Type: 'Terminate Employee',
  Event_WID: randomBytes(16).toString('hex'),
  Effective_Date: '2026-11-21',
  Entry_Moment: '2026-11-20T09:00:00Z',
  Worker: { ...hire(tenant).Worker },
  Termination: { Termination_Date: '2026-11-20', Primary_Reason: 'Voluntary > Resignation', Is_Involuntary: false },
});

describe('two HR tenants sharing employee id 4101, on the real stack', () => {
  const stack = inject('stack');
  let slapd: SlapdInstance;
  let scim: ScimServer;
  let admin: ScimAdmin;
  let pipeline: Pipeline;

  beforeAll(async () => {
    [slapd, scim] = await Promise.all([startSlapd(), startScimServer()]);
    admin = scimAdmin(scim);
    const file = join(await mkdtemp(join(tmpdir(), 'jml-tenants-')), 'policy.yaml');
    // The same name in both tenants: the unique-value candidates give the second Ada her own login.
    await writeFile(
      file,
      `version: 1
apps:
  directory:
    connector: ldap
${slapdAppYaml(slapd, 'IT_LDAP_PASSWORD')}
    mapping:
      attributes: { cn: "{givenName} {familyName}", sn: "{familyName}", givenName: "{givenName}" }
      unique: { uid: ["{givenName|initial|lower}{familyName|lower}", "{givenName|lower}.{familyName|lower}"] }
  wiki:
    connector: scim
    settings: { baseUrl: "${scim.baseUrl}", profile: scim2-server }
    secrets: { bearerToken: { env: IT_SCIM_TOKEN } }
    mapping:
      attributes: { givenName: "{givenName}", familyName: "{familyName}", displayName: "{givenName} {familyName}" }
      unique: { userName: ["{givenName|initial|lower}{familyName|lower}", "{givenName|lower}.{familyName|lower}"] }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { directory: [], wiki: [] } }
`,
    );
    const env = {
      ...process.env,
      JML_CANONICAL_SECRET: 'whsec_dGVuYW50cy1pbnRlZ3JhdGlvbi10ZXN0LXNlY3JldA',
      TEMPORAL_TASK_QUEUE: `tenants-${run}`,
      JML_CONFIG_FILE: file,
      LOG_LEVEL: 'warn',
      JML_WORKDAY_TENANTS: JSON.stringify({ [A]: { secret: { env: 'IT_WD_SECRET_A' }, defaultTimeZone: 'UTC' }, [B]: { secret: { env: 'IT_WD_SECRET_B' }, defaultTimeZone: 'UTC' } }),
      IT_WD_SECRET_A: secrets[A],
      IT_WD_SECRET_B: secrets[B],
      IT_LDAP_PASSWORD: slapd.bindPassword,
      IT_SCIM_TOKEN: scim.token,
    };
    pipeline = await startPipeline({
      config: loadConfig(env),
      env,
      endpoints: stack,
      log: createLogger({ name: 'it-tenants', level: 'warn' }),
      parts: { pollers: false },
      gatewayPort: 0,
      workflowBundle: { code: inject('workflowBundleCode') },
      dispatcherGroupId: `tenants-${run}`,
      dispatcherStartAt: 'now',
    });
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    await Promise.all([slapd?.stop(), scim?.stop()]);
  });

  /**
   * Posts a signed contract event to the tenant's route and waits for its event workflow to finish.
   * The workflow id comes from the adapter's own normalization, so the wait assumes no key format.
   */
  const post = async (tenant: string, event: WorkdayEvent) => {
    const normalized = normalizeWorkday({ tenant, event, defaultTimeZone: 'UTC' });
    if (!normalized.ok) throw new Error(normalized.reason);
    const body = JSON.stringify(event);
    const res = await fetch(`${pipeline.gatewayUrl}/webhooks/workday/${tenant}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWorkday({ secret: secrets[tenant] as string, body, timestampSec: Math.floor(Date.now() / 1000) }) },
      body,
    });
    const answer = (await res.json()) as { accepted?: boolean; duplicate?: boolean; id: string };
    expect([res.status, answer.accepted, answer.duplicate, answer.id]).toEqual([202, true, undefined, normalized.event.id]);
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(normalized.event.subject, answer.id));
    await eventually(`the workflow of event ${answer.id}`, async () => (await handle.describe()) && handle.result(), 90_000);
    return answer.id;
  };

  /** Where each tenant's worker lives in the directory: `active <uid>`, `disabled <uid>` or `none`. */
  const directory = async (tenant: string) => {
    const { searchEntries } = await slapd.admin.search(slapd.baseDn, { scope: 'sub', filter: `(employeeNumber=workday:${tenant}:${WORKER_ID})`, attributes: ['uid'] });
    return searchEntries.map((e) => `${e.dn.endsWith(slapd.disabledDn) ? 'disabled' : 'active'} ${String(e.uid)}`);
  };
  const wikiUsers = (tenant: string, id = WORKER_ID) => admin.list<ScimUser>('Users', eqFilter('externalId', `workday:${tenant}:${id}`));
  /** Each tenant's worker in the SCIM app: `active <userName>` or `disabled <userName>`. */
  const wiki = async (tenant: string) => (await wikiUsers(tenant)).map((u) => `${u.active === false ? 'disabled' : 'active'} ${u.userName}`);
  /** The SCIM id each tenant's worker names as manager (RFC 7643 §4.3), or `none`. */
  const managerOf = async (tenant: string) =>
    (await wikiUsers(tenant)).map((u) => u[ENTERPRISE_SCHEMA]?.manager?.value ?? 'none');

  it('joiner in both tenants, leaver in one > two accounts per app, only the leaver’s is disabled', async () => {
    await post(A, managerHire());
    const [babbage] = await wikiUsers(A, MANAGER_ID);
    expect(babbage?.id).toBeDefined();

    const [hireA, hireB] = [await post(A, hire(A)), await post(B, hire(B))];
    expect(hireA).not.toBe(hireB);
    expect({ directory: [await directory(A), await directory(B)], wiki: [await wiki(A), await wiki(B)] }).toEqual({
      directory: [['active alovelace'], ['active ada.lovelace']],
      wiki: [['active alovelace'], ['active ada.lovelace']],
    });
    // Manager 4000 means tenant A's Charles only for tenant A's Ada; tenant B has no 4000 (yet).
    expect([await managerOf(A), await managerOf(B)]).toEqual([[babbage?.id], ['none']]);

    await post(A, termination(A));
    expect({ directory: [await directory(A), await directory(B)], wiki: [await wiki(A), await wiki(B)] }).toEqual({
      directory: [['disabled alovelace'], ['active ada.lovelace']],
      wiki: [['disabled alovelace'], ['active ada.lovelace']],
    });
  }, 240_000);
});
