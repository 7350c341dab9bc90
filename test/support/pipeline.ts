import { inject } from 'vitest';
import { loadConfig } from '../../services/config';
import { createLogger } from '../../services/log';
import { startPipeline, type Pipeline } from '../../services/runtime';

/**
 * A pipeline for one integration test file, as most of them run it: gateway, dispatcher and worker
 * (no pollers) on the harness's servers and prebuilt workflow bundle, configured by `env` (its own
 * task queue, policy and keys), the gateway on a free port, and a dispatcher group of its own that
 * starts at the topics' end, so it never reads what other runs produced.
 */
export function startTestPipeline(req: { name: string; env: NodeJS.ProcessEnv; group: string }): Promise<Pipeline> {
  return startPipeline({
    config: loadConfig(req.env),
    env: req.env,
    endpoints: inject('stack'),
    log: createLogger({ name: req.name, level: 'warn' }),
    parts: { pollers: false },
    gatewayPort: 0,
    workflowBundle: { code: inject('workflowBundleCode') },
    dispatcherGroupId: req.group,
    dispatcherStartAt: 'now',
  });
}
