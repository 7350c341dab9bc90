import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import type { Consumer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { DISPATCHER_METRICS } from '../metrics';
import { MetricSet } from '../metrics/metric-set';
import { watchLag } from './dispatcher';

/** Only what watchLag listens to: kafkajs' instrumentation events, emitted by the test. */
function consumerEvents() {
  const emitter = new EventEmitter();
  const events = { START_BATCH_PROCESS: 'start', END_BATCH_PROCESS: 'end', GROUP_JOIN: 'join' };
  const consumer = { events, on: (name: string, fn: (e: unknown) => void) => emitter.on(name, fn) } as unknown as Consumer;
  return { consumer, emit: (name: keyof typeof events, payload: unknown) => emitter.emit(events[name], { payload }) };
}

describe('consumer lag', () => {
  it('is what waits when a batch starts, what lies beyond it when it ends, and forgets partitions a rebalance took away', async () => {
    const metrics = new MetricSet(new Registry(), DISPATCHER_METRICS);
    const { consumer, emit } = consumerEvents();
    watchLag(consumer, 'jml.events.v1', metrics);
    const lag = (partition: number) => metrics.get('jml_dispatcher_consumer_lag', { topic: 'jml.events.v1', partition: String(partition) });
    // Offsets 100..149 fetched, high watermark 200: 100 records wait, 50 beyond this batch.
    emit('START_BATCH_PROCESS', { partition: 0, offsetLagLow: '99', offsetLag: '50' });
    expect(lag(0)).toBe(100);
    emit('END_BATCH_PROCESS', { partition: 0, offsetLagLow: '99', offsetLag: '50' });
    expect(lag(0)).toBe(50);
    emit('END_BATCH_PROCESS', { partition: 1, offsetLagLow: '0', offsetLag: '0' });
    emit('GROUP_JOIN', { memberAssignment: { 'jml.events.v1': [1] } });
    const text = await metrics.render();
    expect(text).not.toContain('partition="0"');
    expect(text).toContain('jml_dispatcher_consumer_lag{topic="jml.events.v1",partition="1"} 0');
  });
});
