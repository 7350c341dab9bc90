import { context, SpanStatusCode, trace, type Attributes, type Context, type Span, type SpanKind } from '@opentelemetry/api';

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
