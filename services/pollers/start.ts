import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { configurePollerSignal, HrSource, pollerWorkflowId, type PollerSource, type PollerWorkflowInput } from '../../schemas/contracts';
import { workdaySource } from '../../sources/workday';
import type { Config } from '../config';

/** One poller the runtime keeps running. */
export interface PollerSpec {
  source: PollerSource;
  tenant: string;
  intervalMs: number;
}

/** The pollers the configuration asks for: every BambooHR tenant, every Workday tenant with `raas` (the sources' `poll.enabled`). */
export function pollerSpecs(config: Pick<Config, 'bamboohr' | 'workday' | 'pollers'>): PollerSpec[] {
  const specs: PollerSpec[] = [];
  if (config.pollers.bamboohrIntervalMs > 0) {
    for (const tenant of Object.keys(config.bamboohr).sort()) specs.push({ source: 'bamboohr', tenant, intervalMs: config.pollers.bamboohrIntervalMs });
  }
  if (config.pollers.workdayIntervalMs > 0) {
    for (const [tenant, t] of Object.entries(config.workday).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (workdaySource.poll?.enabled(t)) specs.push({ source: 'workday', tenant, intervalMs: config.pollers.workdayIntervalMs });
    }
  }
  return specs;
}

/**
 * Makes sure each poller runs, idempotently: `signalWithStart` starts `poll/<source>/<tenant>` when
 * no run is open and otherwise only signals the running one with the configured interval, so
 * restarts and several processes starting the same pollers never create a second poller or reset
 * a cursor. Returns the workflow ids.
 */
export async function ensurePollers(req: { temporal: Client; taskQueue: string; specs: readonly PollerSpec[]; log: Logger }): Promise<string[]> {
  const ids: string[] = [];
  for (const spec of req.specs) {
    const workflowId = pollerWorkflowId(spec.source, spec.tenant);
    await req.temporal.workflow.signalWithStart<(input: PollerWorkflowInput) => Promise<void>, [{ intervalMs: number }]>('pollerWorkflow', {
      workflowId,
      taskQueue: req.taskQueue,
      args: [{ source: spec.source, tenant: spec.tenant, intervalMs: spec.intervalMs }],
      signal: configurePollerSignal,
      signalArgs: [{ intervalMs: spec.intervalMs }],
      typedSearchAttributes: [{ key: HrSource, value: spec.source }],
      staticSummary: `reconciliation poller ${spec.source}/${spec.tenant}`,
    });
    req.log.info({ workflowId, intervalMs: spec.intervalMs }, 'reconciliation poller running');
    ids.push(workflowId);
  }
  return ids;
}
