import type { Logger } from 'pino';
import type { RejectedItem } from '../../sources/sdk/define';
import type { Dedupe } from '../gateway/dedupe';
import { GATEWAY_ERRORS, GatewayRefusal } from '../gateway/errors';
import type { IngestDeps, RecordSink } from '../gateway/ingest';
import type { DeliveryRequest, SourceDelivery } from '../gateway/source-route';
import type { Outgoing } from '../kafka/coalescing-producer';
import { DEAD_LETTER_HEADERS, readDeadLetterHeaders, UNKNOWN_TENANT_CODE } from '../kafka/dead-letter';
import { TOPICS } from '../kafka/topics';
import type { Counters } from '../metrics';
import type { DeadLetterEntry } from './letters';
import type { RedriveMemory, RedriveOutcome } from './redrive-memory';

/**
 * Re-drive of dead letters: a delivery dead-lettered by the gateway goes again through its source's
 * delivery path (services/gateway/source-route.ts, `SourceDelivery`: the very verify, parse,
 * hydrate, normalize and ingest of a live delivery) with the configuration as it is now, e.g. with
 * the tenant that was missing. Nothing skips verification:
 *
 * - The signature is checked with the tenant's keys over the body and the request headers the
 *   dead letter kept. A letter without them (dead-lettered before they were kept) is refused.
 * - The signed timestamp is checked, with the source's usual tolerance, against the letter's
 *   `receivedAt` rather than against now. That is the gateway's own clock reading when the delivery
 *   arrived, written by the gateway into a topic only the pipeline writes: the check proves what the
 *   live check proves, that the sender signed the delivery within the window of its arrival. A
 *   captured delivery re-sent later is a new arrival with its own `receivedAt` and fails the check
 *   there; the re-drive cannot move it, since it reads `receivedAt` only from the DLQ record.
 * - Its events are then produced exactly as a live delivery's: edge dedupe by person and event id
 *   drops those already produced (by an earlier re-drive, or by the sender's own redelivery once
 *   the tenant was configured), and the delivery is archived in `hr.webhooks.raw.v1`.
 *
 * A letter that still fails is not written to the DLQ again (it is already there, and a re-drive
 * that wrote its failures would feed the next one): its new code and reason are returned and
 * remembered (./redrive-memory.ts), and `list`/`show` report them. Letters of polls and of the
 * dispatcher are refused with the reason and what to do instead.
 */

export interface RedriveDeps {
  /** Every source's delivery path with the configuration now (`registeredSourceDeliveries(config.sources)`). */
  deliveries: readonly SourceDelivery[];
  /** Where events and the raw archive go: the gateway's sink (with the pollers' ledger when they track the source). */
  producer: RecordSink;
  /** The gateway's edge dedupe; re-driving a letter twice produces its events once because of it. */
  dedupe?: Dedupe;
  maxEventBytes?: number;
  memory: RedriveMemory;
  metrics: Counters;
  log: Logger;
  now: () => number;
}

/** What became of one letter. */
export type RedriveResult = { id: string; route: string; letterCode: string } & (
  | { status: 'redriven'; accepted: string[]; duplicates: string[]; rejected: RejectedItem[] }
  /** Verification, parsing, normalization or the produce failed again; the letter waits for another fix. */
  | { status: 'failed'; code: string; reason: string }
  /** Not a delivery that can be verified again (a poll's, the dispatcher's, or kept without its headers). */
  | { status: 'refused'; reason: string }
  /** Re-driven before (`includeRedriven` re-drives it anyway). */
  | { status: 'skipped'; reason: string; previous: RedriveOutcome }
);

/** The letters' results in topic order, and the totals. */
export interface RedriveReport {
  results: RedriveResult[];
  totals: Record<RedriveResult['status'], number>;
  /** Event ids produced now, over all letters. */
  accepted: string[];
}

/**
 * Re-drives `letters` one after the other, in topic order. `includeRedriven` also takes letters a
 * re-drive already produced. Throws only when the re-drive memory cannot be read (Redis down).
 */
export async function redriveLetters(deps: RedriveDeps, letters: readonly DeadLetterEntry[], opts: { includeRedriven?: boolean } = {}): Promise<RedriveReport> {
  const previous = await deps.memory.recall(letters);
  const results: RedriveResult[] = [];
  for (const letter of letters) {
    const before = previous.get(letter.id);
    if (before?.status === 'redriven' && opts.includeRedriven !== true) {
      results.push({ ...head(letter), status: 'skipped', reason: `re-driven at ${before.at}`, previous: before });
      continue;
    }
    const result = await redriveOne(deps, letter);
    if (result.status === 'redriven' || result.status === 'failed') {
      const at = new Date(deps.now()).toISOString();
      const outcome: RedriveOutcome =
        result.status === 'redriven'
          ? { status: 'redriven', at, accepted: result.accepted, duplicates: result.duplicates, rejected: result.rejected }
          : { status: 'failed', at, code: result.code, reason: result.reason };
      await deps.memory.remember(letter, outcome).catch((err: unknown) => deps.log.warn({ id: letter.id, err: (err as Error).message }, 'could not remember a re-drive outcome'));
    }
    results.push(result);
  }
  const totals = { redriven: 0, failed: 0, refused: 0, skipped: 0 };
  for (const r of results) totals[r.status] += 1;
  return { results, totals, accepted: results.flatMap((r) => (r.status === 'redriven' ? r.accepted : [])) };
}

