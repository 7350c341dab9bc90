import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountKey } from '../../connectors/dev-redis';
import { loadConfig } from '../../services/config';
import { createLogger } from '../../services/log';
import { startPipeline, type Pipeline } from '../../services/runtime';
import { eventWorkflowId } from '../../schemas/contracts';
import { postSigned } from '../support/canonical-client';
import { makeEvent } from '../support/events';
import { eventually } from '../support/wait';

const SECRET = 'whsec_cG9saWN5LXBpcGVsaW5lLXRlc3Qta2V5MQ==';
const run = Date.now().toString(36);
const prefix = `jml:it-policy:${run}`;

describe('policy-driven pipeline on the real stack', () => {
  const stack = inject('stack');
  let pipeline: Pipeline;
  let redis: Redis;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jml-policy-'));
    const app = (extra = '') => `{ connector: dev-redis, settings: { url: "${stack.redisUrl}", keyPrefix: "${prefix}" }${extra} }`;
    const file = join(dir, 'policy.yaml');
    await writeFile(
      file,
      `version: 1
apps:
  directory: ${app()}
  chat: ${app()}
  code: ${app()}
rules:
  - { name: everyone, when: { workerType: employee }, grant: { directory: [], chat: ["channel:general"] } }
  - { name: eng, when: { department: "Engineering*" }, grant: { code: ["team:eng"], chat: ["channel:eng"] } }
`,
    );
    const config = loadConfig({ ...process.env, JML_CANONICAL_SECRET: SECRET, TEMPORAL_TASK_QUEUE: `policy-${run}`, JML_CONFIG_FILE: file, LOG_LEVEL: 'warn' });
    redis = new Redis(stack.redisUrl);
    pipeline = await startPipeline({
      config,
      endpoints: stack,
      log: createLogger({ name: 'it', level: 'warn' }),
      gatewayPort: 0,
      workflowBundle: { code: inject('workflowBundleCode') },
      dispatcherGroupId: `policy-${run}`,
      dispatcherStartAt: 'now',
    });
  });
  afterAll(async () => {
    await pipeline?.stop();
    redis?.disconnect();
  });

  const config = { keyPrefix: prefix };
  const account = async (appId: string, personKey: string) => {
    const key = accountKey(config, appId, personKey);
    const [fields, groups] = await Promise.all([redis.hgetall(key), redis.smembers(`${key}:entitlements`)]);
    return fields.enabled === undefined ? 'none' : `${fields.enabled === '1' ? 'enabled' : 'disabled'} [${groups.sort().join(' ')}]`;
  };
  const apply = async (event: ReturnType<typeof makeEvent>, hook: string) => {
    expect((await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: event, webhookId: `${hook}-${run}` })).status).toBe(202);
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id));
    await eventually(`workflow of ${event.type}`, async () => (await handle.describe()) && handle.result());
  };

  it('joiner, mover, leaver > each app ends exactly where the policy says', async () => {
    const personKey = `test:${run}-p`;
    await apply(makeEvent({ personKey, type: 'jml.joiner', person: { department: 'Engineering' } }), 'j');
    expect({ directory: await account('directory', personKey), chat: await account('chat', personKey), code: await account('code', personKey) }).toEqual({
      directory: 'enabled []',
      chat: 'enabled [channel:eng channel:general]',
      code: 'enabled [team:eng]',
    });

    const mover = makeEvent({ personKey, type: 'jml.mover', enteredAt: '2026-11-21T09:00:00Z', person: { department: 'Sales' }, changedFields: ['department'] });
    mover.data.previous = { department: 'Engineering' };
    await apply(mover, 'm');
    expect({ chat: await account('chat', personKey), code: await account('code', personKey) }).toEqual({
      chat: 'enabled [channel:general]',
      code: 'disabled [team:eng]',
    });

    await apply(makeEvent({ personKey, type: 'jml.leaver', enteredAt: '2026-11-22T09:00:00Z', person: { department: 'Sales' } }), 'l');
    expect([await account('directory', personKey), await account('chat', personKey), await account('code', personKey)]).toEqual([
      'disabled []',
      'disabled [channel:general]',
      'disabled [team:eng]',
    ]);
  });
});
