import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dashboardExpressions, metricNames, ruleExpressions, scrapeFamilies } from '../../infra/observability/promql-names';
import { eventWorkflowId, type EventOutcome } from '../../schemas/contracts';
import { loadConfig } from '../../services/config';
import { createLogger } from '../../services/log';
import { startPipeline, type Pipeline } from '../../services/runtime';
import { postSigned } from '../support/canonical-client';
import { makeEvent } from '../support/events';
import { eventually } from '../support/wait';

const SECRET = 'whsec_bWV0cmljcy10ZXN0LXNlY3JldC1rZXktMDAwMQ==';
const run = Date.now().toString(36);
const APPS = ['directory', 'chat'];
const OBSERVABILITY = join(import.meta.dirname, '../../infra/observability');

/** A port nobody listens on now (the Temporal SDK's exporter cannot be asked which port it took). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return res.text();
}

/**
 * Every role of the pipeline in this process, as role `all` runs them (gateway port, ops port,
 * Temporal SDK exporter), one joiner and one leaver end to end, then every /metrics scraped: each
 * metric that infra/observability's alerts and dashboard read must be in the scrape.
 */
describe('metrics on the real stack', () => {
  const stack = inject('stack');
  let pipeline: Pipeline;
  let temporalMetricsUrl: string;
  const personKey = `test:${run}-m1`;
  const employeeId = `${run}-m1`;
  const scrapes: Record<string, string> = {};

  beforeAll(async () => {
    const env = { ...process.env, JML_CANONICAL_SECRET: SECRET, TEMPORAL_TASK_QUEUE: `metrics-${run}`, JML_DEV_APPS: APPS.join(','), LOG_LEVEL: 'warn' };
    const port = await freePort();
    temporalMetricsUrl = `http://127.0.0.1:${port}/metrics`;
    pipeline = await startPipeline({
      config: loadConfig(env),
      env,
      endpoints: stack,
      log: createLogger({ name: 'metrics-it', level: 'warn' }),
      gatewayPort: 0,
      workflowBundle: { code: inject('workflowBundleCode') },
      dispatcherGroupId: `metrics-${run}`,
      dispatcherStartAt: 'now',
      // Role `all`'s parts; the pollers part has no poller configured here, so its families are only declared.
      parts: { gateway: true, dispatcher: true, worker: true, pollers: true },
      ops: { host: '127.0.0.1', port: 0 },
      temporalMetricsAddress: `127.0.0.1:${port}`,
    });
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('end to end > a joiner and a leaver complete, and every role serves /metrics, /healthz and /readyz', async () => {
    const joiner = makeEvent({ personKey, type: 'jml.joiner' });
    const leaver = makeEvent({ personKey, type: 'jml.leaver', enteredAt: '2026-11-21T09:00:00Z', changedFields: ['status', 'terminationDate'] });
    for (const [i, event] of [joiner, leaver].entries()) {
      const res = await postSigned({ url: pipeline.gatewayUrl as string, secret: SECRET, body: event, webhookId: `wh-${run}-${i}` });
      expect(res.status).toBe(202);
      const handle = pipeline.temporal.workflow.getHandle(eventWorkflowId(personKey, event.id));
      const outcome = await eventually(`the ${event.type} workflow`, async () => (await handle.describe()) && ((await handle.result()) as EventOutcome), 60_000);
      expect(outcome.status).toBe('completed');
    }
    const ops = pipeline.opsUrl as string;
    expect(ops).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    expect((await fetch(`${ops}/readyz`)).status).toBe(200);
    // The SDK exports on its own schedule; its workflow completion series appear within a few seconds.
    scrapes.temporal = await eventually('the Temporal SDK metrics', async () => {
      const text = await scrape(temporalMetricsUrl);
      return text.includes('temporal_workflow_completed') ? text : undefined;
    });
    scrapes.gateway = await scrape(`${pipeline.gatewayUrl}/metrics`);
    scrapes.ops = await scrape(`${ops}/metrics`);

    // What this event must have left in the scrape, labelled by configuration only.
    const opsText = scrapes.ops;
    for (const app of APPS) {
      expect(opsText).toContain(`jml_connector_step_seconds_count{app="${app}",operation="createAccount",outcome="applied"} 1\n`);
      expect(opsText).toContain(`jml_connector_step_seconds_count{app="${app}",operation="suspendAccount",outcome="applied"} 1\n`);
    }
    expect(opsText).toContain('jml_dispatcher_handoffs_total{topic="jml.events.v1",outcome="handed-off"} 2\n');
    expect(opsText).toContain('jml_dispatcher_handoffs_total{topic="jml.events.priority.v1",outcome="handed-off"} 1\n');
    expect(opsText).toMatch(/jml_dispatcher_consumer_lag\{topic="jml\.events\.priority\.v1",partition="\d+"\} 0\n/);
    expect(opsText).toContain('jml_gateway_kafka_ack_seconds_count{route="/v1/events"} 2\n');
    expect(scrapes.temporal).toMatch(new RegExp(`temporal_workflow_endtoend_latency_seconds_count\\{[^}]*task_queue="metrics-${run}\\.leavers",workflow_type="jmlEventWorkflow"\\} 1\\n`));
    // No person in any label: neither the person key nor the employee id appears anywhere.
    for (const text of Object.values(scrapes)) {
      expect(text).not.toContain(personKey);
      expect(text).not.toContain(employeeId);
    }
  });

  it('alerts and dashboard > every metric they read is in the scrape of the running roles', () => {
    expect(Object.keys(scrapes)).toEqual(['temporal', 'gateway', 'ops']);
    const families = new Map([...scrapeFamilies(scrapes.gateway as string), ...scrapeFamilies(scrapes.temporal as string), ...scrapeFamilies(scrapes.ops as string)]);
    const histograms = new Set([...families].filter(([, f]) => f.type === 'histogram').map(([name]) => name));
    const used = [...ruleExpressions(join(OBSERVABILITY, 'alerts.yml')), ...dashboardExpressions(join(OBSERVABILITY, 'grafana-dashboard.json'))].flatMap((e) =>
      metricNames(e.expr).map((name) => ({ where: e.name, name, family: name.replace(/_(bucket|count|sum)$/, (suffix) => (histograms.has(name.slice(0, -suffix.length)) ? '' : suffix)) })),
    );
    expect(used.length).toBeGreaterThan(30);
    // `up` is Prometheus' own series about each scrape.
    const missing = used.filter((u) => u.name !== 'up' && !families.has(u.family));
    expect(missing).toEqual([]);
    // A joiner and a leaver give these series; the others appear only with their event (a poller
    // configured, a guard hold, a failure, a retry, a backlog), so for them the family must be declared.
    const needSamples = used.filter((u) => u.name !== 'up' && !ONLY_WITH_THEIR_EVENT.has(u.family));
    expect(needSamples.filter((u) => (families.get(u.family)?.samples ?? 0) === 0)).toEqual([]);
  });
});

/** Families a joiner and a leaver on healthy apps do not touch (see the test above). */
const ONLY_WITH_THEIR_EVENT = new Set([
  'jml_gateway_rejected_total',
  'jml_dispatcher_backlog_gate_waits_total',
  'jml_dispatcher_backlog_gate_wait_seconds',
  'jml_connector_step_errors_total',
  'jml_connector_step_retries_total',
  'jml_compensations_total',
  'jml_guard_holds_total',
  'jml_poller_last_success_timestamp_seconds',
  'jml_poller_interval_seconds',
  'jml_poller_changes_total',
  'jml_poller_events_produced_total',
  'jml_poller_errors_total',
]);