const head = (letter: DeadLetterEntry) => ({ id: letter.id, route: letter.route, letterCode: letter.code });

/** Re-drives one letter; never throws. */
export async function redriveOne(deps: RedriveDeps, letter: DeadLetterEntry): Promise<RedriveResult> {
  const refused = (reason: string): RedriveResult => ({ ...head(letter), status: 'refused', reason });
  const failed = (code: string, reason: string): RedriveResult => ({ ...head(letter), status: 'failed', code, reason });
  if (letter.kind === 'dispatcher') {
    return refused(
      `the dispatcher dead-lettered an events-topic record it could not read (${letter.origin ?? '?'}); the record was verified when it entered the pipeline and is not produced again from here: run a dispatcher that reads it, or have the sender deliver the event again`,
    );
  }
  if (letter.kind === 'poll') {
    return refused(`a poll's observation, not a signed delivery: there is nothing to verify it with; the next poll of ${letter.route.slice('/pollers/'.length)} reconciles the people it names again`);
  }
  if (letter.kind === 'unreadable') return refused(letter.reason);
  const path = deps.deliveries.map((d) => ({ d, tenant: d.tenantOfRoute(letter.route) })).find((p) => p.tenant !== undefined);
  if (!path || path.tenant === undefined) return refused(`no source serves the route ${letter.route} any more`);
  if (Object.keys(letter.deliveryHeaders).length === 0 || letter.body === null) {
    return refused('dead-lettered without the request headers its signature is checked with (before they were kept), so it cannot be verified again: ask the sender to deliver it again');
  }
  const { d: delivery, tenant } = path;
  const request: DeliveryRequest = {
    tenant,
    body: letter.body,
    contentType: letter.contentType ?? '',
    header: (name) => letter.deliveryHeaders[name],
    receivedAtMs: Date.parse(letter.receivedAt),
  };
  if (!delivery.takes(request.contentType)) return failed('unsupported-media-type', GATEWAY_ERRORS['unsupported-media-type'].message);
  const verification = delivery.verify(request);
  if (!verification.ok) {
    if (!verification.tenantConfigured) return failed(UNKNOWN_TENANT_CODE, `${delivery.source.title} has no tenant '${tenant}' configured yet`);
    const why = verification.failure === 'timestamp-out-of-window' ? ` (checked against the arrival at ${letter.receivedAt})` : '';
    return failed(verification.failure, `${GATEWAY_ERRORS[verification.failure].message}${why}`);
  }
  const sink = capturingSink(deps.producer);
  const ingestDeps: IngestDeps = {
    producer: sink,
    ...(deps.dedupe ? { dedupe: deps.dedupe } : {}),
    ...(deps.maxEventBytes !== undefined ? { maxEventBytes: deps.maxEventBytes } : {}),
    metrics: deps.metrics,
    log: deps.log,
    now: deps.now,
  };
  try {
    const outcome = await delivery.process(ingestDeps, verification.delivery);
    if (outcome.status === 'rejected') return failed(outcome.code, outcome.reason);
    if (outcome.status === 'unavailable') return failed(outcome.code, `${GATEWAY_ERRORS[outcome.code].message}`);
    return { ...head(letter), status: 'redriven', accepted: [...outcome.accepted], duplicates: [...outcome.duplicates], rejected: [...outcome.rejected] };
  } catch (err) {
    if (err instanceof GatewayRefusal) return failed(err.code, sink.reasons().join('; ') || err.message);
    deps.log.warn({ id: letter.id, err: (err as Error).message }, 're-drive of a dead letter failed');
    return failed('internal', (err as Error).message);
  }
}

/**
 * The producer a re-drive ingests with: events and the raw archive go to Kafka; a dead letter the
 * delivery path would write again is kept back, and its reason becomes the re-drive's result.
 */
function capturingSink(inner: RecordSink): RecordSink & { reasons(): string[] } {
  const kept: Outgoing[] = [];
  return {
    async send(items) {
      kept.push(...items.filter((o) => o.topic === TOPICS.dlq));
      const rest = items.filter((o) => o.topic !== TOPICS.dlq);
      if (rest.length > 0) await inner.send(rest);
    },
    reasons: () => kept.map((o) => readDeadLetterHeaders(o.message.headers)[DEAD_LETTER_HEADERS.reason]),
  };
}
