import { context, createContextKey, SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../../test/support/otlp-receiver';
import { loadConfig } from '../config';
import { tracingSettings } from '../settings/tracing';
import { AsyncLocalContextManager } from './context-manager';
import { activeTracing, startTracing, type Tracing } from './index';
import { contextFromHeaders, traceHeaders } from './kafka';
import { redactSpan } from './redact';
import { inSpan, produceSpan } from './spans';
import { workflowSpanSinks } from './temporal';

let started: Tracing | undefined;
afterEach(async () => {
  await started?.shutdown();
  started = undefined;
});

describe('tracing off', () => {
  it('off > with no endpoint nothing is registered, recorded, propagated or exported', async () => {
    started = startTracing('gateway', { tracesUrl: undefined, serviceName: undefined });
    expect(started.enabled).toBe(false);
    expect(activeTracing()).toBeUndefined();
    let headers: Record<string, string> = { untouched: 'yes' };
    await inSpan(produceSpan({ route: '/v1/events', records: 1 }), async (span) => {
      expect(span.isRecording()).toBe(false);
      headers = { ...headers, ...traceHeaders() };
    });
    expect(headers).toEqual({ untouched: 'yes' });
    // The workflow span sink drops what the sandbox hands it.
    const sink = workflowSpanSinks().exporter.export;
    expect(sink.callDuringReplay).toBe(false);
    expect(() => sink.fn({ workflowType: 'personWorkflow' } as never, [])).not.toThrow();
  });
});

describe('tracing on', () => {
  it('on > a span context crosses Kafka headers and every span reaches the OTLP receiver at shutdown', async () => {
    const receiver = await startOtlpReceiver();
    try {
      started = startTracing('gateway', { tracesUrl: receiver.url, serviceName: undefined });
      expect(started.enabled).toBe(true);
      let headers: Record<string, string> = {};
      await inSpan(produceSpan({ route: '/v1/events', records: 2 }), async (span) => {
        expect(span.isRecording()).toBe(true);
        // Across an await, the produce span is still the active one.
        await new Promise((r) => setTimeout(r, 1));
        headers = traceHeaders();
        expect(headers.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
      });
      await inSpan({ name: 'consumer', kind: SpanKind.CONSUMER, parent: contextFromHeaders(headers) }, async () => undefined);
      await started.shutdown();
      const [produce, consumer] = ['jml.kafka.produce', 'consumer'].map((n) => receiver.spans.find((s) => s.name === n));
      expect(produce?.service).toBe('jml-gateway');
      expect(produce?.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.batch.message_count': 2 });
      expect(consumer?.traceId).toBe(produce?.traceId);
      expect(consumer?.parentSpanId).toBe(produce?.spanId);
      // Unregistered again: nothing records after the shutdown.
      expect(activeTracing()).toBeUndefined();
      expect(trace.getTracer('t').startSpan('after').isRecording()).toBe(false);
    } finally {
      await receiver.close();
    }
  });
});

describe('tracing settings', () => {
  it('settings > the traces URL follows the OTLP rules: base endpoint plus /v1/traces, the traces endpoint as it is, off when disabled', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracesUrl).toBe('http://collector:4318/v1/traces');
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://tempo:4318/otlp/v1/traces' }).tracesUrl).toBe(
      'https://tempo:4318/otlp/v1/traces',
    );
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracesUrl).toBeUndefined();
    expect(tracingSettings({}).tracesUrl).toBeUndefined();
  });

  it('settings > the configuration refuses an endpoint that is not an http(s) URL and keeps OTEL_SERVICE_NAME', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'hr-sync' }).tracing).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: 'hr-sync',
    });
    expect(loadConfig({}).tracing.tracesUrl).toBeUndefined();
  });
});

describe('redaction', () => {
  it('redact > drops workflow ids and exception messages, keeps the rest', () => {
    const span = {
      name: 'RunActivity:runStep',
      attributes: { temporalWorkflowId: 'jml/bamboohr:acme:4101/e1', temporalActivityId: '3', 'jml.app_id': 'github' },
      events: [{ name: 'exception', attributes: { 'exception.type': 'transient', 'exception.message': 'Ada Lovelace not found', 'exception.stacktrace': 'at …' }, time: [0, 0] }],
      spanContext: () => ({ traceId: 't', spanId: 's', traceFlags: 1 }),
    } as unknown as ReadableSpan;
    const out = redactSpan(span);
    expect(out.attributes).toEqual({ temporalActivityId: '3', 'jml.app_id': 'github' });
    expect(out.events.map((e) => e.attributes)).toEqual([{ 'exception.type': 'transient' }]);
    expect(out.name).toBe('RunActivity:runStep');
    expect(out.spanContext().spanId).toBe('s');
  });
});

describe('context manager', () => {
  it('context manager > keeps the context across awaits and timers, and only inside with()', async () => {
    const cm = new AsyncLocalContextManager();
    const key = createContextKey('k');
    const ctx = context.active().setValue(key, 'v');
    const seen = await cm.with(ctx, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return cm.active().getValue(key);
    });
    expect(seen).toBe('v');
    expect(cm.active().getValue(key)).toBeUndefined();
    expect(cm.bind(ctx, () => cm.active().getValue(key))()).toBe('v');
  });
});
