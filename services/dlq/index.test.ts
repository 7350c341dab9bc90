import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { dlqOver, isDlqRequestError, parseId } from '.';
import { memoryRedriveMemory } from './redrive-memory';

/** Connections that fail the test if touched: these requests must be refused before any work. */
const untouchable = new Proxy({}, { get: () => { throw new Error('touched a connection'); } });

describe('dlq requests', () => {
  it('ids > are <partition>/<offset>; anything else is refused as id-invalid', () => {
    expect(parseId('3/1042')).toEqual({ partition: 3, offset: '1042' });
    expect(parseId(' 0/0 ')).toEqual({ partition: 0, offset: '0' });
    for (const bad of ['3', '3/', '/1', 'a/1', '3/-1', '3/1/2']) {
      let caught: unknown;
      try {
        parseId(bad);
      } catch (err) {
        caught = err;
      }
      expect([bad, isDlqRequestError(caught) && caught.code]).toEqual([bad, 'id-invalid']);
    }
  });

  it('redrive > without ids, a code or a route, and without all, is refused before Kafka is read', async () => {
    const dlq = dlqOver({ kafka: untouchable as Kafka, redis: untouchable as Redis, producer: { send: async () => undefined }, config: loadConfig({}), memory: memoryRedriveMemory(), log: pino({ level: 'silent' }) });
    await expect(dlq.redrive({})).rejects.toMatchObject({ name: 'DlqRequestError', code: 'selection-empty' });
    await expect(dlq.redrive({ ids: ['nope'] })).rejects.toMatchObject({ code: 'id-invalid' });
    await expect(dlq.show('x')).rejects.toMatchObject({ code: 'id-invalid' });
  });
});
