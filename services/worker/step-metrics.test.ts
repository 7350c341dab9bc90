import { ApplicationFailure } from '@temporalio/activity';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { WORKER_METRICS } from '../metrics';
import { MetricSet } from '../metrics/metric-set';
import { stepMetrics } from './step-metrics';

const setup = () => {
  const set = new MetricSet(new Registry(), WORKER_METRICS);
  return { set, metrics: stepMetrics(set) };
};

describe('step metrics', () => {
  it('times a step by app, operation and outcome, and counts an attempt after the first as a retry', async () => {
    const { set, metrics } = setup();
    await metrics.step({ app: 'slack', operation: 'createAccount', attempt: 1 })(async () => ({ result: { outcome: 'applied' } }));
    await metrics.step({ app: 'slack', operation: 'createAccount', attempt: 2 })(async () => ({ result: { outcome: 'already-in-state' } }));
    const text = await set.render();
    expect(text).toContain('jml_connector_step_seconds_count{app="slack",operation="createAccount",outcome="applied"} 1');
    expect(text).toContain('jml_connector_step_seconds_count{app="slack",operation="createAccount",outcome="already-in-state"} 1');
    expect(set.get('jml_connector_step_retries_total', { app: 'slack', operation: 'createAccount' })).toBe(1);
  });

  it('a failed step is timed as failed and counted by the failure type, never by its message', async () => {
    const { set, metrics } = setup();
    const failing = (err: Error) => metrics.step({ app: 'github', operation: 'suspendAccount', attempt: 1 })(() => Promise.reject(err));
    await expect(failing(ApplicationFailure.create({ type: 'rate-limited', message: 'slow down for ada@example.com' }))).rejects.toThrow();
    await expect(failing(ApplicationFailure.create({ type: 'Weird Type With ada@example.com', message: 'x' }))).rejects.toThrow();
    await expect(failing(new Error('boom'))).rejects.toThrow('boom');
    expect(set.get('jml_connector_step_errors_total', { app: 'github', operation: 'suspendAccount', code: 'rate-limited' })).toBe(1);
    expect(set.get('jml_connector_step_errors_total', { app: 'github', operation: 'suspendAccount', code: 'other' })).toBe(2);
    const text = await set.render();
    expect(text).toContain('jml_connector_step_seconds_count{app="github",operation="suspendAccount",outcome="failed"} 3');
    expect(text).not.toContain('example.com');
  });

  it('guard holds keep only the kind of the guard id, and compensations count by app and outcome', () => {
    const { set, metrics } = setup();
    metrics.guardHeld('bamboohr-acme-4101-terminated:leaver');
    metrics.guardHeld('evt-9:delete');
    metrics.guardHeld('evt-9:bamboohr:4101');
    metrics.compensation('slack', 'applied');
    expect(set.get('jml_guard_holds_total', { kind: 'leaver' })).toBe(1);
    expect(set.get('jml_guard_holds_total', { kind: 'delete' })).toBe(1);
    expect(set.get('jml_guard_holds_total', { kind: 'other' })).toBe(1);
    expect(set.get('jml_compensations_total', { app: 'slack', outcome: 'applied' })).toBe(1);
  });
});
