import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountKey, effectsKey } from '../../connectors/dev-redis';
import { eventWorkflowId, personStateQuery, personWorkflowId, type EventOutcome } from '../../schemas/contracts';
import type { Pipeline } from '../../services/runtime';
import { rolloutCursorKey } from '../../services/rollout/cursor';
import { postSigned } from '../support/canonical-client';
import { runCli, type Ran } from '../support/cli-process';
import { makeEvent } from '../support/events';
import { eventually } from '../support/wait';
import { startTestPipeline } from '../support/pipeline';

/**
 * A policy rollout on the real stack (issue 18 item 4): five people, three in Engineering and two in
 * Sales, hold the directory. A new policy adds an app (`tools`, a dev-redis app) with a group to
 * Engineering's rule: `jml policy diff` counts three people first; once the workers run it, `jml
 * policy apply` (refused above JML_REDRIVE_CONFIRM_ABOVE, resumed from a cursor) provisions each of the
 * three exactly once, and applying again asks nothing. Then the app leaves the rule: the diff counts
 * three losses, apply disables them, the mass-change guard (max 2) holds the third until `jml
 * approve`, and a re-run meanwhile asks nothing new.
 */
const run = Date.now().toString(36);
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const prefix = `jml:it-rollout:${run}`;
const taskQueue = `rollout-${run}`;
const eng = [1, 2, 3].map((i) => `test:${run}-eng${i}`);
const sales = [1, 2].map((i) => `test:${run}-sal${i}`);

interface DiffJson {
  people: number;
  changed: number;
  apps: Array<{ appId: string; accounts: { gain: number; lose: number }; groups: Record<string, { gain: number; lose: number }> }>;
}
interface ApplyJson {
  policy: string;
  outcome: string;
  changes: number;
  removals: number;
  resumedAfter?: string;
  asked?: number;
  alreadyAsked?: number;
  asks: Array<{ personKey: string; appId: string; status: string; workflowId?: string }>;
}

