import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountKey } from '../../connectors/dev-redis';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import type { AuditRecord } from '../../schemas/audit-record.v1';
import { loadConfig } from '../../services/config';
import { TOPICS } from '../../services/kafka/topics';
import { createLogger } from '../../services/log';
import { startPipeline, type Pipeline } from '../../services/runtime';
import { eventWorkflowId, type EventOutcome } from '../../schemas/contracts';
import { gapConnector } from '../fakes/gap-connector';
import { postSigned } from '../support/canonical-client';
import { consumeUntil } from '../support/kafka';
import { makeEvent } from '../support/events';
import { eventually } from '../support/wait';

/**
 * The worker process is killed (SIGKILL) after an app applied a create and before the activity
 * completed: the one gap where an effect could be lost from the books. Another worker takes the
 * retry, which finds the account already there; a later step of the same app fails for good. The
 * saga must still undo the create (no orphan account) and the audit must hold every outcome.
 */
const run = Date.now().toString(36);
const prefix = `jml:it-gap:${run}`;
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const taskQueue = `gap-${run}`;

describe('a worker killed between an app call and its completion', () => {
  const stack = inject('stack');
  let env: NodeJS.ProcessEnv;
  let front: Pipeline;
  let worker: Pipeline | undefined;
  let child: ChildProcess | undefined;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(stack.redisUrl);
    const file = join(await mkdtemp(join(tmpdir(), 'jml-gap-')), 'policy.yaml');
    await writeFile(
      file,
      `version: 1
apps:
  gap: { connector: gap, settings: { url: "${stack.redisUrl}", keyPrefix: "${prefix}" } }
rules:
  - { name: gap, when: { department: Gap }, grant: { gap: ["group:ok", "refused"] } }
`,
    );
    env = {
      ...process.env,
      KAFKA_BROKERS: stack.kafkaBrokers,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      REDIS_URL: stack.redisUrl,
      JML_CANONICAL_SECRET: SECRET,
      TEMPORAL_TASK_QUEUE: taskQueue,
      JML_CONFIG_FILE: file,
      LOG_LEVEL: 'warn',
    };
    // Gateway and dispatcher here; the worker in a process of its own that the test kills.
    front = await startPipeline({
      config: loadConfig(env),
      env,
      endpoints: stack,
      log: createLogger({ name: 'it-gap', level: 'warn' }),
      parts: { worker: false, pollers: false },
      gatewayPort: 0,
      dispatcherGroupId: taskQueue,
      dispatcherStartAt: 'now',
    });
    child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../fakes/gap-worker.ts', import.meta.url))], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child?.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child?.once('exit', (code) => reject(new Error(`gap-worker exited with ${code}`)));
    });
  }, 180_000);
  afterAll(async () => {
    child?.kill('SIGKILL');
    await worker?.stop();
    await front?.stop();
    redis?.disconnect();
  });

  it('compensation still undoes the create, no account is left behind, and the audit has every outcome', { timeout: 180_000 }, async () => {
    const personKey = `test:${run}-gap`;
    const joiner = makeEvent({ personKey, type: 'jml.joiner', enteredAt: new Date(Date.now() - 1_000).toISOString(), person: { department: 'Gap' } });
    expect((await postSigned({ url: front.gatewayUrl as string, secret: SECRET, body: joiner, webhookId: `gap-${run}` })).status).toBe(202);

    // The app applied the create; the worker hangs before answering. Kill it there.
    const marker = `${prefix}:gap:${joiner.id}/gap/createAccount`;
    await eventually('the create applied by the doomed worker', async () => ((await redis.get(marker)) ? true : undefined), 60_000);
    const account = accountKey({ keyPrefix: prefix }, 'gap', personKey);
    expect(await redis.hget(account, 'enabled')).toBe('1');
    child?.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));

    // Another worker takes over once the lost worker's heartbeat times out.
    worker = await startPipeline({
      config: loadConfig(env),
      env,
      endpoints: stack,
      log: createLogger({ name: 'it-gap-worker', level: 'warn' }),
      parts: { gateway: false, dispatcher: false, worker: true, pollers: false },
      workflowBundle: { code: inject('workflowBundleCode') },
      connectors: { ...CONNECTOR_FACTORIES, gap: () => gapConnector({ hangAfterCreate: false }) },
    });
    const handle = front.temporal.workflow.getHandle(eventWorkflowId(personKey, joiner.id));
    const outcome = (await handle.result()) as EventOutcome;
    expect(outcome.apps[0]).toMatchObject({
      appId: 'gap',
      status: 'compensated',
      steps: [
        { operation: 'createAccount', outcome: 'already-in-state' },
        { operation: 'grantAccess', qualifier: 'group:ok', outcome: 'applied' },
        { operation: 'grantAccess', qualifier: 'refused', outcome: 'failed' },
      ],
      compensations: [
        { operation: 'revokeAccess', qualifier: 'group:ok', outcome: 'applied' },
        { operation: 'deleteAccount', outcome: 'applied' },
      ],
    });
    // No orphan: the account the killed worker created is gone.
    expect(await redis.exists(account)).toBe(0);

    const collected: AuditRecord[] = [];
    const records = await consumeUntil({
      brokers: stack.kafkaBrokers,
      topic: TOPICS.audit,
      timeoutMs: 60_000,
      take: (message) => {
        const r = JSON.parse(String(message.value)) as AuditRecord;
        if (r.eventId === joiner.id) collected.push(r);
        return collected.filter((c) => c.outcome !== 'failed').length >= 4 ? collected : undefined;
      },
    });
    expect(records.filter((r) => r.outcome !== 'failed').map((r) => [r.operation, r.qualifier ?? '', r.outcome, r.compensation === true, r.mayHaveAppliedEarlier === true])).toEqual([
      ['createAccount', '', 'already-in-state', false, true],
      ['grantAccess', 'group:ok', 'applied', false, false],
      ['revokeAccess', 'group:ok', 'applied', true, false],
      ['deleteAccount', '', 'applied', true, false],
    ]);
  });
});
