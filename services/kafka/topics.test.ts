import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { RECORD_HEADROOM_BYTES, sizeLimitProblems } from './topics';

/** Kafka's default `message.max.bytes`, which every topic inherits unless set. */
const KAFKA_DEFAULT = 1_048_588;
const everywhere = (bytes: number) => ({ raw: bytes, events: bytes, priority: bytes, dlq: bytes, audit: bytes, reconcile: bytes, security: bytes });

describe('size limits against Kafka', () => {
  it('defaults > the default body and event limits fit a broker with default settings', () => {
    expect(sizeLimitProblems(loadConfig({}).gateway, everywhere(KAFKA_DEFAULT))).toEqual([]);
  });

  it('refuses > a body limit that with our headers would not fit the raw archive or the DLQ, naming the variable and the most it may be', () => {
    const limits = { ...everywhere(KAFKA_DEFAULT), dlq: 500_000 };
    expect(sizeLimitProblems({ bodyLimitBytes: 600_000, maxEventBytes: 1_000 }, limits)).toEqual([
      `GATEWAY_BODY_LIMIT_BYTES is 600000 but hr.webhooks.raw.v1 and jml.events.dlq.v1 accept records of 500000 bytes (max.message.bytes); set it to at most ${500_000 - RECORD_HEADROOM_BYTES}`,
    ]);
    expect(sizeLimitProblems({ bodyLimitBytes: 500_000 - RECORD_HEADROOM_BYTES, maxEventBytes: 1_000 }, limits)).toEqual([]);
  });

  it('refuses > an event limit the event topics would not hold', () => {
    const limits = { ...everywhere(KAFKA_DEFAULT), priority: 50_000 };
    expect(sizeLimitProblems({ bodyLimitBytes: 1_000, maxEventBytes: 64 * 1024 }, limits)).toEqual([
      `GATEWAY_MAX_EVENT_BYTES is 65536 but the event topics accept records of 50000 bytes; set it to at most ${50_000 - RECORD_HEADROOM_BYTES}`,
    ]);
  });
});
