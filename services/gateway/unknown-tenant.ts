import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { UNKNOWN_TENANT_CODE, writeDeadLetter } from '../kafka/dead-letter';
import type { Counters } from '../metrics';
import type { RecordSink } from './ingest';
import { deliveryKey } from './replay-guard';

/**
 * Dead letters of deliveries for a tenant that is not configured (yet). Such a delivery is answered
 * 401 exactly as a wrong signature is (source-route.ts), and is recorded in the DLQ with code
 * `unknown-tenant` and the headers its verification reads, so that once the tenant is configured it
 * can be verified and re-driven (services/dlq/). It is unauthenticated input: anybody can post to
 * `/webhooks/<source>/<any name>`. What an anonymous sender can write is bounded by the body limit,
 * by {@link LetterCap} (per route and minute, and in bytes per minute over all such routes), and it
 * is recorded in the background: the answer waits for neither the cap nor Kafka, so neither its
 * bytes nor its timing tell a configured tenant from another.
 */

/** Per route (source and tenant name) and minute, at most this many dead letters. */
export const DEFAULT_LETTERS_PER_ROUTE_PER_MINUTE = 10;
/**
 * Over every unknown tenant together, at most this many body bytes per minute: dozens of ordinary
 * HR deliveries, and at most about 11 GB over the DLQ's 30 days of a sustained flood.
 */
export const DEFAULT_LETTER_BYTES_PER_MINUTE = 256 * 1024;

export type CapVerdict = 'admitted' | 'route-capped' | 'total-capped';

/** Where the per-minute counts are kept. */
export interface LetterCap {
  /** Counts a letter of `bytes` for `route` in the current minute, unless a cap is reached; throws when the store is unreachable. */
  admit(req: { route: string; bytes: number }): Promise<CapVerdict>;
}

/**
 * Counts per route first: a letter over its route's cap is not counted against the bytes, so one
 * noisy name cannot use up what the others may write. Keys expire after two minutes.
 */
const ADMIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], 120) end
if n > tonumber(ARGV[1]) then return 1 end
local b = redis.call('INCRBY', KEYS[2], ARGV[3])
if b == tonumber(ARGV[3]) then redis.call('EXPIRE', KEYS[2], 120) end
if b > tonumber(ARGV[2]) then return 2 end
return 0
`;

/** The caps in Redis, one counter per route and minute and one byte counter per minute; route names are digested, never used as keys as sent. */
export function redisLetterCap(
  redis: Redis,
  opts: { perRoutePerMinute?: number; bytesPerMinute?: number; keyPrefix?: string; now?: () => number } = {},
): LetterCap {
  const prefix = opts.keyPrefix ?? 'jml:dlq-cap';
  const perRoute = opts.perRoutePerMinute ?? DEFAULT_LETTERS_PER_ROUTE_PER_MINUTE;
  const bytes = opts.bytesPerMinute ?? DEFAULT_LETTER_BYTES_PER_MINUTE;
  const now = opts.now ?? Date.now;
  return {
    async admit(req) {
      const minute = Math.floor(now() / 60_000);
      const verdict = await redis.eval(ADMIT, 2, `${prefix}:route:${deliveryKey([req.route])}:${minute}`, `${prefix}:bytes:${minute}`, perRoute, bytes, req.bytes);
      return verdict === 1 ? 'route-capped' : verdict === 2 ? 'total-capped' : 'admitted';
    },
  };
}

/** A delivery for a tenant that is not configured, as the route saw it. */
export interface UnknownTenantLetter {
  route: string;
  /** Why, in words (names the source and the tenant). */
  reason: string;
  body: Buffer;
  deliveryHeaders: Readonly<Record<string, string>>;
  contentType: string;
  receivedAtMs: number;
}

/** The outcomes counted in `jml_gateway_unconfigured_tenant_letters_total` (a label of ours, never the sender's route). */
export type LetterOutcome = 'recorded' | Exclude<CapVerdict, 'admitted'> | 'store-unavailable' | 'kafka-unavailable';

/** Records {@link UnknownTenantLetter}s in the background, within the {@link LetterCap}. */
export class UnknownTenantLetters {
  private readonly inFlight = new Set<Promise<LetterOutcome>>();

  constructor(private readonly deps: { cap: LetterCap; producer: RecordSink; metrics: Counters; log: Logger }) {}

  /** Starts recording `letter` and returns at once; the outcome is counted (and returned, for tests). */
  record(letter: UnknownTenantLetter): Promise<LetterOutcome> {
    const done = this.write(letter).then((outcome) => {
      this.deps.metrics.inc('jml_gateway_unconfigured_tenant_letters_total', { outcome });
      return outcome;
    });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
    return done;
  }

  /** Resolves once every letter started so far is written or dropped (the gateway waits for it on close). */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async write(letter: UnknownTenantLetter): Promise<LetterOutcome> {
    let verdict: CapVerdict;
    try {
      verdict = await this.deps.cap.admit({ route: letter.route, bytes: letter.body.length });
    } catch (err) {
      // Without the count there is no bound: unauthenticated input is dropped, not written.
      this.deps.log.warn({ err: (err as Error).message }, 'dead-letter cap unavailable; a delivery for an unconfigured tenant was not recorded');
      return 'store-unavailable';
    }
    if (verdict !== 'admitted') return verdict;
    try {
      await writeDeadLetter(this.deps.producer, {
        code: UNKNOWN_TENANT_CODE,
        reason: letter.reason,
        value: letter.body,
        route: letter.route,
        deliveryHeaders: letter.deliveryHeaders,
        contentType: letter.contentType,
        at: letter.receivedAtMs,
      });
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'dead-letter produce failed for a delivery to an unconfigured tenant');
      return 'kafka-unavailable';
    }
    return 'recorded';
  }
}
