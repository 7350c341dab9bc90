import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventWorkflowId, personWorkflowId, type EventOutcome } from '../../schemas/contracts';
import type { Pipeline } from '../../services/runtime';
import { activeTracing, startTracing, type Tracing } from '../../services/tracing';
import { postSigned } from '../support/canonical-client';
import { makeEvent } from '../support/events';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { startTestPipeline } from '../support/pipeline';
import { eventually } from '../support/wait';
import { captureHistory } from '../replay/capture';

const SECRET = 'whsec_dHJhY2luZy10ZXN0LXNlY3JldC0wMDAwMDAwMQ==';
const run = Date.now().toString(36);

describe('traces from webhook to app', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let tracing: Tracing;
  let pipeline: Pipeline;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // Registered before the pipeline starts, as the roles do: its workers and clients pick it up.
    tracing = startTracing('test', { tracesUrl: receiver.url, serviceName: `jml-tracing-${run}` });
    pipeline = await startTestPipeline({
      name: 'tracing',
      env: { ...process.env, JML_CANONICAL_SECRET: SECRET, TEMPORAL_TASK_QUEUE: `tracing-${run}`, JML_DEV_APPS: 'directory', LOG_LEVEL: 'warn' },
      group: `tracing-${run}`,
    });
  });

  afterAll(async () => {
    await pipeline?.stop();
    await tracing?.shutdown();
    await receiver?.close();
  });

  it('joiner > one trace runs from the gateway through Kafka, the dispatcher and both workflows to the connector call', async () => {
    expect(tracing.enabled).toBe(true);
    const employeeId = `${run}-1`;
    const personKey = `test:${employeeId}`;
    const event = makeEvent({ personKey, type: 'jml.joiner' });
    const res = await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: event, webhookId: `wh-${run}-1` });
    expect(res.status).toBe(202);
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(personKey, event.id));
    const outcome = await eventually('the event workflow', async () => (await handle.describe()) && ((await handle.result()) as EventOutcome));
    expect(outcome.apps.map((a) => a.steps)).toEqual([[{ operation: 'createAccount', outcome: 'applied' }]]);

    // The batch processor exports every few seconds; workflow spans reach it through the worker's sink.
    const gateway = (s: ReceivedSpan) => s.name === 'jml.gateway.webhook' && s.attributes['jml.route'] === '/v1/events';
    const spans = await eventually('the connector call span', async () => {
      await activeTracing()?.processor.forceFlush();
      const root = receiver.spans.find(gateway);
      const trace = root ? receiver.spans.filter((s) => s.traceId === root.traceId) : [];
      return trace.some((s) => s.name === 'jml.connector.call') ? trace : undefined;
    });

    const one = (name: string): ReceivedSpan => {
      const found = spans.filter((s) => s.name === name);
      expect(found.map((s) => s.name), `spans named ${name}`).toEqual([name]);
      return found[0] as ReceivedSpan;
    };
    const root = one('jml.gateway.webhook');
    const produce = one('jml.kafka.produce');
    const handoff = one('jml.dispatcher.handoff');
    const signalWithStart = one('SignalWithStartWorkflow:personWorkflow');
    const startChild = one('StartChildWorkflow:jmlEventWorkflow');
    const eventRun = one('RunWorkflow:jmlEventWorkflow');
    const runStepRun = one('RunActivity:runStep');
    const connector = one('jml.connector.call');
    const runStepStart = spans.find((s) => s.name === 'StartActivity:runStep' && s.spanId === runStepRun.parentSpanId);

    // The parent chain, one link at a time: webhook → produce → (Kafka headers) → hand-off →
    // signalWithStart → (Temporal headers) → child start in the person workflow → event workflow →
    // activity scheduled → activity run → connector call.
    expect(root.parentSpanId).toBeUndefined();
    expect(produce.parentSpanId).toBe(root.spanId);
    expect(handoff.parentSpanId).toBe(produce.spanId);
    expect(signalWithStart.parentSpanId).toBe(handoff.spanId);
    expect(startChild.parentSpanId).toBe(signalWithStart.spanId);
    expect(eventRun.parentSpanId).toBe(startChild.spanId);
    expect(runStepStart?.parentSpanId).toBe(eventRun.spanId);
    expect(connector.parentSpanId).toBe(runStepRun.spanId);

    expect(root.attributes).toMatchObject({ 'jml.source': 'canonical', 'http.response.status_code': 202 });
    expect(connector.attributes).toEqual({ 'jml.app_id': 'directory', 'jml.connector': 'dev-redis', 'jml.operation': 'createAccount', 'jml.outcome': 'applied' });
    expect(handoff.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.destination.name': 'jml.events.v1', 'jml.event_type': 'jml.joiner' });
    // Neither the person key nor the employee id is in any span of the trace (workflow ids carry them).
    const exported = JSON.stringify(spans);
    expect(exported).not.toContain(employeeId);
    // A traced event workflow for the replay test (JML_CAPTURE_HISTORIES=1): the interceptors' traced path must replay too.
    await captureHistory(pipeline.temporal, eventWorkflowId(personKey, event.id), 'jml-event.traced-joiner');
  });

  it('mover > a later event of a running person workflow has its own trace, down to its event workflow', async () => {
    // The person workflow of the joiner above is still running; this event reaches it as a signal.
    const personKey = `test:${run}-1`;
    const event = makeEvent({ personKey, type: 'jml.mover', enteredAt: '2026-11-21T09:00:00Z', changedFields: ['jobTitle'], person: { jobTitle: 'Manager' } });
    const res = await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: event, webhookId: `wh-${run}-2` });
    expect(res.status).toBe(202);
    const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(personKey, event.id));
    await eventually('the mover workflow', async () => (await handle.describe()) && ((await handle.result()) as EventOutcome));

    const spans = await eventually('the mover trace', async () => {
      await activeTracing()?.processor.forceFlush();
      const roots = receiver.spans.filter((s) => s.name === 'jml.gateway.webhook' && s.attributes['jml.route'] === '/v1/events');
      const last = roots.length === 2 ? roots[1] : undefined;
      const trace = last ? receiver.spans.filter((s) => s.traceId === last.traceId) : [];
      return trace.some((s) => s.name === 'RunWorkflow:jmlEventWorkflow') ? trace : undefined;
    });
    const named = (name: string) => spans.filter((s) => s.name === name);
    const [signal] = named('SignalWithStartWorkflow:personWorkflow');
    const [startChild] = named('StartChildWorkflow:jmlEventWorkflow');
    const [eventRun] = named('RunWorkflow:jmlEventWorkflow');
    // Started under the signal that brought this event, not under the person workflow's first run.
    expect(startChild?.parentSpanId).toBe(signal?.spanId);
    expect(eventRun?.parentSpanId).toBe(startChild?.spanId);
    expect(named('HandleSignal:jmlEvent').map((s) => s.parentSpanId)).toEqual([signal?.spanId]);
    expect(named('RunWorkflow:personWorkflow')).toEqual([]);
    // The person workflow so far (started and signalled with a trace context), for the replay test.
    await captureHistory(pipeline.temporal, personWorkflowId(personKey), 'person.traced');
  });
});
