import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountKey } from '../../connectors/dev-redis';
import { startFaultProxy, type FaultProxy } from '../../connectors/sdk/conformance/fault-proxy';
import { eventWorkflowId, type EventOutcome } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import type { Pipeline } from '../../services/runtime';
import type { WorkdayEvent } from '../../sources/workday/contract';
import { normalizeWorkday } from '../../sources/workday/normalize';
import { signWorkday } from '../../sources/workday/signature';
import { startScimServer, type ScimServer } from '../harness/scim-server';
import { postSigned } from '../support/canonical-client';
import { runCli, type Ran } from '../support/cli-process';
import { makeEvent } from '../support/events';
import { eventually } from '../support/wait';
import { startTestPipeline } from '../support/pipeline';

/**
 * The ops commands of issue 15 as an operator runs them (the package bin as a subprocess), against a
 * pipeline of this file and a real scim2-server behind the fault proxy:
 * - the SCIM app down leaves joiners needs-attention and `jml reconcile --check` fails; once it is
 *   back, `jml redrive --all --app` (held above the threshold, then confirmed) applies them once,
 *   and `jml reconcile --check` passes;
 * - a Workday delivery for a tenant not configured lands in the DLQ; `jml dlq redrive` fails while
 *   the tenant is unknown and, once it is configured, produces its event once;
 * - `jml access report` in JSON, CSV and HTML.
 */
const run = Date.now().toString(36);
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const WIKI = `wiki-${run}`;
const prefix = `jml:it-cli-ops:${run}`;
const taskQueue = `cli-ops-${run}`;
const KNOWN = `ops-known-${run}`;
const LATE = `ops-late-${run}`;
const keys = { known: randomBytes(32).toString('base64url'), late: randomBytes(32).toString('base64url') };
const tenants = (names: string[]) => JSON.stringify(Object.fromEntries(names.map((n) => [n, { secret: { env: n === KNOWN ? 'IT_OPS_KEY_KNOWN' : 'IT_OPS_KEY_LATE' }, defaultTimeZone: 'UTC' }])));

