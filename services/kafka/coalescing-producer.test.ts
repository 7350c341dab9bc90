import type { Producer, ProducerBatch } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CoalescingProducer } from './coalescing-producer';

/** A stand-in for a kafkajs producer whose batches are acknowledged or failed by the test, one at a time. */
function controllableProducer() {
  const batches: Array<{ batch: ProducerBatch; ack(): void; fail(err: Error): void }> = [];
  const producer = {
    sendBatch: (batch: ProducerBatch) =>
      new Promise((resolve, reject) => {
        batches.push({ batch, ack: () => resolve([]), fail: reject });
      }),
  } as unknown as Producer;
  return { producer, batches };
}

const msg = (topic: string, key: string) => ({ topic, message: { key, value: key } });
const tick = () => new Promise((r) => setImmediate(r));

describe('coalescing producer', () => {
  it('coalesces > sends arriving while a batch is in flight go out together in the next batch', async () => {
    const { producer, batches } = controllableProducer();
    const p = new CoalescingProducer(producer);
    const first = p.send([msg('a', '1')]);
    await tick();
    const rest = [p.send([msg('a', '2')]), p.send([msg('b', '3')]), p.send([msg('a', '4')])];
    await tick();
    expect(batches).toHaveLength(1);
    batches[0]?.ack();
    await first;
    await tick();
    expect(batches).toHaveLength(2);
    expect(batches[1]?.batch.topicMessages?.map((t) => [t.topic, t.messages.map((m) => m.key)])).toEqual([
      ['a', ['2', '4']],
      ['b', ['3']],
    ]);
    expect(batches[1]?.batch.acks).toBe(-1);
    batches[1]?.ack();
    await Promise.all(rest);
  });

  it('acknowledges per batch > a failed batch rejects only its own callers', async () => {
    const { producer, batches } = controllableProducer();
    const p = new CoalescingProducer(producer);
    const first = p.send([msg('a', '1')]);
    await tick();
    const second = p.send([msg('a', '2')]);
    batches[0]?.fail(new Error('broker down'));
    await expect(first).rejects.toThrow('broker down');
    await tick();
    batches[1]?.ack();
    await expect(second).resolves.toBeUndefined();
  });

  it('bounds batches > never more than maxBatchMessages per produce, keeping each call whole', async () => {
    const { producer, batches } = controllableProducer();
    const p = new CoalescingProducer(producer, { maxBatchMessages: 3 });
    const blocker = p.send([msg('a', '0')]);
    await tick();
    const calls = [p.send([msg('a', '1'), msg('a', '2')]), p.send([msg('a', '3'), msg('a', '4')]), p.send([msg('a', '5')])];
    batches[0]?.ack();
    await blocker;
    await tick();
    expect(batches[1]?.batch.topicMessages?.[0]?.messages.map((m) => m.key)).toEqual(['1', '2']);
    batches[1]?.ack();
    await tick();
    await tick();
    expect(batches[2]?.batch.topicMessages?.[0]?.messages.map((m) => m.key)).toEqual(['3', '4', '5']);
    batches[2]?.ack();
    await Promise.all(calls);
  });

  describe('lingering', () => {
    afterEach(() => vi.useRealTimers());

    it('lingers > under load the next batch waits lingerMs and carries the calls that arrived meanwhile', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout'] });
      const { producer, batches } = controllableProducer();
      const p = new CoalescingProducer(producer, { lingerMs: 3 });
      const first = p.send([msg('a', '1')]);
      await tick();
      const second = p.send([msg('a', '2')]);
      batches[0]?.ack();
      await first;
      await tick();
      await tick();
      expect(batches).toHaveLength(1);
      const third = p.send([msg('a', '3')]);
      await vi.advanceTimersByTimeAsync(3);
      await tick();
      expect(batches).toHaveLength(2);
      expect(batches[1]?.batch.topicMessages?.[0]?.messages.map((m) => m.key)).toEqual(['2', '3']);
      batches[1]?.ack();
      await Promise.all([second, third]);
    });

    it('lingers > never for a call that finds the producer idle', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout'] });
      const { producer, batches } = controllableProducer();
      const p = new CoalescingProducer(producer, { lingerMs: 3 });
      const first = p.send([msg('a', '1')]);
      await tick();
      batches[0]?.ack();
      await first;
      await tick();
      const later = p.send([msg('a', '2')]);
      await tick();
      expect(batches).toHaveLength(2);
      batches[1]?.ack();
      await later;
    });
  });
});
