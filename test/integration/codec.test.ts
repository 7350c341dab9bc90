import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { msToTs } from '@temporalio/common/lib/time';
import protos from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../infra/stack/versions';
import { createDevRedisConnector } from '../../connectors/dev-redis';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import { ConnectorError, type AnyConnector } from '../../connectors/sdk';
import { eventWorkflowId, personStateQuery, personWorkflowId, type EventOutcome } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { loadConfig } from '../../services/config';
import { createLogger } from '../../services/log';
import { startPipeline, type Pipeline } from '../../services/runtime';
import { AesGcmCodec, KEY_ID_METADATA } from '../../services/temporal/codec';
import { openHistoryPayloads } from '../../services/temporal/history';
import { postSigned } from '../support/canonical-client';
import { makeEvent } from '../support/events';
import { eventually } from '../support/wait';

/**
 * Personal data in Temporal is sealed (issue 14): an event runs through the real pipeline with the
 * codec on, then its histories are read from the server as anyone with access to it would read them,
 * without the codec, and searched for the person's names and email: none may be there, nor in the
 * workflows' memo and search attributes, nor in a failure message that quotes the person. With the
 * codec the same history opens. A key rotation keeps histories written with the old key readable:
 * a second pipeline with [B, A] continues the person's workflow that A wrote.
 *
 * It runs in a namespace of its own: other pipelines on a shared stack (other test files, other
 * branches, without this codec or with another key) dispatch every event of the shared topic to
 * `person/<personKey>` in their namespace, and would write into this test's person workflow.
 */
const SECRET = `whsec_${Buffer.from('codec-integration-test-secret-01').toString('base64')}`;
const run = Date.now().toString(36);
const KEY_A = randomBytes(32).toString('base64');
const KEY_B = randomBytes(32).toString('base64');
const keys = { A: { id: `a-${run}`, keyBase64: KEY_A }, B: { id: `b-${run}`, keyBase64: KEY_B } };
const GIVEN = `Zenobia${run}`;
const FAMILY = `Quartermain${run}`;
const EMAIL = `zq.${run}@codec.example`;
const NAMESPACE = 'jml-codec-it';
const { IndexedValueType } = protos.temporal.api.enums.v1;
const INDEXED: Record<string, number> = { Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST, Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL, Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME };

/** Registers the test's namespace with our search attributes (both idempotent) and waits until the server serves them. */
async function ensureNamespace(connection: Connection): Promise<void> {
  const exists = (err: unknown) => {
    if (!/already (exists|registered)/i.test((err as Error).message)) throw err;
  };
  await connection.workflowService.registerNamespace({ namespace: NAMESPACE, workflowExecutionRetentionPeriod: msToTs('1 day') }).catch(exists);
  await eventually('the test namespace', async () => (await connection.workflowService.describeNamespace({ namespace: NAMESPACE })) && true);
  const registered = async () => Object.keys((await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE })).customAttributes ?? {});
  const wanted = Object.entries(SEARCH_ATTRIBUTES);
  const have = await registered();
  const toAdd = wanted.filter(([name]) => !have.includes(name));
  if (toAdd.length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace: NAMESPACE, searchAttributes: Object.fromEntries(toAdd.map(([n, t]) => [n, INDEXED[t] as number])) }).catch(exists);
  }
  await eventually('the search attributes of the test namespace', async () => ((await registered()).filter((n) => n in SEARCH_ATTRIBUTES).length === wanted.length ? true : undefined));
}

/** An app that refuses accounts with an answer quoting the person, as real apps do ("user … exists"). */
function quotingConnector(): AnyConnector {
  const inner = createDevRedisConnector() as AnyConnector;
  return {
    ...inner,
    id: 'quoting',
    operations: {
      ...inner.operations,
      createAccount: async () => {
        throw new ConnectorError({ code: 'invalid-request', message: `userName ${EMAIL} (${GIVEN} ${FAMILY}) is reserved`, status: 400 });
      },
    },
  };
}

