/**
 * The OpenTelemetry workflow interceptors (services/tracing/temporal.ts), a workflow interceptor
 * module of every bundle: a span for the workflow's run and each signal it handles, and the trace
 * context passed on to the activities and child workflows it starts, so an event workflow's spans
 * join the trace of the webhook that caused them.
 *
 * Only a workflow started or signalled with a trace context (a `traceparent` in the headers, which
 * the client interceptors write only while tracing is on) is traced: the decision comes from its
 * history, so a replay takes it again. Any other workflow passes straight through and never loads
 * the OpenTelemetry modules: the sandbox evaluates a workflow's modules anew for each workflow it
 * creates, and these cost a few ms of CPU each time (docs/tracing.md, "Cost").
 *
 * A person workflow lives across many events, each brought by its own signal with its own trace.
 * The child workflow of an event is started under the context of the signal that brought the event
 * (matched by event id), not under the run's, so each event's trace reaches its apps.
 *
 * Updates and queries are not traced. The package's handlers for them are async wrappers even when
 * they do not trace, and the extra microtasks moved an update's completion after a child workflow's
 * start: test/replay's person.redrive failed with a nondeterminism error.
 */
import type * as OtelApi from '@opentelemetry/api';
import type * as OtelWorkflow from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type * as OtelInstrumentation from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import { defaultPayloadConverter, type Headers, type Payload } from '@temporalio/common';
import { jmlEventSignal } from '../schemas/contracts';
import type { WorkflowInboundCallsInterceptor, WorkflowInterceptors, WorkflowInternalsInterceptor, WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';

/** Where the package's interceptors carry the context (its `TRACE_HEADER`). */
const TRACE_HEADER = '_tracer-data';

/** Signal contexts kept for children not started yet; the oldest go first past this (events deduped never start one). */
const MAX_KEPT_CONTEXTS = 200;

interface Traced {
  inbound: OtelWorkflow.OpenTelemetryInboundInterceptor;
  outbound: OtelWorkflow.OpenTelemetryOutboundInterceptor;
  internals: OtelWorkflow.OpenTelemetryInternalsInterceptor;
  /** Runs `fn` with the context a trace header carries as the active one. */
  within<T>(payload: Payload, fn: () => T): T;
}

/** Whether the start headers carry a W3C trace context. */
function carriesTrace(headers: Headers): boolean {
  const payload = headers[TRACE_HEADER];
  if (!payload) return false;
  const carrier = defaultPayloadConverter.fromPayload<Record<string, unknown> | null>(payload);
  return typeof carrier?.traceparent === 'string';
}

/** Loads the package's workflow interceptors on first use only (webpack evaluates a bundled module when it is first required). */
function loadTraced(): Traced {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load: an import would evaluate the modules for every workflow
  const otel = require('@temporalio/interceptors-opentelemetry/lib/workflow') as typeof OtelWorkflow;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  const { extractContextFromHeaders } = require('@temporalio/interceptors-opentelemetry/lib/instrumentation') as typeof OtelInstrumentation;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  const api = require('@opentelemetry/api') as typeof OtelApi;
  // The interceptors register the sandbox's tracer provider and context manager when constructed, before `within` is used.
  const traced = { inbound: new otel.OpenTelemetryInboundInterceptor(), outbound: new otel.OpenTelemetryOutboundInterceptor(), internals: new otel.OpenTelemetryInternalsInterceptor() };
  return {
    ...traced,
    within: (payload, fn) => {
      const ctx = extractContextFromHeaders({ [TRACE_HEADER]: payload });
      return ctx ? api.context.with(ctx, fn) : fn();
    },
  };
}

/** The id of the event a child workflow applies (its input is `{ event, … }`, workflows/person.ts). */
function childEventId(args: readonly unknown[]): string | undefined {
  const id = (args[0] as { event?: { id?: unknown } } | undefined)?.event?.id;
  return typeof id === 'string' ? id : undefined;
}

export const interceptors = (): WorkflowInterceptors => {
  let traced: Traced | undefined;
  /** The trace header of the signal that brought each event, by event id, until its child starts. */
  const contexts = new Map<string, Payload>();
  const inbound: WorkflowInboundCallsInterceptor = {
    execute: (input, next) => {
      if (carriesTrace(input.headers)) traced ??= loadTraced();
      return traced ? traced.inbound.execute(input, next) : next(input);
    },
    handleSignal: (input, next) => {
      if (!carriesTrace(input.headers)) return traced ? traced.inbound.handleSignal(input, next) : next(input);
      traced ??= loadTraced();
      const eventId = input.signalName === jmlEventSignal.name ? (input.args[0] as { id?: unknown } | undefined)?.id : undefined;
      if (typeof eventId === 'string') {
        contexts.set(eventId, input.headers[TRACE_HEADER] as Payload);
        if (contexts.size > MAX_KEPT_CONTEXTS) contexts.delete(contexts.keys().next().value as string);
      }
      return traced.inbound.handleSignal(input, next);
    },
  };
  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input, next) => (traced ? traced.outbound.scheduleActivity(input, next) : next(input)),
    scheduleLocalActivity: (input, next) => (traced ? traced.outbound.scheduleLocalActivity(input, next) : next(input)),
    startChildWorkflowExecution: (input, next) => {
      if (!traced) return next(input);
      const t = traced;
      const eventId = childEventId(input.options.args);
      const signalled = eventId === undefined ? undefined : contexts.get(eventId);
      if (!signalled) return t.outbound.startChildWorkflowExecution(input, next);
      contexts.delete(eventId as string);
      return t.within(signalled, () => t.outbound.startChildWorkflowExecution(input, next));
    },
    // Not carried over: a person workflow's next run would otherwise hang, run after run, in the trace
    // of whichever event started its first run. The next run is traced by the signals that reach it.
    continueAsNew: (input, next) => next(input),
    signalWorkflow: (input, next) => (traced ? traced.outbound.signalWorkflow(input, next) : next(input)),
    getLogAttributes: (input, next) => (traced ? traced.outbound.getLogAttributes(input, next) : next(input)),
  };
  const internals: WorkflowInternalsInterceptor = {
    // The package's dispose is async but calls next before its first await.
    dispose: (input, next) => (traced ? void traced.internals.dispose(input, next) : next(input)),
  };
  return { inbound: [inbound], outbound: [outbound], internals: [internals] };
};
