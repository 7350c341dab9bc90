import { context, propagation, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

/**
 * W3C trace context (`traceparent`, `tracestate`) in Kafka record headers: written by the gateway
 * into each record it produces, read by the dispatcher from each record it consumes. With tracing
 * off the registered propagator is the API's no-op: nothing is written, nothing is read.
 */

const setter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => void (carrier[key] = value),
};

const getter: TextMapGetter<IHeaders | undefined> = {
  keys: (carrier) => Object.keys(carrier ?? {}),
  get: (carrier, key) => {
    const v = carrier?.[key];
    const first = Array.isArray(v) ? v[0] : v;
    return first === undefined ? undefined : first.toString();
  },
};

/** The headers that carry the active context (none when there is none, or tracing is off). */
export function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers, setter);
  return headers;
}

/** The context a consumed record's headers carry; the active one when they carry none. */
export function contextFromHeaders(headers: IHeaders | undefined) {
  return propagation.extract(context.active(), headers, getter);
}
