import type { Logger } from 'pino';
import { JML_EVENT_SCHEMA_VERSION, type JmlEvent } from '../../schemas/jml-event.v1';
import { SECURITY_ACTION_SCHEMA_VERSION, type SecurityAction } from '../../schemas/security-action.v1';
import type { Outgoing } from '../kafka/coalescing-producer';
import { isProducerError } from '../kafka/errors';
import { TOPICS } from '../kafka/topics';
import type { Counters } from '../metrics';
import type { Dedupe } from './dedupe';
import { GatewayRefusal, type GatewayErrorCode } from './errors';
import { recordRejection } from './reject';
import { traceHeaders } from '../tracing/kafka';
import { inSpan, produceSpan } from '../tracing/spans';

/** Where accepted and rejected records go; resolves only once Kafka acknowledged them. */
export interface RecordSink {
  send(items: Outgoing[]): Promise<void>;
}

export interface IngestDeps {
  producer: RecordSink;
  /** Largest serialized event accepted (GATEWAY_MAX_EVENT_BYTES); no cap when absent. */
  maxEventBytes?: number;
  dedupe?: Dedupe;
  metrics: Counters;
  log: Logger;
  now: () => number;
}

/** A delivery as received, for the raw archive. */
export interface Delivery {
  /** Where it came in, from configured values only (`/v1/events`, `/webhooks/bamboohr/<tenant>`); a metric label. */
  route: string;
  body: Buffer;
  contentType: string;
  /** The sender's delivery id when it has one (webhook-id, …). */
  deliveryId?: string;
  /** The request headers its verification read; kept with a dead letter of it (./reject.ts). */
  deliveryHeaders?: Readonly<Record<string, string>>;
  /** When it arrived; now when absent. */
  receivedAtMs?: number;
}

export type IngestResult =
  | { status: 'accepted'; accepted: string[]; duplicates: string[] }
  | { status: 'kafka-unavailable' };

/**
 * Accepts a verified delivery's events: drops ids already accepted (when Redis answers), produces the
 * new events to `jml.events.v1` (leavers also to the leaver lane) and the delivery as received to `hr.webhooks.raw.v1` in one coalesced
 * produce, and remembers the ids only after Kafka acknowledged. The caller answers 503 on
 * `kafka-unavailable`. Security actions (`actions`) go to `jml.security.v1`, deduplicated alike. Throws {@link GatewayRefusal} `event-too-large` (after recording the delivery
 * in the DLQ) for an event over `maxEventBytes` or records Kafka would refuse, and `overloaded` when
 * the producer's queue is full.
 */
export async function ingest(deps: IngestDeps, delivery: Delivery, jmlEvents: readonly JmlEvent[], actions: readonly SecurityAction[] = []): Promise<IngestResult> {
  const events: ReadonlyArray<JmlEvent | SecurityAction> = actions.length > 0 ? [...jmlEvents, ...actions] : jmlEvents;
  const values = new Map(events.map((e) => [e.id, JSON.stringify(e)]));
  if (deps.maxEventBytes !== undefined) {
    const max = deps.maxEventBytes;
    const oversized = oversizedEvents(events, max, values);
    if (oversized.length > 0) await refuse(deps, delivery, 'event-too-large', oversizeReason(oversized, max), { limitBytes: max, events: oversized });
  }
  let duplicates = new Set<string>();
  if (deps.dedupe) {
    try {
      const seen = await deps.dedupe.seen(events.map(dedupeKey));
      duplicates = new Set(events.filter((e) => seen.has(dedupeKey(e))).map((e) => e.id));
    } catch (err) {
      deps.metrics.inc('jml_gateway_dedupe_unavailable_total');
      deps.log.warn({ err: (err as Error).message }, 'edge dedupe unavailable; relying on downstream dedupe');
    }
  }
  const fresh = events.filter((e) => !duplicates.has(e.id));
  const records: Outgoing[] = fresh.flatMap((e) => (isAction(e) ? [actionRecord(e, values.get(e.id))] : eventRecords(e, values.get(e.id))));
  records.push({
    topic: TOPICS.raw,
    message: {
      key: events[0]?.subject ?? delivery.deliveryId ?? null,
      value: delivery.body,
      headers: {
        'jml-route': delivery.route,
        'content-type': delivery.contentType,
        'jml-received-at': new Date(deps.now()).toISOString(),
        'jml-event-ids': events.map((e) => e.id).join(','),
        ...(delivery.deliveryId ? { 'jml-delivery-id': delivery.deliveryId } : {}),
      },
    },
  });
  const produceStart = performance.now();
  try {
    // One span for the delivery's records; each carries its context (traceparent) for the dispatcher.
    await inSpan(produceSpan({ route: delivery.route, records: records.length }), () => deps.producer.send(withTraceHeaders(records)));
    deps.metrics.observe('jml_gateway_kafka_ack_seconds', { route: delivery.route }, (performance.now() - produceStart) / 1000);
  } catch (err) {
    if (isProducerError(err) && err.code === 'record-too-large') {
      await refuse(deps, delivery, 'event-too-large', `the delivery's records exceed what Kafka accepts: ${err.message}`, err.context);
    }
    if (isProducerError(err) && err.code === 'queue-full') {
      deps.metrics.inc('jml_gateway_overloaded_total');
      throw new GatewayRefusal('overloaded');
    }
    deps.metrics.inc('jml_gateway_kafka_unavailable_total');
    deps.log.warn({ err: (err as Error).message, route: delivery.route }, 'kafka produce failed');
    return { status: 'kafka-unavailable' };
  }
  // Labelled by route, which is ours (tenants are configured), never by what a sender wrote in an
  // event: a label per sender-chosen value would grow the metrics without bound.
  if (fresh.length > 0) deps.metrics.inc('jml_gateway_events_accepted_total', { route: delivery.route }, fresh.length);
  if (duplicates.size > 0) deps.metrics.inc('jml_gateway_events_duplicate_total', { route: delivery.route }, duplicates.size);
  if (deps.dedupe && fresh.length > 0) {
    await deps.dedupe.remember(fresh.map(dedupeKey)).catch((err: unknown) => {
      deps.metrics.inc('jml_gateway_dedupe_unavailable_total');
      deps.log.warn({ err: (err as Error).message }, 'could not remember accepted ids for edge dedupe');
    });
  }
  return { status: 'accepted', accepted: fresh.map((e) => e.id), duplicates: [...duplicates] };
}

