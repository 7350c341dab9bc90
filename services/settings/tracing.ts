import { z } from 'zod';

/**
 * Settings of OpenTelemetry tracing (services/tracing/, docs/tracing.md). Off unless an OTLP
 * endpoint is set; spans then go over OTLP/HTTP (JSON) to a collector, Jaeger or Tempo.
 */
export interface TracingSettings {
  /** Where spans are posted (`…/v1/traces`); undefined: tracing is off. */
  readonly tracesUrl: string | undefined;
  /** `service.name` of the spans; `jml-<role>` when undefined. */
  readonly serviceName: string | undefined;
}

const url = z.string().refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'must be an http:// or https:// URL (OTLP over HTTP)');

/** The OpenTelemetry variables the project reads (the standard names; see docs/tracing.md). */
export const tracingEnv = {
  /** Base URL of an OTLP/HTTP receiver (a collector: http://otel-collector:4318); traces go to `<base>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
  /** The full URL for traces only; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url.optional(),
  /** `service.name` of every span this process exports; default `jml-<role>`. */
  OTEL_SERVICE_NAME: z.string().min(1).max(200).optional(),
  /** `true` turns tracing off even with an endpoint set (the standard switch). */
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
};

type TracingEnv = z.output<z.ZodObject<typeof tracingEnv>>;

/** The tracing settings from their parsed variables: the traces URL as the OTLP specification builds it. */
export function tracingSettings(e: TracingEnv): TracingSettings {
  const tracesUrl =
    e.OTEL_SDK_DISABLED === 'true'
      ? undefined
      : (e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined));
  return { tracesUrl, serviceName: e.OTEL_SERVICE_NAME };
}
