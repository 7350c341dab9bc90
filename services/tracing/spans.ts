import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

/**
 * Our spans: names and attributes are in docs/tracing.md. Attributes carry routes, sources,
 * tenants, app ids, operations and outcomes, never a person's data or id.
 */
export const tracer = () => trace.getTracer('jml-pipeline');

export interface SpanRequest<T> {
  name: string;
  kind: SpanKind;
  attributes?: Attributes;
  /** The parent; the active context when absent. */
  parent?: Context;
  /** Attributes to add from the result (an outcome). */
  resultAttributes?: (result: T) => Attributes;
  /** Attributes to add from an error (its code); the span is marked as failed either way. */
  errorAttributes?: (err: unknown) => Attributes;
}

/** Runs `fn` in a new active span, ended when `fn` settles; a throw marks it failed and is rethrown. */
export async function inSpan<T>(req: SpanRequest<T>, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = req.parent ?? context.active();
  return tracer().startActiveSpan(req.name, { kind: req.kind, ...(req.attributes ? { attributes: req.attributes } : {}) }, parent, async (span) => {
    try {
      const result = await fn(span);
      if (req.resultAttributes) span.setAttributes(req.resultAttributes(result));
      return result;
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode(err) });
      if (req.errorAttributes) span.setAttributes(req.errorAttributes(err));
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A failure's code or type, never its message (a message may quote a person's data). */
export function errorCode(err: unknown): string {
  const e = err as { code?: unknown; type?: unknown; name?: unknown } | undefined;
  const code = e?.code ?? e?.type ?? e?.name;
  return typeof code === 'string' ? code : 'error';
}

/** Attributes of a Kafka span (messaging semantic conventions). */
const kafka = (attrs: Attributes): Attributes => ({ 'messaging.system': 'kafka', ...attrs });

/** The gateway's span of one webhook delivery, from the request to the answer (the route adds the status code). */
export const webhookSpan = (req: { source: string; path: string }): SpanRequest<unknown> => ({
  name: 'jml.gateway.webhook',
  kind: SpanKind.SERVER,
  attributes: { 'http.request.method': 'POST', 'http.route': req.path, 'jml.source': req.source },
});

/** The span of one produce of a delivery's records; its context goes into each record's headers. */
export const produceSpan = (req: { route: string; records: number }): SpanRequest<void> => ({
  name: 'jml.kafka.produce',
  kind: SpanKind.PRODUCER,
  attributes: kafka({ 'messaging.operation.type': 'send', 'messaging.batch.message_count': req.records, 'jml.route': req.route }),
  errorAttributes: (err) => ({ 'jml.error.code': errorCode(err) }),
});

/** The dispatcher's span of one record handed to Temporal, a child of the context its headers carry. */
export const handoffSpan = (req: { topic: string; group: string; partition: number; parent: Context }): SpanRequest<void> => ({
  name: 'jml.dispatcher.handoff',
  kind: SpanKind.CONSUMER,
  parent: req.parent,
  attributes: kafka({ 'messaging.operation.type': 'process', 'messaging.destination.name': req.topic, 'messaging.consumer.group.name': req.group, 'messaging.destination.partition.id': String(req.partition) }),
});

/** The span of one connector call in runStep: the app, the connector, the operation and its outcome. */
export const connectorSpan = (req: { appId: string; connector: string; operation: string }): SpanRequest<{ result: { outcome: string }; operation: string }> => ({
  name: 'jml.connector.call',
  kind: SpanKind.CLIENT,
  attributes: { 'jml.app_id': req.appId, 'jml.connector': req.connector, 'jml.operation': req.operation },
  resultAttributes: (r) => ({ 'jml.outcome': r.result.outcome, ...(r.operation !== req.operation ? { 'jml.operation_ran': r.operation } : {}) }),
  errorAttributes: (err) => ({ 'jml.outcome': 'failed', 'jml.error.code': errorCode(err) }),
});
