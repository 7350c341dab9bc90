import type { Producer, ProducerBatch } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CoalescingProducer } from './coalescing-producer';

/** A stand-in for a kafkajs producer whose batches are acknowledged or failed by the test, one at a time. */
function controllableProducer() {
  const batches: Array<{ batch: ProducerBatch; ack(): void; fail(err: Error): void }> = [];
  const producer = {
    disconnect: async () => undefined,
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

  it('bounds batches > cuts by estimated bytes as well as by count', async () => {
    const { producer, batches } = controllableProducer();
    const p = new CoalescingProducer(producer, { maxBatchBytes: 2_500 });
    const blocker = p.send([msg('a', '0')]);
    await tick();
    const big = (key: string) => ({ topic: 'a', message: { key, value: 'x'.repeat(1_000) } });
    const calls = [p.send([big('1')]), p.send([big('2')]), p.send([big('3')])];
    batches[0]?.ack();
    await blocker;
    await tick();
    expect(batches[1]?.batch.topicMessages?.[0]?.messages.map((m) => m.key)).toEqual(['1', '2']);
    batches[1]?.ack();
    await tick();
    await tick();
    expect(batches[2]?.batch.topicMessages?.[0]?.messages.map((m) => m.key)).toEqual(['3']);
    batches[2]?.ack();
    await Promise.all(calls);
  });

  it('isolates > a call larger than Kafka accepts is refused before it joins a batch; its neighbours go out', async () => {
    const { producer, batches } = controllableProducer();
    const p = new CoalescingProducer(producer, { maxRecordBatchBytes: 5_000 });
    const before = p.send([msg('a', '1')]);
    const huge = p.send([{ topic: 'a', message: { key: 'h', value: 'x'.repeat(6_000) } }]);
    const after = p.send([msg('a', '2')]);
    await expect(huge).rejects.toMatchObject({ name: 'ProducerError', code: 'record-too-large', retryable: false });
    await tick();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.batch.topicMessages?.[0]?.messages.map((m) => m.key)).toEqual(['1', '2']);
    batches[0]?.ack();
    await Promise.all([before, after]);
  });

  it('isolates > a batch refused for particular records is sent again call by call under a new producer id, so only the guilty call fails', async () => {
    const { producer, batches } = controllableProducer();
    const replaced: number[] = [];
    const p = new CoalescingProducer(producer, { newProducer: async () => (replaced.push(batches.length), producer) });
    const calls = [p.send([msg('a', '1')]), p.send([msg('b', 'bad')]), p.send([msg('a', '3')])];
    // Settled from the start: the guilty call rejects while the loop below still drives the others.
    const settled = Promise.allSettled(calls);
    await tick();
    const tooLarge = Object.assign(new Error('The request included a message larger than the max message size the server will accept'), {
      name: 'KafkaJSProtocolError',
      type: 'MESSAGE_TOO_LARGE',
      retriable: false,
    });
    batches[0]?.fail(Object.assign(new Error('wrapped'), { name: 'KafkaJSNonRetriableError', cause: tooLarge }));
    for (const expected of [['a', '1'], ['b', 'bad'], ['a', '3']]) {
      await tick();
      const last = batches[batches.length - 1];
      expect(last?.batch.topicMessages?.map((t) => [t.topic, ...t.messages.map((m) => m.key)])).toEqual([expected]);
      if (expected[1] === 'bad') last?.fail(tooLarge);
      else last?.ack();
    }
    const outcomes = await settled;
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // A new producer (id) after the failed batch (before the first resend) and after the guilty call's own failure.
    expect(replaced).toEqual([1, 3]);
  });

  it('isolates > a batch failed for the broker\'s health fails all its calls at once, without resending', async () => {
    const { producer, batches } = controllableProducer();
    const p = new CoalescingProducer(producer);
    const calls = [p.send([msg('a', '1')]), p.send([msg('a', '2')])];
    await tick();
    batches[0]?.fail(Object.assign(new Error('connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' }));
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(batches).toHaveLength(1);
  });

  it('bounds the queue > over maxQueuedCalls waiting, a call fails at once with queue-full', async () => {
    const { producer, batches } = controllableProducer();
    const p = new CoalescingProducer(producer, { maxQueuedCalls: 2 });
    const inFlight = p.send([msg('a', '0')]);
    await tick();
    const waiting = [p.send([msg('a', '1')]), p.send([msg('a', '2')])];
    await expect(p.send([msg('a', '3')])).rejects.toMatchObject({ code: 'queue-full', retryable: true });
    expect(p.waiting().calls).toBe(2);
    batches[0]?.ack();
    await inFlight;
    await tick();
    batches[1]?.ack();
    await Promise.all(waiting);
    expect(p.waiting()).toEqual({ calls: 0, bytes: 0 });
  });

  it('bounds the queue > over maxQueuedBytes waiting, a call fails at once with queue-full', async () => {
    const { producer, batches } = controllableProducer();
    const p = new CoalescingProducer(producer, { maxQueuedBytes: 3_000 });
    const inFlight = p.send([msg('a', '0')]);
    await tick();
    const kb = (key: string) => ({ topic: 'a', message: { key, value: 'x'.repeat(1_000) } });
    const waiting = [p.send([kb('1')]), p.send([kb('2')])];
    await expect(p.send([kb('3')])).rejects.toMatchObject({ code: 'queue-full' });
    batches[0]?.ack();
    await inFlight;
    await tick();
    batches[1]?.ack();
    await Promise.all(waiting);
  });

  describe('deadline', () => {
    afterEach(() => vi.useRealTimers());

    it('deadline > a call Kafka does not acknowledge in time fails with deadline-exceeded, and one still waiting is never sent', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout'] });
      const { producer, batches } = controllableProducer();
      const p = new CoalescingProducer(producer, { deadlineMs: 2_000 });
      const hung = p.send([msg('a', '1')]);
      const hungResult = hung.catch((err: unknown) => err);
      await tick();
      await vi.advanceTimersByTimeAsync(1_000);
      const queued = p.send([msg('a', '2')]);
      const queuedResult = queued.catch((err: unknown) => err);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await hungResult).toMatchObject({ code: 'deadline-exceeded', retryable: true });
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await queuedResult).toMatchObject({ code: 'deadline-exceeded' });
      expect(p.waiting().calls).toBe(0);
      // The frozen broker answers at last: the expired call is not sent after it, the next one is.
      batches[0]?.ack();
      await tick();
      await tick();
      expect(batches).toHaveLength(1);
      const next = p.send([msg('a', '3')]);
      await tick();
      expect(batches[1]?.batch.topicMessages?.[0]?.messages.map((m) => m.key)).toEqual(['3']);
      batches[1]?.ack();
      await next;
    });
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
