import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The import directions between our top-level folders (eslint.config.js, README "Layout") are lint
 * rules, so a wrong import fails `npm test`. Each case lints a one-line module placed at a virtual
 * path (nothing is written to disk) with the repository's own configuration, and checks whether
 * `no-restricted-imports` reports it.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RULE = '@typescript-eslint/no-restricted-imports';
/**
 * The repository's configuration, running only the import rule. Type-aware parsing is off: the
 * TypeScript project service refuses files that do not exist, and the rule needs no types.
 */
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false } } }],
  ruleFilter: ({ ruleId }) => ruleId === RULE,
});

/** The rule's messages for `code` at `filePath`; fails on a parse error, so that nothing passes unlinted. */
async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath: `${ROOT}${filePath}` });
  const messages = result?.messages ?? [];
  expect(messages.filter((m) => m.fatal)).toEqual([]);
  return messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

const forbidden: Array<[string, string, string]> = [
  ['workflows → services', 'workflows/probe.ts', "import { createActivities } from '../services/worker/activities';"],
  ['workflows → services, type-only', 'workflows/probe.ts', "import type { ActivityDeps } from '../services/worker/activities';"],
  ['workflows → connectors, type-only', 'workflows/probe.ts', "import type { AnyConnector } from '../connectors/sdk';"],
  ['workflows → a Node builtin', 'workflows/probe.ts', "import { randomUUID } from 'node:crypto';"],
  ['workflows → an I/O library', 'workflows/probe.ts', "import { Client } from '@temporalio/client';"],
  ['workflow test → services', 'workflows/probe.test.ts', "import { WORKFLOWS_PATH } from '../services/worker/worker';"],
  ['services → infra', 'services/probe.ts', "import { stackUp } from '../infra/stack/stack';"],
  ['services → infra, type-only', 'services/worker/probe.ts', "import type { StackEndpoints } from '../../infra/stack/stack';"],
  ['services test → infra', 'services/probe.test.ts', "import { DEFAULT_PORTS } from '../infra/stack/stack';"],
  ['services → workflows', 'services/dispatcher/probe.ts', "import { personWorkflow } from '../../workflows/person';"],
  ['services → test helpers', 'services/probe.ts', "import { makeEvent } from '../test/support/events';"],
  ['connectors → services', 'connectors/ldap/probe.ts', "import { mapPerson } from '../../services/mapping';"],
  ['connectors → services, type-only', 'connectors/sdk/probe.ts', "import type { Config } from '../../services/config';"],
  ['connector test → services', 'connectors/ldap/probe.integration.test.ts', "import { loadConfig } from '../../services/config';"],
  ['connectors → workflows', 'connectors/probe.ts', "import { personWorkflow } from '../workflows/person';"],
  ['sources → services', 'sources/bamboohr/probe.ts', "import { ingestPublisher } from '../../services/pollers/publish';"],
  ['sources → services, type-only', 'sources/sdk/probe.ts', "import type { PublishedState } from '../../services/pollers/published-state';"],
  ['source test → services', 'sources/workday/probe.test.ts', "import { redisSnapshotStore } from '../../services/pollers/snapshot-store';"],
  ['sources → workflows', 'sources/sdk/probe.ts', "import { pollerWorkflow } from '../../workflows/poller';"],
  ['schemas → services', 'schemas/probe.ts', "import { loadConfig } from '../services/config';"],
  ['schemas/contracts → services, type-only', 'schemas/contracts/probe.ts', "import type { ActivityDeps } from '../../services/worker/activities';"],
  ['schemas → connectors, type-only', 'schemas/contracts/probe.ts', "import type { AnyConnector } from '../../connectors/sdk';"],
  ['schemas → workflows', 'schemas/probe.ts', "export { personWorkflow } from '../workflows/person';"],
];

const allowed: Array<[string, string, string]> = [
  ['workflows → schemas/contracts', 'workflows/probe.ts', "import type { Activities } from '../schemas/contracts';"],
  ['workflows → workflows', 'workflows/probe.ts', "import { jmlEventWorkflow } from './jml-event';"],
  ['workflows → the workflow SDK', 'workflows/probe.ts', "import { proxyActivities } from '@temporalio/workflow';"],
  ['services → schemas', 'services/probe.ts', "import { JmlEvent } from '../schemas/jml-event.v1';"],
  ['services → connectors', 'services/worker/probe.ts', "import { isConnectorError } from '../../connectors/sdk';"],
  ['services → services', 'services/worker/probe.ts', "import { planWithPolicy } from '../policy/plan';"],
  ['services test → test helpers', 'services/probe.test.ts', "import { makeEvent } from '../test/support/events';"],
  ['connectors → schemas', 'connectors/sdk/probe.ts', "import type { OperationName } from '../../schemas/contracts';"],
  ['connectors → connectors', 'connectors/ldap/probe.ts', "import { defineConnector } from '../sdk';"],
  ['connector testing helper → test harness', 'connectors/ldap/testing/probe.ts', "import { startSlapd } from '../../../test/harness/slapd';"],
  ['sources → the source SDK', 'sources/bamboohr/probe.ts', "import { readCursor } from '../sdk/poll';"],
  ['sources → schemas/contracts', 'sources/sdk/probe.ts', "import type { PollSummary } from '../../schemas/contracts';"],
  ['source test → test helpers', 'sources/bamboohr/probe.test.ts', "import { memoryPollPorts } from '../../test/fakes/pollers';"],
  ['schemas → schemas', 'schemas/contracts/probe.ts', "import type { JmlEvent } from '../jml-event.v1';"],
  ['schemas → @temporalio definitions', 'schemas/contracts/probe.ts', "import { defineSignal } from '@temporalio/workflow';"],
  ['infra → services', 'infra/dev/probe.ts', "import { loadConfig } from '../../services/config';"],
  ['test → anything', 'test/integration/probe.test.ts', "import { createActivities } from '../../services/worker/activities';"],
  ['bench → anything', 'bench/probe.ts', "import { WORKFLOWS_PATH } from '../services/worker/worker';"],
];

describe('import directions', { timeout: 60_000 }, () => {
  it.each(forbidden)('lint > reports %s', async (_name, file, code) => {
    expect(await restricted(file, code)).toHaveLength(1);
  });

  it.each(allowed)('lint > allows %s', async (_name, file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});
