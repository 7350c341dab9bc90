import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountKey } from '../../connectors/dev-redis';
import { buildEntries } from '../../infra/build/build';
import { eventWorkflowId, NeedsAttention, personStateQuery, type EventOutcome } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import type { Pipeline } from '../../services/runtime';
import { postSigned } from '../support/canonical-client';
import { makeEvent } from '../support/events';
import { eventually } from '../support/wait';
import { startTestPipeline } from '../support/pipeline';
import { runCli, type Ran } from '../support/cli-process';

/**
 * `jml` as ops run it: every command as a subprocess through the package bin (bin/jml.js), against
 * a pipeline started here (own task queue, dispatcher group, policy and key prefix), checking
 * stdout (human and --json), stderr and exit codes. The guard holds every leaver after the first.
 */
const ROOT = join(import.meta.dirname, '../..');
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const run = Date.now().toString(36);
const taskQueue = `cli-${run}`;
const prefix = `jml:it-cli:${run}`;
const personA = `test:${run}-a`;
const nobody = `test:${run}-nobody`;

describe('jml CLI on the real stack', () => {
  const stack = inject('stack');
  let pipeline: Pipeline;
  let redis: Redis;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  /** Runs `node <entry> ...args` (the bin by default) in the test's own folder (no .env) with the CLI's environment. */
  const exec = (args: string[], opts: { entry?: string; cwd?: string; command?: string[] } = {}): Promise<Ran> =>
    runCli(args, { env, cwd: opts.cwd ?? dir, ...(opts.entry ? { entry: opts.entry } : {}), ...(opts.command ? { command: opts.command } : {}) });
  const jml = (...args: string[]) => exec(args);
  const json = (r: Ran): Record<string, unknown> => JSON.parse(r.stdout) as Record<string, unknown>;
  const file = async (name: string, event: JmlEvent) => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(event, null, 2));
    return path;
  };
  const outcome = async (event: JmlEvent) => {
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id));
    return eventually(`workflow of ${event.type} ${event.subject}`, async () => (await handle.describe()) && ((await handle.result()) as EventOutcome), 60_000);
  };
  const enabled = async (personKey: string, appId: string) => redis.hget(accountKey({ keyPrefix: prefix }, appId, personKey), 'enabled');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jml-cli-'));
    const app = `{ connector: dev-redis, settings: { url: "${stack.redisUrl}", keyPrefix: "${prefix}" } }`;
    const policyFile = join(dir, 'policy.yaml');
    await writeFile(
      policyFile,
      `version: 1
massChangeGuard: { max: 1, window: PT10M }
apps:
  directory: ${app}
  chat: ${app}
rules:
  - { name: everyone, when: { workerType: employee }, grant: { directory: [], chat: ["channel:general"] } }
  - { name: eng, when: { department: "Engineering*" }, grant: { chat: ["channel:eng"] } }
`,
    );
    const overrides = { JML_CANONICAL_SECRET: SECRET, TEMPORAL_TASK_QUEUE: taskQueue, JML_CONFIG_FILE: policyFile, LOG_LEVEL: 'warn' };
    redis = new Redis(stack.redisUrl);
    pipeline = await startTestPipeline({ name: 'it', env: { ...process.env, ...overrides }, group: taskQueue });
    const gateway = new URL(pipeline.gatewayUrl as string);
    // The CLI reads what an operator's shell would hold: the servers, this pipeline's queue, policy
    // and key, and a stack folder of its own (so no development key of this machine is used).
    env = { ...process.env, ...overrides, GATEWAY_HOST: gateway.hostname, GATEWAY_PORT: gateway.port, JML_STACK_DIR: join(dir, 'stack') };
    delete env.JML_CANONICAL_SECRETS;
    delete env.NODE_OPTIONS;
  });
  afterAll(async () => {
    await pipeline?.stop();
    redis?.disconnect();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('jml --help > through the launcher, npx jml (the package bin) and the build, every command listed, exit 0', { timeout: 120_000 }, async () => {
    const out = join('.jml', `cli-test-${process.pid}`);
    try {
      const [launcher, npx, built] = await Promise.all([
        jml('--help'),
        exec(['jml', '--help'], { command: ['npx', '--offline'], cwd: ROOT }),
        buildEntries({ outDir: out }).then((b) => exec(['--help'], { entry: b.cli })),
      ]);
      for (const r of [launcher, npx, built]) {
        expect(r.code, r.stderr).toBe(0);
        for (const command of ['send', 'person', 'events', 'plan', 'held', 'approve', 'reject']) expect(r.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
      }
      expect(npx.stdout).toBe(launcher.stdout);
      expect(built.stdout).toBe(launcher.stdout);
      // The build's CLI opens Temporal with its failure converter next to it: a real query through it.
      const bin = join(ROOT, out, 'services', 'cli', 'jml.js');
      const missing = await exec(['person', nobody], { entry: bin });
      expect(missing).toMatchObject({ code: 3, stdout: '', stderr: `jml: no person workflow person/${nobody}\n` });
    } finally {
      await rm(join(ROOT, out), { recursive: true, force: true });
    }
  });

  it('usage errors > exit 2 with one line on stderr and nothing on stdout', async () => {
    const cases = [['frobnicate'], ['person'], ['person', 'a', 'b'], ['approve', '--all', 'jml/x/y'], ['events', '--bogus', '1'], ['held', '--reason']];
    const results = await Promise.all(cases.map((args) => jml(...args)));
    results.forEach((r, i) => {
      expect({ args: cases[i], code: r.code, stdout: r.stdout, lines: r.stderr.trim().split('\n').length }).toEqual({ args: cases[i], code: 2, stdout: '', lines: 1 });
      expect(r.stderr).toMatch(/^jml: .*(jml --help|jml help \w+)/);
    });
    const bare = await jml();
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: jml <command>');
  });

  const joinerA = makeEvent({ personKey: personA, type: 'jml.joiner', person: { department: 'Engineering' } });

  it('send > signs and posts: 202 and the answer on stdout (or as JSON); a refused event exits 4', async () => {
    const joinerB = makeEvent({ personKey: `test:${run}-b`, type: 'jml.joiner', person: { department: 'Sales' } });
    await writeFile(join(dir, 'bad.json'), '{"id":"not-an-event"}');
    const [human, machine, refused] = await Promise.all([
      jml('send', await file('joiner-a.json', joinerA)),
      jml('send', '--json', await file('joiner-b.json', joinerB)),
      jml('send', join(dir, 'bad.json')),
    ]);
    expect({ code: human.code, stderr: human.stderr }).toEqual({ code: 0, stderr: '' });
    const [, status, answer] = /^(\d{3}) (.*)\n$/.exec(human.stdout) ?? [];
    expect([status, JSON.parse(answer ?? 'null')]).toEqual(['202', { accepted: true, id: joinerA.id }]);
    expect(machine.code).toBe(0);
    expect(json(machine)).toMatchObject({ status: 202, accepted: true, answer: { accepted: true, id: joinerB.id } });
    expect(refused.code).toBe(4);
    expect(refused.stdout).toMatch(/^400 .*invalid-event/);
    expect(refused.stderr).toBe('jml: the gateway answered 400 (refused)\n');
    expect((await outcome(joinerA)).status).toBe('completed');
    expect((await outcome(joinerB)).status).toBe('completed');
    // The person workflow folds the outcome in just after the event workflow ends.
    await eventually('the joiner folded into person A', async () => ((await pipeline.temporal.workflow.getHandle(`person/${personA}`).query(personStateQuery)).processed === 1 ? true : undefined));
  });

  it('person > what the workflow holds, for people and for scripts; an unknown person exits 3', async () => {
    const [human, machine, missing, missingJson] = await Promise.all([jml('person', personA), jml('person', personA, '--json'), jml('person', nobody), jml('person', nobody, '--json')]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`person/${personA}\n  processed 1, duplicates 0, superseded 0, pending 0\n`);
    expect(human.stdout).toMatch(/^ {4}chat +active +channel:eng channel:general$/m);
    expect(human.stdout).toMatch(/^ {4}directory +active +-$/m);
    expect(human.stdout).toMatch(new RegExp(`^ {4}completed +jml\\.joiner +${joinerA.id}$`, 'm'));
    // Names and e-mail addresses only with --json, never in the human summary.
    expect(human.stdout).not.toMatch(/Ada|Lovelace|@example\.com/);
    expect(json(machine)).toMatchObject({ workflowId: `person/${personA}`, state: { personKey: personA, apps: { chat: { status: 'active', entitlements: ['channel:eng', 'channel:general'] } }, person: { department: 'Engineering' } } });
    expect(missing).toEqual({ code: 3, stdout: '', stderr: `jml: no person workflow person/${nobody}\n` });
    expect(missingJson.code).toBe(3);
    expect(json(missingJson)).toEqual({ error: { exitCode: 3, kind: 'not-found', message: `no person workflow person/${nobody}` } });
  });

  it("events > the employee's workflows as the UI finds them; none exits 3", async () => {
    const employeeId = `${run}-a`;
    const human = await eventually('both workflows listed', async () => {
      const r = await jml('events', employeeId);
      return r.code === 0 && r.stdout.includes(eventWorkflowId(personA, joinerA.id)) && r.stdout.includes(`person/${personA}`) ? r : undefined;
    });
    expect(human.stdout).toMatch(new RegExp(`^COMPLETED +jmlEventWorkflow +${reEscape(eventWorkflowId(personA, joinerA.id))}$`, 'm'));
    expect(human.stdout).toMatch(new RegExp(`^RUNNING +personWorkflow +${reEscape(`person/${personA}`)}$`, 'm'));
    const machine = json(await jml('events', employeeId, '--json'));
    expect(machine.workflows).toEqual(
      expect.arrayContaining([expect.objectContaining({ workflowId: eventWorkflowId(personA, joinerA.id), status: 'COMPLETED', kind: 'joiner', personKey: personA })]),
    );
    const none = await jml('events', `${run}-nobody`);
    expect(none).toEqual({ code: 3, stdout: '', stderr: `jml: no workflows with EmployeeId='${run}-nobody'\n` });
  });

  it("plan > for what the person holds now, which differs from an empty person's plan; without a person workflow it says so", async () => {
    // A mover from a source that sends no previous values: only the person's holdings say that
    // channel:eng is to be revoked.
    const mover = await file('mover-a.json', makeEvent({ personKey: personA, type: 'jml.mover', enteredAt: '2026-11-21T09:00:00Z', person: { department: 'Sales' }, changedFields: ['department'] }));
    const stranger = await file('mover-nobody.json', makeEvent({ personKey: nobody, type: 'jml.mover', person: { department: 'Sales' }, changedFields: ['department'] }));
    const [now, empty, human, absent] = await Promise.all([jml('plan', mover, '--json'), jml('plan', mover, '--empty', '--json'), jml('plan', mover), jml('plan', stranger, '--json')]);
    const steps = (r: Ran) =>
      Object.fromEntries((json(r).plan as { apps: Array<{ appId: string; steps: Array<{ operation: string; qualifier?: string }> }> }).apps.map((a) => [a.appId, a.steps.map((s) => [s.operation, s.qualifier].filter(Boolean).join(' '))]));
    expect(now.code, now.stderr).toBe(0);
    expect(json(now).basis).toMatchObject({ personWorkflow: 'found', holdings: { chat: { entitlements: ['channel:eng', 'channel:general'] } }, changedSinceApplied: ['department'] });
    expect(steps(now)).toEqual({ chat: ['updateAccount', 'revokeAccess channel:eng'], directory: ['updateAccount'] });
    expect(empty.code, empty.stderr).toBe(0);
    expect(json(empty).basis).toEqual({ personWorkflow: 'ignored' });
    expect(steps(empty)).toEqual({ chat: ['createAccount', 'updateAccount', 'grantAccess channel:general'], directory: ['createAccount', 'updateAccount'] });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`for ${personA}, against what the person holds now (2 apps)\n  differs from the person as last applied in: department\n`);
    expect(human.stdout).toMatch(/^ {2}chat +update attributes; remove from channel:eng$/m);
    expect(absent.code).toBe(0);
    expect(json(absent).basis).toEqual({ personWorkflow: 'absent' });
    expect(absent.stderr).toContain(`jml: no person workflow for ${nobody}: planning as for a person the pipeline holds nothing of\n`);
  });

  it('held, approve, reject > the events the guard holds, listed and decided from the CLI', { timeout: 180_000 }, async () => {
    const people = [1, 2, 3].map((i) => `test:${run}-l${i}`);
    const post = async (e: JmlEvent, hook: string) => expect((await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: e, webhookId: `cli-${run}-${hook}` })).status).toBe(202);
    const joiners = people.map((personKey) => makeEvent({ personKey, type: 'jml.joiner' }));
    await Promise.all(joiners.map((e, i) => post(e, `j${i}`)));
    expect((await Promise.all(joiners.map(outcome))).map((o) => o.status)).toEqual(['completed', 'completed', 'completed']);
    const leavers = people.map((personKey) => makeEvent({ personKey, type: 'jml.leaver', enteredAt: new Date(Date.now() - 1_000).toISOString() }));
    for (const [i, e] of leavers.entries()) await post(e, `l${i}`);
    const handles = leavers.map((e) => pipeline.temporal.workflow.getHandle(eventWorkflowId(e.subject, e.id)));
    // The guard lets one through (max 1) and holds the others; wait until the server shows that.
    const phases = await eventually(
      'one leaver done and two held',
      async () => {
        const seen = await Promise.all(
          handles.map(async (h) => {
            const d = await h.describe().catch(() => undefined);
            return d?.status.name === 'COMPLETED' ? 'done' : d?.status.name === 'RUNNING' && d.typedSearchAttributes.get(NeedsAttention) === true ? 'held' : 'other';
          }),
        );
        return seen.filter((s) => s === 'done').length === 1 && seen.filter((s) => s === 'held').length === 2 ? seen : undefined;
      },
      90_000,
    );
    const heldIds = handles.filter((_, i) => phases[i] === 'held').map((h) => h.workflowId).sort();
    const doneId = handles.find((_, i) => phases[i] === 'done')?.workflowId as string;
    const [first, second] = heldIds as [string, string];

    // Only this pipeline's queues: held events of other runs in the namespace are not listed.
    const listed = await eventually('jml held lists both', async () => {
      const r = await jml('held');
      return r.stdout === `${heldIds.join('\n')}\n` ? r : undefined;
    });
    expect(listed).toEqual({ code: 0, stdout: `${heldIds.join('\n')}\n`, stderr: 'jml: 2 held\n' });
    const machine = await jml('held', '--json');
    expect(json(machine)).toEqual({ held: heldIds.map((workflowId) => expect.objectContaining({ workflowId, kind: 'leaver', max: 1, position: expect.any(Number) })) });
    expect((json(machine).held as Array<{ position: number }>).map((h) => h.position).sort()).toEqual([2, 3]);

    // A named event: checked, then approved; one that is not held or does not exist is reported.
    const [approved, notHeld, missing] = await Promise.all([jml('approve', first, '--reason', 'planned'), jml('approve', doneId), jml('approve', `jml/${nobody}/no-such-event`)]);
    expect(approved).toEqual({ code: 0, stdout: `approved ${first}\n`, stderr: '' });
    expect(notHeld).toEqual({ code: 4, stdout: `not held ${doneId} (completed)\n`, stderr: 'jml: 1 of 1 not approved\n' });
    expect(missing).toEqual({ code: 3, stdout: `not found jml/${nobody}/no-such-event\n`, stderr: 'jml: 1 of 1 not approved\n' });
    const firstOutcome = (await pipeline.temporal.workflow.getHandle(first).result()) as EventOutcome;
    expect(firstOutcome).toMatchObject({ status: 'completed', guard: { held: true, decision: 'approved', by: expect.stringMatching(/^jml approve \(.+\)$/) } });

    // --all decides what is held now, in this pipeline only: the one left.
    const rejected = await eventually('the approved one is no longer listed', async () => {
      const r = await jml('held');
      return r.stdout === `${second}\n` ? r : undefined;
    }).then(() => jml('reject', '--all', '--json'));
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(json(rejected)).toEqual({ decision: 'reject', by: expect.stringMatching(/^jml reject \(.+\)$/), results: [{ workflowId: second, result: 'rejected' }] });
    expect(((await pipeline.temporal.workflow.getHandle(second).result()) as EventOutcome).status).toBe('rejected');

    // What the guard let through changed the app; what was rejected did not.
    const personOf = (id: string) => leavers.find((e) => eventWorkflowId(e.subject, e.id) === id)?.subject as string;
    expect([await enabled(personOf(first), 'directory'), await enabled(personOf(second), 'directory')]).toEqual(['0', '1']);
    const nothing = await eventually('nothing held', async () => {
      const r = await jml('approve', '--all');
      return r.stdout === 'nothing is held\n' ? r : undefined;
    });
    expect(nothing).toEqual({ code: 0, stdout: 'nothing is held\n', stderr: '' });
  });
});

function reEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
