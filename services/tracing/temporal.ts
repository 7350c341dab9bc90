import { fileURLToPath } from 'node:url';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import { activeTracing } from './index';

/**
 * Tracing across Temporal with @temporalio/interceptors-opentelemetry: the client puts the active
 * context into the headers of signalWithStart; the workflow interceptors (inside the bundle) start
 * the workflow's span from them and pass it on to activities and child workflows; the activity
 * interceptor starts the activity's span, under which runStep starts the connector call's.
 *
 * All of it is installed whether tracing is on or off, so there is one workflow bundle. Off, the
 * client and activity interceptors find the API's no-op tracer and propagator (no span, no header),
 * and the workflow spans, made inside the sandbox, are handed to a sink that drops them.
 */

/** Workflow interceptor modules every workflow bundle is built with (infra/build/build.ts, runtime, test harness, replay tests). */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [fileURLToPath(new URL('../../workflows/tracing-interceptors.ts', import.meta.url))];

/** Interceptors of a Temporal client that starts or signals workflows. */
export function clientInterceptors(): { workflow: WorkflowClientInterceptor[] } {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

/** The activity interceptors of a worker. */
export function workerInterceptors(): WorkerInterceptors {
  return {
    activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
  };
}

/**
 * The sink the workflow interceptor hands its spans to, read when the worker is created: into the
 * registered span processor while tracing is on, dropped otherwise. The SDK's sink adds the whole
 * WorkflowInfo to each span's attributes (workflow id, search attributes: person keys and employee
 * ids); it gets only the workflow type, task queue and namespace.
 */
export function workflowSpanSinks(): InjectedSinks<{ exporter: { export(spans: unknown[]): void } }> {
  const active = activeTracing();
  if (!active) return { exporter: { export: { fn: () => undefined, callDuringReplay: false } } };
  const inner = makeWorkflowExporter(active.processor, active.resource);
  return {
    exporter: {
      export: {
        fn: (info: WorkflowInfo, spans: unknown) => inner.export.fn(safeInfo(info), spans as Parameters<typeof inner.export.fn>[1]),
        callDuringReplay: false,
      },
    },
  };
}

const safeInfo = (info: WorkflowInfo): WorkflowInfo => ({ workflowType: info.workflowType, taskQueue: info.taskQueue, namespace: info.namespace }) as WorkflowInfo;
