/**
 * Sandbox code of the end-to-end benchmark (bench/e2e.ts): the reference workload the joiner
 * pipeline is compared with. Bundled by its own worker on its own task queue, so production
 * `workflows/` is untouched. Same rules as `workflows/`: no Node builtins, type imports only.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { BareActivities } from './e2e-bare';

const { noop } = proxyActivities<BareActivities>({ startToCloseTimeout: '1 minute' });

/** Five no-op activities in parallel, as a joiner's five apps run in parallel. */
export async function bareWorkflow(apps: number): Promise<void> {
  await Promise.all(Array.from({ length: apps }, () => noop()));
}
