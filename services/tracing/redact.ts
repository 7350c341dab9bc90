import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Attributes the Temporal interceptors write that may hold a person's id or data: workflow ids
 * (`person/<personKey>`, `jml/<personKey>/<eventId>`, docs/person-keys.md) and a terminate reason
 * typed by an operator. Dropped from every span before export.
 */
export const REDACTED_ATTRIBUTES: readonly string[] = ['temporalWorkflowId', 'temporalTerminateReason'];

/** Of an exception event, only its type is exported: messages and stacks may quote input. */
const EXCEPTION_KEPT = new Set(['exception.type']);

/** The span as exported: without {@link REDACTED_ATTRIBUTES}, exception events reduced to their type. */
export function redactSpan(span: ReadableSpan): ReadableSpan {
  const attributes = Object.fromEntries(Object.entries(span.attributes).filter(([k]) => !REDACTED_ATTRIBUTES.includes(k)));
  const events = span.events.map((e) =>
    e.name === 'exception' && e.attributes ? { ...e, attributes: Object.fromEntries(Object.entries(e.attributes).filter(([k]) => EXCEPTION_KEPT.has(k))) } : e,
  );
  // The span's own methods (spanContext()) keep working through the prototype.
  return Object.create(span, { attributes: { value: attributes }, events: { value: events } }) as ReadableSpan;
}

/** Hands each ended span, redacted, to `inner` (the batch exporter). */
export class RedactingSpanProcessor implements SpanProcessor {
  constructor(private readonly inner: SpanProcessor) {}
  onStart(span: Span, parent: Context): void {
    this.inner.onStart(span, parent);
  }
  onEnd(span: ReadableSpan): void {
    this.inner.onEnd(redactSpan(span));
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