/** An event over the size cap: its id and the bytes of its record value. */
export interface OversizedEvent {
  id: string;
  bytes: number;
}

/**
 * The size cap (`GATEWAY_MAX_EVENT_BYTES`) of every event that enters the pipeline, from a webhook
 * or a poll: the events whose serialized JSON (the record value) is over `maxBytes` UTF-8 bytes.
 * `values` may hold the serialized events already made, by id.
 */
export function oversizedEvents(events: ReadonlyArray<Pick<JmlEvent, 'id'>>, maxBytes: number, values?: ReadonlyMap<string, string>): OversizedEvent[] {
  return events.flatMap((e) => {
    const bytes = Buffer.byteLength(values?.get(e.id) ?? JSON.stringify(e));
    return bytes > maxBytes ? [{ id: e.id, bytes }] : [];
  });
}

/** The dead letter's reason for {@link oversizedEvents}' answer: `event <id> is <n> bytes; the limit is <max>`, joined by `; `. */
export function oversizeReason(oversized: readonly OversizedEvent[], maxBytes: number): string {
  return oversized.map((o) => `event ${o.id} is ${o.bytes} bytes; the limit is ${maxBytes}`).join('; ');
}

/**
 * What the edge remembers an accepted event by: its person and its id. A sender whose key is
 * limited to some subjects can only ever name those, so it cannot make another sender's event (the
 * same id for another person) look like a duplicate and have it dropped; the person workflow and
 * the event workflow ids (`jml/<personKey>/<eventId>`) dedupe per person too.
 */
export const dedupeKey = (e: Pick<JmlEvent, 'subject' | 'id'>): string => `${e.subject}/${e.id}`;

/**
 * Records the delivery and the reason in the DLQ, then throws {@link GatewayRefusal} `code`; throws
 * `kafka-unavailable` (503) instead when the DLQ record is not acknowledged, so nothing is lost.
 */
async function refuse(deps: IngestDeps, delivery: Delivery, code: GatewayErrorCode, reason: string, details: unknown): Promise<never> {
  const { route, body, deliveryId, deliveryHeaders, contentType, receivedAtMs } = delivery;
  const recorded = await recordRejection(deps, {
    route,
    body,
    ...(deliveryId ? { deliveryId } : {}),
    ...(deliveryHeaders ? { deliveryHeaders, contentType } : {}),
    ...(receivedAtMs !== undefined ? { receivedAtMs } : {}),
    code,
    reason,
  });
  throw new GatewayRefusal(recorded ? code : 'kafka-unavailable', recorded ? details : undefined);
}

/** `records` with the active trace context added to their headers (the same records while tracing is off). */
function withTraceHeaders(records: Outgoing[]): Outgoing[] {
  const trace = traceHeaders();
  if (Object.keys(trace).length === 0) return records;
  return records.map((r) => ({ ...r, message: { ...r.message, headers: { ...r.message.headers, ...trace } } }));
}

const isAction = (e: JmlEvent | SecurityAction): e is SecurityAction => e.type.startsWith('jml.security.');

/** The record of one accepted security action, on `jml.security.v1`. */
export function actionRecord(action: SecurityAction, value: string = JSON.stringify(action)): Outgoing {
  return {
    topic: TOPICS.security,
    message: { key: action.subject, value, headers: { 'jml-event-id': action.id, 'jml-event-type': action.type, 'jml-schema-version': SECURITY_ACTION_SCHEMA_VERSION } },
  };
}

/** The records of one accepted event: on `jml.events.v1`, and for a leaver a copy on the leaver lane. */
export function eventRecords(event: JmlEvent, value: string = JSON.stringify(event)): Outgoing[] {
  const message = {
    key: event.subject,
    value,
    headers: { 'jml-event-id': event.id, 'jml-event-type': event.type, 'jml-schema-version': JML_EVENT_SCHEMA_VERSION },
  };
  const main: Outgoing = { topic: TOPICS.events, message, event };
  return event.type === 'jml.leaver' ? [main, { topic: TOPICS.priority, message }] : [main];
}
