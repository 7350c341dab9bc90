import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Counters } from '../metrics';

/**
 * Replay memory of verified deliveries. A signed request captured and re-sent inside the signature
 * window would otherwise be archived again (up to a body limit each) and, for BambooHR, hydrated
 * again before event dedupe could drop it. The first delivery's answer is remembered once it was
 * fully handled (accepted, or rejected and recorded in the DLQ); a repeat gets that answer back,
 * flagged by the `jml-replay: true` header, and does no work. Nothing is remembered for a 5xx, so
 * a sender can retry a failed delivery. Two copies arriving at the same time may both be handled;
 * event dedupe downstream makes that harmless.
 */

/** The answer given to a delivery, kept to answer its replays. */
export interface RememberedAnswer {
  status: number;
  contentType?: string;
  body: string;
}

/** Where delivery answers are kept. Both calls throw when the store is unreachable. */
export interface DeliveryMemory {
  recall(key: string): Promise<RememberedAnswer | undefined>;
  /** Keeps the first answer for `ttlSeconds`; an answer already kept for `key` wins. */
  remember(key: string, answer: RememberedAnswer, ttlSeconds: number): Promise<void>;
}

/** Delivery memory in Redis, one key per delivery, expiring with the signature window. */
export function redisDeliveryMemory(redis: Redis, opts: { keyPrefix?: string } = {}): DeliveryMemory {
  const key = (k: string) => `${opts.keyPrefix ?? 'jml:delivery'}:${k}`;
  return {
    async recall(k) {
      const text = await redis.get(key(k));
      return text === null ? undefined : (JSON.parse(text) as RememberedAnswer);
    },
    async remember(k, answer, ttlSeconds) {
      await redis.set(key(k), JSON.stringify(answer), 'EX', ttlSeconds, 'NX');
    },
  };
}

/**
 * The memory key of a delivery: a digest of the parts that identify it (route first), so that
 * nothing a sender chose becomes part of a Redis key as is. Parts are length-prefixed: no two
 * different lists of parts give the same input.
 */
export function deliveryKey(parts: ReadonlyArray<string | Buffer>): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    hash.update(`${bytes.length}:`).update(bytes);
  }
  return hash.digest('base64url');
}

/**
 * How long a delivery is remembered: a timestamp is accepted from `toleranceSec` before to
 * `toleranceSec` after it, so a copy can arrive up to twice the tolerance after the first one was
 * handled; a minute more covers handling time and clock steps.
 */
export function replayTtlSeconds(toleranceSec: number): number {
  return 2 * toleranceSec + 60;
}

export interface ReplayGuardDeps {
  /** Without a memory every delivery is handled (tests of other concerns). */
  memory?: DeliveryMemory;
  metrics: Counters;
  log: Logger;
}

/** Answers replays from the memory and remembers the answers of first deliveries. */
export class ReplayGuard {
  private readonly pending = new WeakMap<FastifyRequest, { key: string; ttlSeconds: number }>();

  constructor(private readonly deps: ReplayGuardDeps) {}

  /** Registers the hook that remembers answers as they are sent; once per Fastify instance. */
  install(app: FastifyInstance): void {
    app.addHook('onSend', async (req, reply, payload) => {
      const entry = this.pending.get(req);
      if (!entry || !this.deps.memory) return payload;
      this.pending.delete(req);
      // A 5xx is transient: the sender's retry must do the work, not get the failure back.
      if (reply.statusCode >= 500 || typeof payload !== 'string') return payload;
      const contentType = reply.getHeader('content-type');
      const answer: RememberedAnswer = { status: reply.statusCode, body: payload, ...(typeof contentType === 'string' ? { contentType } : {}) };
      await this.deps.memory.remember(entry.key, answer, entry.ttlSeconds).catch((err: unknown) => this.unavailable(err, 'remember'));
      return payload;
    });
  }

  /**
   * Call once the delivery is verified, before any work. Answers a replay (and returns true) or
   * marks the request so that its answer is remembered (and returns false). When the memory is
   * unreachable the delivery is handled as new and the fact is counted.
   */
  async admit(req: FastifyRequest, reply: FastifyReply, opts: { route: string; key: string; ttlSeconds: number }): Promise<boolean> {
    if (!this.deps.memory) return false;
    let earlier: RememberedAnswer | undefined;
    try {
      earlier = await this.deps.memory.recall(opts.key);
    } catch (err) {
      this.unavailable(err, 'recall');
      return false;
    }
    if (!earlier) {
      this.pending.set(req, { key: opts.key, ttlSeconds: opts.ttlSeconds });
      return false;
    }
    this.deps.metrics.inc('jml_gateway_replays_total', { route: opts.route });
    reply.code(earlier.status).header('jml-replay', 'true');
    if (earlier.contentType) reply.header('content-type', earlier.contentType);
    // Not returned: a reply is thenable, and awaiting it would wait for the response to be written.
    void reply.send(earlier.body);
    return true;
  }

  private unavailable(err: unknown, op: 'recall' | 'remember'): void {
    this.deps.metrics.inc('jml_gateway_replay_guard_unavailable_total');
    this.deps.log.warn({ err: (err as Error).message, op }, 'delivery memory unavailable; handling the delivery as new');
  }
}