describe('policy rollout on the real stack', () => {
  const stack = inject('stack');
  let pipeline: Pipeline;
  let redis: Redis;
  let dir: string;
  let base: NodeJS.ProcessEnv;
  const files = { v1: '', v2: '', v3: '' };

  const policyYaml = (withTools: boolean, engGrant: string) => `version: 1
massChangeGuard: { max: 2, window: PT10M }
apps:
  directory: { connector: dev-redis, settings: { url: "${stack.redisUrl}", keyPrefix: "${prefix}" } }
${withTools ? `  tools: { connector: dev-redis, settings: { url: "${stack.redisUrl}", keyPrefix: "${prefix}" } }\n` : ''}rules:
  - { name: engineering, when: { department: Engineering }, grant: { directory: []${engGrant} } }
  - { name: sales, when: { department: Sales }, grant: { directory: [] } }
`;
  const overrides = (policyFile: string) => ({ JML_CANONICAL_SECRET: SECRET, TEMPORAL_TASK_QUEUE: taskQueue, JML_CONFIG_FILE: policyFile, LOG_LEVEL: 'warn', JML_REDRIVE_CONFIRM_ABOVE: '2' });
  const jml = (policyFile: string, args: string[]): Promise<Ran> => runCli(args, { env: { ...base, ...overrides(policyFile) }, cwd: dir });
  const json = <T>(r: Ran): T => JSON.parse(r.stdout) as T;
  const start = (policyFile: string) => startTestPipeline({ name: 'it-rollout', env: { ...process.env, ...overrides(policyFile) }, group: taskQueue });
  const effects = async () => redis.lrange(effectsKey({ keyPrefix: prefix }, 'tools'), 0, -1);
  const toolsEnabled = async (personKey: string) => redis.hget(accountKey({ keyPrefix: prefix }, 'tools', personKey), 'enabled');
  const settle = (asks: ApplyJson['asks']) => Promise.all(asks.map((a) => pipeline.temporal.workflow.getHandle(a.workflowId as string).result() as Promise<EventOutcome>));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jml-rollout-'));
    redis = new Redis(stack.redisUrl);
    files.v1 = join(dir, 'policy.v1.yaml');
    files.v2 = join(dir, 'policy.v2.yaml');
    files.v3 = join(dir, 'policy.v3.yaml');
    await writeFile(files.v1, policyYaml(false, ''));
    await writeFile(files.v2, policyYaml(true, ', tools: [builders]'));
    await writeFile(files.v3, policyYaml(true, ''));
    base = { ...process.env, JML_STACK_DIR: join(dir, 'stack') };
    delete base.NODE_OPTIONS;
    pipeline = await start(files.v1);
    const joiners = [...eng.map((k) => [k, 'Engineering']), ...sales.map((k) => [k, 'Sales'])].map(([personKey, department]) =>
      makeEvent({ personKey: personKey as string, type: 'jml.joiner', person: { department: department as string } }),
    );
    for (const [i, e] of joiners.entries()) expect((await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: e, webhookId: `rollout-${run}-${i}` })).status).toBe(202);
    for (const e of joiners) {
      const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(e.subject, e.id));
      const outcome = await eventually(`joiner ${e.subject}`, async () => handle.result().catch(() => undefined) as Promise<EventOutcome | undefined>, 90_000);
      expect(outcome.status).toBe('completed');
    }
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    redis?.disconnect();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('adding an app to a department > diff counts its people first; apply provisions each of them exactly once, resumes from its cursor, and a second apply asks nothing', { timeout: 300_000 }, async () => {
    const diff = await jml(files.v1, ['policy', 'diff', files.v2, '--json']);
    expect(diff.code, diff.stderr).toBe(0);
    expect(json<DiffJson>(diff)).toMatchObject({ people: 5, changed: 3, apps: [{ appId: 'tools', accounts: { gain: 3, lose: 0 }, groups: { builders: { gain: 3, lose: 0 } } }] });
    const table = await jml(files.v1, ['policy', 'diff', files.v2]);
    expect(table.stdout.split('\n')).toEqual(expect.arrayContaining([expect.stringMatching(/^tools\s+account\s+3\s+0$/), expect.stringMatching(/^tools\s+group builders\s+3\s+0$/), '3 of 5 people would change']));
    // The diff changed nothing.
    expect(await effects()).toEqual([]);

    // Deploy: the workers run the new policy.
    await pipeline.stop();
    pipeline = await start(files.v2);

    // Three changes, more than JML_REDRIVE_CONFIRM_ABOVE=2: refused without --yes, nothing asked.
    const refused = await jml(files.v2, ['policy', 'apply', '--json']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('3 changes would be asked (more than JML_REDRIVE_CONFIRM_ABOVE=2)');
    const { policy: hash } = json<ApplyJson>(refused);

    // A run that stopped after the first engineer: the next continues after them.
    await redis.set(rolloutCursorKey(taskQueue, hash), eng[0] as string);
    const resumed = await jml(files.v2, ['policy', 'apply', '--json', '--reason', 'tools for engineering']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const first = json<ApplyJson>(resumed);
    expect(first).toMatchObject({ outcome: 'asked', resumedAfter: eng[0], asked: 2, changes: 2, removals: 0 });
    expect(first.asks.map((a) => `${a.personKey} ${a.appId} ${a.status}`)).toEqual([`${eng[1]} tools asked`, `${eng[2]} tools asked`]);
    expect(await redis.exists(rolloutCursorKey(taskQueue, hash))).toBe(0);
    // Off a terminal, progress is plain lines.
    expect(resumed.stderr).toContain('jml: applying: 2/2 people');
    await settle(first.asks);

    // The finished run cleared its cursor: the next starts over and finds only the engineer skipped.
    const rest = json<ApplyJson>(await jml(files.v2, ['policy', 'apply', '--json']));
    expect(rest.asks.map((a) => `${a.personKey} ${a.appId} ${a.status}`)).toEqual([`${eng[0]} tools asked`]);
    expect((await settle(rest.asks)).map((o) => o.status)).toEqual(['completed']);

    // Every engineer provisioned once (one create, one group add each), nobody in Sales.
    const log = await effects();
    expect(log.filter((e) => e.endsWith(' create'))).toHaveLength(3);
    expect(log.filter((e) => e.endsWith(' grant'))).toHaveLength(3);
    expect(log).toHaveLength(6);
    for (const k of eng) expect(await toolsEnabled(k)).toBe('1');
    for (const k of sales) expect(await toolsEnabled(k)).toBeNull();
    const state = await pipeline.temporal.workflow.getHandle(personWorkflowId(eng[0] as string)).query(personStateQuery);
    expect(state.apps.tools).toMatchObject({ status: 'active', entitlements: ['builders'] });

    // Applying twice changes nothing.
    const again = await jml(files.v2, ['policy', 'apply', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(json<ApplyJson>(again)).toMatchObject({ changes: 0, asked: 0, asks: [] });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await effects()).toEqual(log);
  });

  it('removing the app from the rule > apply disables the three, the guard holds the one beyond its max until approved, a re-run asks nothing new', { timeout: 300_000 }, async () => {
    const diff = json<DiffJson>(await jml(files.v2, ['policy', 'diff', files.v3, '--json']));
    expect(diff).toMatchObject({ changed: 3, apps: [{ appId: 'tools', accounts: { gain: 0, lose: 3 }, groups: {} }] });

    await pipeline.stop();
    pipeline = await start(files.v3);
    const before = await effects();

    const applied = await jml(files.v3, ['policy', 'apply', '--yes', '--json']);
    expect(applied.code, applied.stderr).toBe(0);
    const asks = json<ApplyJson>(applied);
    expect(asks).toMatchObject({ asked: 3, removals: 3 });

    // Guard max 2: two disabled, the third held for a decision.
    const held = await eventually(
      'one removal held',
      async () => {
        const r = await jml(files.v3, ['held', '--json']);
        const list = r.code === 0 ? (JSON.parse(r.stdout) as { held: Array<{ workflowId: string; kind: string }> }).held : [];
        return list.length === 1 && (await Promise.all(eng.map(toolsEnabled))).filter((e) => e === '0').length === 2 ? list : undefined;
      },
      90_000,
    );
    expect(held[0]?.kind).toBe('reconcile');
    expect(asks.asks.map((a) => a.workflowId)).toContain(held[0]?.workflowId);

    // A re-run while it is held: the same change, asked before; nothing new.
    const rerun = json<ApplyJson>(await jml(files.v3, ['policy', 'apply', '--yes', '--json']));
    expect(rerun).toMatchObject({ changes: 1, asked: 0, alreadyAsked: 1 });

    const approved = await jml(files.v3, ['approve', held[0]?.workflowId as string]);
    expect(approved.code, approved.stderr).toBe(0);
    expect((await settle(asks.asks)).map((o) => o.status)).toEqual(['completed', 'completed', 'completed']);
    for (const k of eng) expect(await toolsEnabled(k)).toBe('0');
    const log = await effects();
    expect(log.slice(before.length).filter((e) => e.endsWith(' suspend'))).toHaveLength(3);
    expect(log).toHaveLength(before.length + 3);

    const twice = json<ApplyJson>(await jml(files.v3, ['policy', 'apply', '--json']));
    expect(twice).toMatchObject({ changes: 0, asked: 0 });
  });
});
