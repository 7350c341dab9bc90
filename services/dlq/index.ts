import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { codedErrorClass, isCodedError } from '../../schemas/coded-error';
import type { Config } from '../config';
import { createRedis } from '../connections/redis';
import { redisDedupe } from '../gateway/dedupe';
import type { RecordSink } from '../gateway/ingest';
import { registeredSourceDeliveries } from '../gateway/source-route';
import { createKafka } from '../kafka/client';
import { CoalescingProducer } from '../kafka/coalescing-producer';
import { readDeadLetterRecords } from '../kafka/dead-letter';
import { gatewayCounters } from '../metrics';
import { recordingSink, redisPublishedState } from '../pollers/published-state';
import { ledgerSourcePrefixes, pollerSpecs } from '../pollers/start';
import { serviceRedisOptions } from '../redis';
import { selectLetters, summarize, toEntry, type DeadLetterEntry, type LetterSelection, type LetterSummary } from './letters';
import { redriveLetters, type RedriveReport } from './redrive';
import { redisRedriveMemory, type RedriveMemory, type RedriveOutcome } from './redrive-memory';

export type { DeadLetterEntry, LetterCount, LetterKind, LetterSelection, LetterSummary } from './letters';
export type { RedriveReport, RedriveResult } from './redrive';
export type { RedriveOutcome } from './redrive-memory';

/**
 * Dead letters for operators (`jml dlq list|show|redrive`): read `jml.events.dlq.v1` from its start
 * (or `sinceMs`) to its end with a reader that commits nothing, count the letters by code and route,
 * show one with its headers, reason and body as received, and re-drive deliveries through their
 * source's verification and normalization with the configuration now (./redrive.ts). Functions
 * with typed results; printing is the CLI's.
 */
export interface Dlq {
  /** The letters `req` selects (all by default, letters re-driven before included) and their counts. */
  list(req?: ListRequest): Promise<ListResult>;
  /** One letter by `<partition>/<offset>`, with its body; undefined when the topic has no such record (any more). */
  show(id: string): Promise<DeadLetterEntry | undefined>;
  /** Re-drives the letters `req` selects; see {@link RedriveRequest}. */
  redrive(req: RedriveRequest): Promise<RedriveReport>;
  close(): Promise<void>;
}

export interface ListRequest extends LetterSelection {
  /** Only letters written at or after this instant (epoch ms). */
  sinceMs?: number;
}

export interface ListResult {
  summary: LetterSummary;
  /** The selected letters without their bodies (`show` has them), in topic order. */
  letters: LetterLine[];
}

/** A letter as `list` returns it: everything but the body and the kept request headers. */
export type LetterLine = Omit<DeadLetterEntry, 'body' | 'deliveryHeaders'> & { bodyBytes: number; deliveryHeaderNames: string[] };

export interface RedriveRequest extends LetterSelection {
  sinceMs?: number;
  /** Every letter (with the other filters); without ids, code or route a re-drive must say so. */
  all?: boolean;
}

/** Why the library refuses a request before any work (a usage error for the CLI). */
export const DLQ_REQUEST_ERROR_CODES = {
  'selection-empty': { retryable: false },
  'id-invalid': { retryable: false },
} as const;
export class DlqRequestError extends codedErrorClass('DlqRequestError', DLQ_REQUEST_ERROR_CODES) {}
export const isDlqRequestError = (err: unknown): err is DlqRequestError => isCodedError(err, 'DlqRequestError');

export interface DlqDeps {
  kafka: Kafka;
  /** What re-driven events and archives are produced with. */
  producer: RecordSink;
  redis: Redis;
  /** Tenants and keys as configured now: what re-drives verify with. */
  config: Pick<Config, 'sources' | 'gateway'>;
  memory: RedriveMemory;
  log: Logger;
  now?: () => number;
}

