import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TracingSettings } from '../settings/tracing';
import { AsyncLocalContextManager } from './context-manager';
import { RedactingSpanProcessor } from './redact';

/**
 * OpenTelemetry tracing of the pipeline: one trace per webhook, through the Kafka headers, the
 * dispatcher, the workflows and their activities, to each connector call (docs/tracing.md).
 *
 * Off unless an OTLP endpoint is configured: nothing is registered then, every span the code starts
 * is the API's non-recording one, and nothing is propagated or exported.
 */

/** What {@link startTracing} registered: the span processor the worker's workflow spans also go through. */
export interface Tracing {
  readonly enabled: boolean;
  /** Exports the spans still buffered (for at most {@link FLUSH_MS}), then stops exporting and unregisters. Never rejects. */
  shutdown(): Promise<void>;
}

/** The processor and resource of the running provider, when one is registered (the worker's workflow span sink uses them). */
let active: { processor: SpanProcessor; resource: Resource } | undefined;

/** The span processor and resource of the registered provider; undefined while tracing is off. */
export function activeTracing(): { processor: SpanProcessor; resource: Resource } | undefined {
  return active;
}

/**
 * How long a shutdown waits for the last export: it runs after the role drained (services/roles/
 * supervise.ts), outside the drain deadline, and an unreachable collector must not hold the exit.
 */
export const FLUSH_MS = 5_000;

const OFF: Tracing = { enabled: false, shutdown: async () => undefined };

/**
 * Registers a tracer provider that exports over OTLP/HTTP (JSON) in batches, the W3C trace-context
 * propagator and a context manager, when `settings.tracesUrl` is set; does nothing otherwise. Roles
 * call it once at boot, before their parts start, and call the returned shutdown after they drained.
 * Service name: `settings.serviceName` (OTEL_SERVICE_NAME), else `jml-<role>`. A second call while
 * one registration is active keeps that one (its owner shuts it down) and returns a handle whose
 * shutdown does nothing.
 */
export function startTracing(role: string, settings: TracingSettings): Tracing {
  if (!settings.tracesUrl) return OFF;
  if (active) return { enabled: true, shutdown: async () => undefined };
  const resource = new Resource({ 'service.name': settings.serviceName ?? `jml-${role}` });
  const processor = new RedactingSpanProcessor(new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl, timeoutMillis: FLUSH_MS })));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  const contextManager = new AsyncLocalContextManager();
  provider.register({ contextManager, propagator: new W3CTraceContextPropagator() });
  active = { processor, resource };
  return {
    enabled: true,
    async shutdown() {
      if (active?.processor !== processor) return;
      active = undefined;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_MS)));
      await Promise.race([provider.shutdown().catch(() => undefined), late]);
      clearTimeout(timer);
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
