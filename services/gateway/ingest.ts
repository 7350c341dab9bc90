import type { Logger } from 'pino';
import { JML_EVENT_SCHEMA_VERSION, type JmlEvent } from '../../schemas/jml-event.v1';
import type { Outgoing } from '../kafka/coalescing-producer';
import { TOPICS } from '../kafka/topics';
import type { Counters } from '../metrics';
import type { Dedupe } from './dedupe';

/** Where accepted and rejected records go; resolves only once Kafka acknowledged them. */
export interface RecordSink {
  send(items: Outgoing[]): Promise<void>;
}

export interface IngestDeps {
  producer: RecordSink;
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
}

export type IngestResult =
  | { status: 'accepted'; accepted: string[]; duplicates: string[] }
  | { status: 'kafka-unavailable' };

/**
 * Accepts a verified delivery's events: drops ids already accepted (when Redis answers), produces the
 * new events to `jml.events.v1` (leavers also to the leaver lane) and the delivery as received to `hr.webhooks.raw.v1` in one coalesced
 * produce, and remembers the ids only after Kafka acknowledged. Never throws for Kafka: the caller
 * answers 503 on `kafka-unavailable`.
 */
export async function ingest(deps: IngestDeps, delivery: Delivery, events: readonly JmlEvent[]): Promise<IngestResult> {
  let duplicates = new Set<string>();
  if (deps.dedupe) {
    try {
      duplicates = await deps.dedupe.seen(events.map((e) => e.id));
    } catch (err) {
      deps.metrics.inc('jml_gateway_dedupe_unavailable_total');
      deps.log.warn({ err: (err as Error).message }, 'edge dedupe unavailable; relying on downstream dedupe');
    }
  }
  const fresh = events.filter((e) => !duplicates.has(e.id));
  const records: Outgoing[] = fresh.flatMap(eventRecords);
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
  try {
    await deps.producer.send(records);
  } catch (err) {
    deps.metrics.inc('jml_gateway_kafka_unavailable_total');
    deps.log.warn({ err: (err as Error).message, route: delivery.route }, 'kafka produce failed');
    return { status: 'kafka-unavailable' };
  }
  // Labelled by route, which is ours (tenants are configured), never by what a sender wrote in an
  // event: a label per sender-chosen value would grow the metrics without bound.
  if (fresh.length > 0) deps.metrics.inc('jml_gateway_events_accepted_total', { route: delivery.route }, fresh.length);
  if (duplicates.size > 0) deps.metrics.inc('jml_gateway_events_duplicate_total', { route: delivery.route }, duplicates.size);
  if (deps.dedupe && fresh.length > 0) {
    await deps.dedupe.remember(fresh.map((e) => e.id)).catch((err: unknown) => {
      deps.metrics.inc('jml_gateway_dedupe_unavailable_total');
      deps.log.warn({ err: (err as Error).message }, 'could not remember accepted ids for edge dedupe');
    });
  }
  return { status: 'accepted', accepted: fresh.map((e) => e.id), duplicates: [...duplicates] };
}

/** The records of one accepted event: on `jml.events.v1`, and for a leaver a copy on the leaver lane. */
export function eventRecords(event: JmlEvent): Outgoing[] {
  const message = {
    key: event.subject,
    value: JSON.stringify(event),
    headers: { 'jml-event-id': event.id, 'jml-event-type': event.type, 'jml-schema-version': JML_EVENT_SCHEMA_VERSION },
  };
  const main: Outgoing = { topic: TOPICS.events, message, event };
  return event.type === 'jml.leaver' ? [main, { topic: TOPICS.priority, message }] : [main];
}