describe('jml ops commands on the real stack', () => {
  const stack = inject('stack');
  const startedAt = new Date(Date.now() - 1_000).toISOString();
  let scim: ScimServer;
  let proxy: FaultProxy;
  let pipeline: Pipeline;
  let redis: Redis;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const joiners = ['ada', 'alan'].map((n) => makeEvent({ personKey: `test:${run}-${n}`, type: 'jml.joiner', enteredAt: new Date(Date.now() - 2_000).toISOString() }));

  const jml = (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Ran> => runCli(args, { env: { ...env, ...extra }, cwd: dir });
  const json = <T = Record<string, unknown>>(r: Ran): T => JSON.parse(r.stdout) as T;
  const latestOutcome = (event: JmlEvent) =>
    pipeline.temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id)).result() as Promise<EventOutcome>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jml-cli-ops-'));
    scim = await startScimServer();
    proxy = await startFaultProxy({ upstream: scim.baseUrl });
    redis = new Redis(stack.redisUrl);
    const policyFile = join(dir, 'policy.yaml');
    await writeFile(
      policyFile,
      `version: 1
apps:
  directory: { connector: dev-redis, settings: { url: "${stack.redisUrl}", keyPrefix: "${prefix}" } }
  ${WIKI}:
    connector: scim
    settings: { baseUrl: "${proxy.baseUrl}", profile: scim2-server }
    secrets: { bearerToken: { env: IT_SCIM_TOKEN } }
    mapping:
      attributes: { givenName: "{givenName}", familyName: "{familyName}", displayName: "{givenName} {familyName}" }
      unique: { userName: ["{givenName|lower}.{familyName|lower}.{employeeId|lower}"] }
    retry: { maximumAttempts: 2, initialInterval: PT1S, maximumInterval: PT1S }
    reconcile: { every: PT1H }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { directory: [], ${WIKI}: [] } }
`,
    );
    const overrides = {
      JML_CANONICAL_SECRET: SECRET,
      TEMPORAL_TASK_QUEUE: taskQueue,
      JML_CONFIG_FILE: policyFile,
      LOG_LEVEL: 'warn',
      IT_SCIM_TOKEN: scim.token,
      IT_OPS_KEY_KNOWN: keys.known,
      IT_OPS_KEY_LATE: keys.late,
      JML_WORKDAY_TENANTS: tenants([KNOWN]),
      // Small, so that the two re-drives of this test need a confirmation.
      JML_REDRIVE_CONFIRM_ABOVE: '1',
    };
    pipeline = await startTestPipeline({ name: 'it-cli-ops', env: { ...process.env, ...overrides }, group: taskQueue });
    const gateway = new URL(pipeline.gatewayUrl as string);
    env = { ...process.env, ...overrides, GATEWAY_HOST: gateway.hostname, GATEWAY_PORT: gateway.port, JML_STACK_DIR: join(dir, 'stack') };
    delete env.NODE_OPTIONS;
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    await proxy?.stop();
    await scim?.stop();
    redis?.disconnect();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('redrive and reconcile > the app down leaves joiners needs-attention; once back, jml redrive --all --app applies them and jml reconcile --check passes', { timeout: 240_000 }, async () => {
    for (let i = 0; i < 5_000; i += 1) proxy.faults.respond(503);
    for (const [i, e] of joiners.entries()) expect((await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: e, webhookId: `ops-${run}-${i}` })).status).toBe(202);
    for (const e of joiners) {
      const outcome = await eventually(`joiner ${e.subject}`, async () => latestOutcome(e).catch(() => undefined), 90_000);
      expect(outcome.status).toBe('needs-attention');
    }

    proxy.faults.clear();
    // The app answers again, but the joiners' accounts are not there: reconcile says so.
    const before = await jml(['reconcile', '--app', WIKI, '--check', '--json']);
    expect(before.code, before.stderr).toBe(4);
    expect(json<{ apps: Array<{ counts: Record<string, number> }> }>(before).apps[0]?.counts).toMatchObject({ missing: 2, orphan: 0, zombie: 0 });

    const selection = ['--all', '--app', WIKI, '--since', startedAt];
    const dry = await eventually('both visible to the selection', async () => {
      const r = await jml(['redrive', ...selection, '--dry-run']);
      return r.stdout.includes('2 events would be re-driven') ? r : undefined;
    });
    expect(dry.code).toBe(0);
    const held = await jml(['redrive', ...selection]);
    expect([held.code, held.stderr]).toEqual([4, expect.stringContaining('2 events would be re-driven (more than JML_REDRIVE_CONFIRM_ABOVE=1)')]);
    const done = await jml(['redrive', ...selection, '--yes', '--reason', 'wiki back']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^accepted jml\/.+: re-drive 1, /m);
    expect(done.stdout).toContain('2 accepted, 0 refused');

    for (const e of joiners) {
      const outcome = await eventually(`re-driven ${e.subject}`, async () => {
        const o = await latestOutcome(e).catch(() => undefined);
        return o?.status === 'completed' ? o : undefined;
      }, 90_000);
      expect(outcome.apps.map((a) => [a.appId, a.status])).toContainEqual([WIKI, 'done']);
    }
    const person = await jml(['person', joiners[0]?.subject as string]);
    expect(person.stdout).toMatch(new RegExp(`re-drive 1 of ${joiners[0]?.id}: completed`));
    const again = await jml(['redrive', eventWorkflowId(joiners[0]?.subject as string, joiners[0]?.id as string)]);
    expect([again.code, again.stdout]).toEqual([4, expect.stringContaining(': already-applied: ')]);

    const after = await jml(['reconcile', '--check']);
    expect(after.code, `${after.stdout}\n${after.stderr}`).toBe(0);
    expect(after.stdout).toContain(`${WIKI}: 2 accounts, 2 people known, in step`);
    expect(after.stdout).toContain('directory: 2 accounts, 2 people known, in step');
  });

  it('dlq > a delivery for a tenant not configured lands in the DLQ; jml dlq redrive produces its event once the tenant is configured, and only once', { timeout: 180_000 }, async () => {
    const hire: WorkdayEvent = {
      Contract_Version: '1',
      Business_Process_Type: 'Hire Employee',
      Event_WID: randomBytes(16).toString('hex'),
      Effective_Date: '2026-12-01',
      Entry_Moment: '2026-12-01T09:00:00Z',
      Worker: { Worker_ID: '4101', Worker_Type: 'Employee', Legal_First_Name: 'Grace', Legal_Last_Name: 'Hopper', Time_Zone: 'UTC', Hire_Date: '2026-12-01' },
    };
    const body = JSON.stringify(hire);
    const res = await fetch(`${pipeline.gatewayUrl}/webhooks/workday/${LATE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWorkday({ secret: keys.late, body, timestampSec: Math.floor(Date.now() / 1000) }) },
      body,
    });
    expect(res.status).toBe(401);
    const route = `/webhooks/workday/${LATE}`;
    const listed = await eventually('the letter listed', async () => {
      const r = await jml(['dlq', 'list', '--route', route, '--letters', '--json']);
      const letters = json<{ letters: Array<{ id: string; code: string }> }>(r).letters;
      return letters.length > 0 ? letters : undefined;
    });
    expect(listed.map((l) => l.code)).toEqual(['unknown-tenant']);
    const id = listed[0]?.id as string;
    const shown = await jml(['dlq', 'show', id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^code {10}unknown-tenant$/m);
    expect(shown.stdout).toMatch(/^headers {7}.*x-/m);
    expect((await jml(['dlq', 'show', '0/999999999'])).code).toBe(3);

    const unknown = await jml(['dlq', 'redrive', '--route', route]);
    expect([unknown.code, unknown.stdout]).toEqual([4, expect.stringContaining('failed')]);
    const configured = { JML_WORKDAY_TENANTS: tenants([KNOWN, LATE]) };
    const redriven = await jml(['dlq', 'redrive', '--route', route], configured);
    expect(redriven.code, redriven.stderr).toBe(0);
    expect(redriven.stdout).toContain('1 redriven, 0 failed, 0 refused, 0 skipped; 1 event(s) produced');
    const normalized = normalizeWorkday({ tenant: LATE, event: hire, defaultTimeZone: 'UTC' });
    if (!normalized.ok) throw new Error(normalized.reason);
    const personKey = normalized.event.subject;
    await eventually('the re-driven hire applied at the directory', async () => (await redis.hget(accountKey({ keyPrefix: prefix }, 'directory', personKey), 'enabled')) ?? undefined, 90_000);
    const twice = await jml(['dlq', 'redrive', '--route', route], configured);
    expect([twice.code, twice.stdout]).toEqual([0, expect.stringContaining('0 redriven, 0 failed, 0 refused, 1 skipped; 0 event(s) produced')]);
  });

  it('access report > JSON, CSV and HTML: who has what where, with since and the last reconciliation', { timeout: 120_000 }, async () => {
    expect((await jml(['reconcile', '--app', WIKI, '--publish'])).code).toBe(0);
    const report = await jml(['access', 'report', '--app', WIKI, '--json']);
    expect(report.code, report.stderr).toBe(0);
    const rows = json<{ rows: Array<{ personKey: string; status: string; since?: string; name: string }> }>(report).rows.filter((r) => joiners.some((j) => j.subject === r.personKey));
    expect(rows.map((r) => [r.personKey, r.status])).toEqual(joiners.map((j) => [j.subject, 'active']).sort());
    for (const r of rows) expect(r.since).toMatch(/^2026-|^20\d\d-/);
    const csvFile = join(dir, 'access.csv');
    const csv = await jml(['access', 'report', '--app', WIKI, '--out', csvFile]);
    expect(csv.code, csv.stderr).toBe(0);
    expect((await stat(csvFile)).mode & 0o777).toBe(0o600);
    const lines = (await readFile(csvFile, 'utf8')).split('\r\n');
    expect(lines[0]).toBe('person,name,HR status,app,account,status,groups,since,last change,last used,last reconciliation');
    for (const j of joiners) expect(lines.some((l) => l.startsWith(`${j.subject},`))).toBe(true);
    const htmlFile = join(dir, 'access.html');
    expect((await jml(['access', 'report', '--format', 'html', '--out', htmlFile])).code).toBe(0);
    expect(await readFile(htmlFile, 'utf8')).toMatch(/^<!doctype html>/);
    expect((await jml(['access', 'report', '--format', 'pdf'])).code).toBe(2);
  });
});
