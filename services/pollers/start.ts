import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { configurePollerSignal, HrSource, pollerWorkflowId, type PollerSource, type PollerWorkflowInput } from '../../schemas/contracts';
import { SOURCES } from '../../sources/registry';
import type { AnySource } from '../../sources/sdk/define';
import type { Config } from '../config';

/** One poller the runtime keeps running. */
export interface PollerSpec {
  source: PollerSource;
  tenant: string;
  intervalMs: number;
}

/**
 * The pollers the configuration asks for: for every registered source with a poll contract, in
 * registry order, every tenant its `poll.enabled` accepts (every BambooHR tenant, Workday tenants
 * with `raas`), unless the source's poll interval is 0.
 */
export function pollerSpecs(config: Pick<Config, 'sources'>): PollerSpec[] {
  const specs: PollerSpec[] = [];
  for (const [id, source] of Object.entries(SOURCES) as Array<[keyof typeof SOURCES, AnySource]>) {
    const { tenants, pollIntervalMs = 0 } = config.sources[id];
    if (!source.poll || pollIntervalMs <= 0) continue;
    for (const [tenant, t] of Object.entries(tenants).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (source.poll.enabled(t)) specs.push({ source: id, tenant, intervalMs: pollIntervalMs });
    }
  }
  return specs;
}

/**
 * The event `source` prefixes (`/hr/<id>/`) whose events the published-state ledger must record:
 * those of sources whose poll reads the ledger (`poll.usesLedger`), when one of their tenants is
 * polled. Without a poller nothing reads the entries, so nothing is written.
 */
export function ledgerSourcePrefixes(specs: readonly PollerSpec[]): string[] {
  const sources: Readonly<Record<string, AnySource>> = SOURCES;
  return [...new Set(specs.map((s) => s.source))].filter((id) => sources[id]?.poll?.usesLedger).map((id) => `/hr/${id}/`);
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