/** The library over connections the caller owns (tests); {@link openDlq} makes them from the configuration. */
export function dlqOver(deps: DlqDeps): Omit<Dlq, 'close'> {
  const now = deps.now ?? Date.now;
  const read = async (range: { sinceMs?: number; at?: { partition: number; offset: string } }): Promise<DeadLetterEntry[]> => {
    const entries = (await readDeadLetterRecords(deps.kafka, range)).map(toEntry);
    const outcomes = await deps.memory.recall(entries).catch((err: unknown): Map<string, RedriveOutcome> => {
      deps.log.warn({ err: (err as Error).message }, 're-drive memory unavailable; letters listed without their re-drive status');
      return new Map();
    });
    return entries.map((e) => {
      const lastRedrive = outcomes.get(e.id);
      return lastRedrive ? { ...e, lastRedrive } : e;
    });
  };
  return {
    async list(req = {}) {
      const selected = selectLetters(await read(req.sinceMs === undefined ? {} : { sinceMs: req.sinceMs }), { ...req, includeRedriven: req.includeRedriven ?? true });
      return { summary: summarize(selected), letters: selected.map(lineOf) };
    },
    async show(id) {
      const at = parseId(id);
      const [entry] = await read({ at });
      return entry;
    },
    async redrive(req) {
      if (!req.all && req.ids === undefined && req.code === undefined && req.route === undefined) {
        throw new DlqRequestError({ code: 'selection-empty', message: 'name the letters to re-drive (ids, a code or a route), or ask for all of them' });
      }
      for (const id of req.ids ?? []) parseId(id);
      // In the order the deliveries arrived, as their senders sent them.
      const letters = selectLetters(await read(req.sinceMs === undefined ? {} : { sinceMs: req.sinceMs }), { ...req, includeRedriven: true }).sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
      const edge = redisDedupe(deps.redis, { ttlSeconds: EDGE_DEDUPE_TTL_SECONDS });
      return redriveLetters(
        {
          deliveries: registeredSourceDeliveries(deps.config.sources),
          producer: deps.producer,
          dedupe: edge,
          maxEventBytes: deps.config.gateway.maxEventBytes,
          memory: deps.memory,
          metrics: gatewayCounters(),
          log: deps.log,
          now,
        },
        letters,
        { includeRedriven: req.includeRedriven ?? false },
      );
    },
  };
}

/** The gateway's edge dedupe window (services/runtime.ts): the same keys, so a re-drive sees what the gateway produced. */
const EDGE_DEDUPE_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Opens the DLQ library on the configured Kafka and Redis: a Kafka client, an idempotent producer
 * (through the pollers' published-state ledger when they track a source, as the gateway's is),
 * and Redis for edge dedupe and the re-drive memory. `close()` closes them.
 */
export async function openDlq(opts: { config: Config; endpoints: { kafkaBrokers: string; redisUrl: string }; log: Logger }): Promise<Dlq> {
  const { config, endpoints, log } = opts;
  const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'jml-dlq', log, security: config.connections.kafka });
  const redis = createRedis(endpoints.redisUrl, config.connections.redis, serviceRedisOptions(config.redis));
  redis.on('error', (err: Error) => log.debug({ err: err.message }, 'redis connection error'));
  const raw = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  try {
    await redis.connect();
    await raw.connect();
  } catch (err) {
    await raw.disconnect().catch(() => undefined);
    redis.disconnect();
    throw err;
  }
  const producer = new CoalescingProducer(raw, { deadlineMs: config.kafka.produceDeadlineMs });
  const tracked = ledgerSourcePrefixes(pollerSpecs(config));
  const sink = tracked.length > 0 ? recordingSink(producer, redisPublishedState(redis), { track: (source) => tracked.some((p) => source.startsWith(p)), log }) : producer;
  const memory = redisRedriveMemory(redis, { ttlSeconds: Math.ceil(config.kafka.topics.retentionMs.dlq / 1000) });
  const dlq = dlqOver({ kafka, producer: sink, redis, config, memory, log });
  return {
    ...dlq,
    async close() {
      await producer.disconnect();
      redis.disconnect();
    },
  };
}

/** The `<partition>/<offset>` of an id; throws {@link DlqRequestError} for anything else. */
export function parseId(id: string): { partition: number; offset: string } {
  const m = /^(\d{1,5})\/(\d{1,19})$/.exec(id.trim());
  if (!m) throw new DlqRequestError({ code: 'id-invalid', message: 'a dead letter is named <partition>/<offset>, as list shows it' });
  return { partition: Number(m[1]), offset: String(BigInt(m[2] as string)) };
}

function lineOf(entry: DeadLetterEntry): LetterLine {
  const { body, deliveryHeaders, ...rest } = entry;
  return { ...rest, bodyBytes: body?.length ?? 0, deliveryHeaderNames: Object.keys(deliveryHeaders) };
}