/** Every string and every byte string (read as text) of a message: what someone reading the server's storage can see. */
function haystack(message: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown, seen: Set<object>) => {
    if (typeof v === 'string') parts.push(v);
    else if (v instanceof Uint8Array) parts.push(Buffer.from(v).toString('latin1'));
    else if (v && typeof v === 'object' && !seen.has(v)) {
      seen.add(v);
      for (const child of Object.values(v)) walk(child, seen);
    }
  };
  walk(message, new Set());
  return `${parts.join('\n')}\n${JSON.stringify(message, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v))}`;
}

/** The payload data of a history's JSON form (base64 there), as text. */
function dataOf(historyJson: string): string {
  return [...historyJson.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1] as string, 'base64').toString('utf8')).join('\n');
}

function expectNoPersonalData(text: string, where: string): void {
  for (const word of [GIVEN, FAMILY, EMAIL]) expect(text.includes(word), `${where} holds '${word}'`).toBe(false);
}

describe('payload codec on the real stack', () => {
  const stack = inject('stack');
  const taskQueue = `codec-${run}`;
  let pipeline: Pipeline | undefined;
  let raw: Client;
  let rawConnection: Connection;
  let policyFile: string;

  const start = async (codecKeys: Array<{ id: string; env: string }>): Promise<Pipeline> => {
    const config = loadConfig({
      ...process.env,
      JML_CANONICAL_SECRET: SECRET,
      TEMPORAL_NAMESPACE: NAMESPACE,
      TEMPORAL_TASK_QUEUE: taskQueue,
      JML_CONFIG_FILE: policyFile,
      LOG_LEVEL: 'warn',
      CODEC_IT_KEY_A: KEY_A,
      CODEC_IT_KEY_B: KEY_B,
      JML_CODEC_KEYS: JSON.stringify(codecKeys.map((k) => ({ id: k.id, key: { env: k.env } }))),
    });
    return startPipeline({
      config,
      endpoints: stack,
      log: createLogger({ name: 'it-codec', level: 'warn' }),
      gatewayPort: 0,
      workflowBundle: { code: inject('workflowBundleCode') },
      dispatcherGroupId: taskQueue,
      dispatcherStartAt: 'now',
      connectors: { ...CONNECTOR_FACTORIES, quoting: quotingConnector },
      parts: { pollers: false },
    });
  };

  beforeAll(async () => {
    policyFile = join(await mkdtemp(join(tmpdir(), 'jml-codec-')), 'policy.yaml');
    const app = (connector: string) => `{ connector: ${connector}, settings: { url: "${stack.redisUrl}", keyPrefix: "jml:it-codec:${run}" } }`;
    await writeFile(
      policyFile,
      `version: 1
apps:
  directory: ${app('dev-redis')}
  quoting: ${app('quoting')}
rules:
  - { name: everyone, when: { workerType: employee }, grant: { directory: [] } }
  - { name: quoted, when: { department: Quoted }, grant: { quoting: [] } }
`,
    );
    rawConnection = await Connection.connect({ address: stack.temporalAddress });
    await ensureNamespace(rawConnection);
    // What anyone who reaches the server sees: no codec, no failure converter of ours.
    raw = new Client({ connection: rawConnection, namespace: NAMESPACE });
  });

  afterAll(async () => {
    await pipeline?.stop();
    await rawConnection?.close();
  });

  const post = async (event: JmlEvent, n: number) => {
    expect((await postSigned({ url: pipeline?.gatewayUrl as string, secret: SECRET, body: event, webhookId: `codec-${run}-${n}` })).status).toBe(202);
  };
  const outcome = (personKey: string, id: string) => {
    const handle = (pipeline as Pipeline).temporal.workflow.getHandle(eventWorkflowId(personKey, id));
    return eventually(`workflow ${id}`, async () => (await handle.describe()) && ((await handle.result()) as EventOutcome), 60_000);
  };
  /** A workflow as stored: its history, its description (memo, search attributes) and its visibility row. */
  const stored = async (workflowId: string) => {
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const described = await rawConnection.workflowService.describeWorkflowExecution({ namespace: NAMESPACE, execution: { workflowId } });
    const listed = await rawConnection.workflowService.listWorkflowExecutions({ namespace: NAMESPACE, query: `WorkflowId = '${workflowId}'` });
    return { history, described, listed };
  };

  const personKey = `test:codec-${run}`;
  const joiner = makeEvent({ personKey, type: 'jml.joiner', person: { givenName: GIVEN, familyName: FAMILY, preferredName: GIVEN, workEmail: EMAIL, department: 'Quoted' } });

  it('raw history > an event run with the codec leaves no name or email in what the server stores, failure messages included', async () => {
    pipeline = await start([{ id: keys.A.id, env: 'CODEC_IT_KEY_A' }]);
    await post(joiner, 1);
    const result = await outcome(personKey, joiner.id);
    // The quoting app refused for good: its failure (quoting the person) is in the history.
    const quoting = result.apps.find((a) => a.appId === 'quoting');
    expect(quoting?.status).not.toBe('done');
    expect(JSON.stringify(quoting)).toContain('is reserved');

    for (const workflowId of [eventWorkflowId(personKey, joiner.id), personWorkflowId(personKey)]) {
      const seen = await eventually(`visibility of ${workflowId}`, async () => {
        const s = await stored(workflowId);
        return (s.listed.executions ?? []).length > 0 ? s : undefined;
      });
      const text = haystack(seen);
      expectNoPersonalData(text, workflowId);
      // The haystack is not empty-handed: the ids are there, and the sealed payloads name their key.
      expect(text).toContain(personKey);
      expect(text).toContain(keys.A.id);
    }
    const eventHistory = await raw.workflow.getHandle(eventWorkflowId(personKey, joiner.id)).fetchHistory();
    const failed = (eventHistory.events ?? []).map((e) => e.activityTaskFailedEventAttributes?.failure).find(Boolean);
    expect(failed?.message).toBe('Encoded failure');
    expect(failed?.encodedAttributes?.metadata?.[KEY_ID_METADATA]).toBeDefined();
  });

  it('with the codec > the same history opens: the input holds the person, the failure its message', async () => {
    const history = await raw.workflow.getHandle(eventWorkflowId(personKey, joiner.id)).fetchHistory();
    const opened = historyToJSON(await openHistoryPayloads(history, { payloadCodecs: [new AesGcmCodec([keys.A])] }));
    // Payload data is base64 in the JSON form; what the codec opened is plain JSON of the person.
    const texts = dataOf(opened);
    expect(texts).toContain(GIVEN);
    expect(texts).toContain(EMAIL);
    expect(texts).toContain('is reserved');
    // And the pipeline's own client reads the person's state through the codec.
    const state = await (pipeline as Pipeline).temporal.workflow.getHandle(personWorkflowId(personKey)).query(personStateQuery);
    expect(JSON.stringify(state)).toContain(joiner.id);
  });

  it('rotation > a pipeline with keys [B, A] continues the person A wrote; new payloads are sealed with B, all of it opens with [B, A]', async () => {
    await pipeline?.stop();
    pipeline = await start([
      { id: keys.B.id, env: 'CODEC_IT_KEY_B' },
      { id: keys.A.id, env: 'CODEC_IT_KEY_A' },
    ]);
    const leaver = makeEvent({ personKey, type: 'jml.leaver', enteredAt: '2026-11-21T09:00:00Z', person: { givenName: GIVEN, familyName: FAMILY, workEmail: EMAIL, department: 'Quoted' } });
    await post(leaver, 2);
    const done = await outcome(personKey, leaver.id);
    expect(done.apps.find((a) => a.appId === 'directory')?.status).toBe('done');

    const history = await raw.workflow.getHandle(personWorkflowId(personKey)).fetchHistory();
    const text = haystack(history);
    expectNoPersonalData(text, 'the person history after rotation');
    expect(text).toContain(keys.A.id);
    expect(text).toContain(keys.B.id);
    await expect(openHistoryPayloads(structuredClone(history), { payloadCodecs: [new AesGcmCodec([keys.B])] })).rejects.toThrow(/not configured/);
    const opened = historyToJSON(await openHistoryPayloads(history, { payloadCodecs: [new AesGcmCodec([keys.B, keys.A])] }));
    expect(opened).not.toContain(Buffer.from('binary/encrypted').toString('base64'));
    expect(dataOf(opened)).toContain(EMAIL);
  });
});
