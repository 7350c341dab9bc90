import { collectDefaultMetrics, Registry } from 'prom-client';
import { DISPATCHER_METRICS, GATEWAY_METRICS, POLLER_METRICS, POLLER_SCHEDULE_METRICS, WATCH_METRICS, WORKER_METRICS } from './definitions';
import { MetricSet } from './metric-set';

export { MetricSet, type MetricDefinition } from './metric-set';
export { DISPATCHER_METRICS, GATEWAY_METRICS, POLLER_METRICS, POLLER_SCHEDULE_METRICS, WATCH_METRICS, WORKER_METRICS } from './definitions';

/** What the gateway, the DLQ re-drive and the poll publisher count with (the `jml_gateway_*` families). */
export type Counters = MetricSet;

/** The gateway's families on `registry` (a registry of their own by default: tests and the CLI). */
export function gatewayCounters(registry: Registry = new Registry()): MetricSet {
  return new MetricSet(registry, GATEWAY_METRICS);
}

/** The metrics of one process: one registry, with the families of the parts it runs. */
export interface ProcessMetrics {
  registry: Registry;
  gateway: MetricSet;
  dispatcher?: MetricSet;
  watch?: MetricSet;
  worker?: MetricSet;
  pollers?: MetricSet;
  pollerSchedule?: MetricSet;
}

/**
 * A registry for one process (one per startParts call, so that several pipelines in one test
 * process never share series) with Node's process metrics (`process_*`, `nodejs_*`) and the
 * families of the parts given. The gateway's are always there: the worker's poll publisher counts
 * with them too.
 */
export function processMetrics(parts: { dispatcher?: boolean; worker?: boolean; pollers?: boolean }): ProcessMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    gateway: gatewayCounters(registry),
    ...(parts.dispatcher ? { dispatcher: new MetricSet(registry, DISPATCHER_METRICS), watch: new MetricSet(registry, WATCH_METRICS) } : {}),
    ...(parts.worker ? { worker: new MetricSet(registry, WORKER_METRICS), pollers: new MetricSet(registry, POLLER_METRICS) } : {}),
    ...(parts.pollers ? { pollerSchedule: new MetricSet(registry, POLLER_SCHEDULE_METRICS) } : {}),
  };
}
