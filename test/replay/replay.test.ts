import { readdirSync, readFileSync } from 'node:fs';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import * as workflows from '../../workflows/index';
import { HISTORIES_DIR } from './capture';
import { WORKFLOWS_PATH } from '../../services/worker/worker';
import { FAILURE_CONVERTER_PATH } from '../../services/temporal/data-converter';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../services/tracing/temporal';

/**
 * Stored histories (test/replay/histories, captured from the real stack) replayed through today's
 * workflow code. A change that alters the commands an existing history expects fails here: once a
 * version runs in production, guard such a change with `patched()` or a new workflow type, then
 * re-capture (see test/replay/capture.ts). Until the first deployment (issue 12) the histories were
 * re-captured instead and the development-time patches removed.
 */
let code = '';
beforeAll(async () => {
  // The production bundle: with the failure converter that turns failure messages into (sealed) payloads,
  // and the OpenTelemetry workflow interceptors (services/tracing/temporal.ts), which must add no command.
  ({ code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
    logger: silent,
  }));
}, 120_000);

describe('workflow replay', () => {
  const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

  it('covers > at least one stored history for every workflow type', () => {
    const types = new Set(
      files.map((f) => {
        const history = JSON.parse(readFileSync(new URL(f, HISTORIES_DIR), 'utf8')) as {
          events: Array<{ workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }>;
        };
        return history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
      }),
    );
    expect([...types].sort()).toEqual(Object.keys(workflows).sort());
  });

  it('replays > every stored history without nondeterminism', { timeout: 120_000 }, async () => {
    const histories = files.map((f) => ({
      workflowId: f.replace(/\.json$/, ''),
      history: JSON.parse(readFileSync(new URL(f, HISTORIES_DIR), 'utf8')) as unknown,
    }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { code } }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(histories.length).toBeGreaterThan(0);
  });
});

/**
 * The workflow sandbox evaluates a workflow's own modules again for every workflow execution it
 * creates (the SDK shares only its own modules between executions). A schema library in the bundle
 * was rebuilt for every person and event workflow: 27 % of the workflow thread's CPU in bench:e2e.
 */
describe('workflow bundle', () => {
  it('holds only the SDK, workflows/, the contracts, zod-free helpers, the failure converter and the OpenTelemetry interceptors', () => {
    // Packages by their path from node_modules, wherever that is (a worktree's may be a link elsewhere).
    const modules = [...code.matchAll(/^\/\*{3}\/ "([^"?][^"]*)"$/gm)].map((m) => (m[1] as string).replace(/^(?:\.\.?\/)+(?:[^"]*\/)?node_modules\//, './node_modules/'));
    expect(modules).toContain('./workflows/person.ts');
    // The OpenTelemetry modules are loaded only by a traced workflow (workflows/tracing-interceptors.ts).
    const foreign = modules.filter(
      (m) =>
        !/^\.\/node_modules\/(@temporalio\/(workflow|common|interceptors-opentelemetry)|@opentelemetry\/(api|core|resources|sdk-trace-base|semantic-conventions)|nexus-rpc|ms|long)\//.test(m) &&
        !m.startsWith('./workflows/') &&
        !m.startsWith('./schemas/contracts/') &&
        m !== './schemas/person-key.ts' &&
        m !== './services/temporal/failure-converter.cjs',
    );
    expect(foreign).toEqual([]);
  });
});

const silent = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
