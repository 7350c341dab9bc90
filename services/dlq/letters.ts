import { DEAD_LETTER_HEADERS, readDeadLetterHeaders, readDeliveryHeaders } from '../kafka/dead-letter';
import type { TopicRecord } from '../kafka/read-topic';
import type { RedriveOutcome } from './redrive-memory';

/** Who dead-lettered a record, which decides what a re-drive can do with it. */
export type LetterKind =
  /** A delivery to a webhook route (`/v1/events`, `/webhooks/<source>/<tenant>`): can be verified again. */
  | 'delivery'
  /** A reconciliation poll's observation (`/pollers/<source>/<tenant>`). */
  | 'poll'
  /** An events-topic record the dispatcher could not read (`jml-origin`). */
  | 'dispatcher'
  /** Headers that do not follow the dead-letter schema. */
  | 'unreadable';

/** A dead letter as read back from `jml.events.dlq.v1`. */
export interface DeadLetterEntry {
  /** `<partition>/<offset>`: how `show` and `redrive` name it. */
  id: string;
  partition: number;
  offset: string;
  kind: LetterKind;
  /** `jml-reject-code`; `unreadable` when the headers break the schema. */
  code: string;
  reason: string;
  /** When the delivery arrived (gateway) or the record was dead-lettered (others), ISO-8601; Kafka's timestamp when unreadable. */
  receivedAt: string;
  /** Where the input came in; for a dispatcher letter, `origin:<topic>`. */
  route: string;
  origin?: string;
  /** The record key as text (a delivery id, a person key), when there is one. */
  key?: string;
  contentType?: string;
  /** The request headers kept for verification; empty for letters of polls and the dispatcher, and for deliveries dead-lettered before they were kept. */
  deliveryHeaders: Record<string, string>;
  /** The input as received. */
  body: Buffer | null;
  /** The last re-drive of this letter, when one was made (redrive-memory.ts). */
  lastRedrive?: RedriveOutcome;
}

/** A record of the DLQ topic as an entry; never throws (a record that breaks the schema is `unreadable`). */
export function toEntry(record: TopicRecord): DeadLetterEntry {
  const base = { id: `${record.partition}/${record.offset}`, partition: record.partition, offset: record.offset, body: record.value, ...(record.key ? { key: record.key.toString('utf8') } : {}) };
  try {
    const h = readDeadLetterHeaders(record.headers);
    const route = h[DEAD_LETTER_HEADERS.route];
    const origin = h[DEAD_LETTER_HEADERS.origin];
    const contentType = h[DEAD_LETTER_HEADERS.contentType];
    return {
      ...base,
      kind: origin !== undefined ? 'dispatcher' : route?.startsWith('/pollers/') ? 'poll' : 'delivery',
      code: h[DEAD_LETTER_HEADERS.code],
      reason: h[DEAD_LETTER_HEADERS.reason],
      receivedAt: h[DEAD_LETTER_HEADERS.receivedAt],
      route: route ?? `origin:${(origin ?? '').split('/')[0]}`,
      ...(origin !== undefined ? { origin } : {}),
      ...(contentType !== undefined ? { contentType } : {}),
      deliveryHeaders: readDeliveryHeaders(h),
    };
  } catch (err) {
    return {
      ...base,
      kind: 'unreadable',
      code: 'unreadable',
      reason: `the record's headers break the dead-letter schema: ${(err as Error).message.slice(0, 300)}`,
      receivedAt: new Date(record.timestamp).toISOString(),
      route: '(none)',
      deliveryHeaders: {},
    };
  }
}

/** Which dead letters a command works on; every given filter must match. */
export interface LetterSelection {
  /** `<partition>/<offset>` ids. */
  ids?: readonly string[];
  code?: string;
  /** A route as recorded, or a prefix of routes ending in `*` (`/webhooks/workday/*`). */
  route?: string;
  /** Also letters a re-drive already produced (redrive: edge dedupe still keeps their events from being produced twice). */
  includeRedriven?: boolean;
}

/** The entries `selection` names, in topic order. */
export function selectLetters(entries: readonly DeadLetterEntry[], selection: LetterSelection): DeadLetterEntry[] {
  const ids = selection.ids ? new Set(selection.ids) : undefined;
  const route = selection.route;
  const routeMatches = (r: string) => route === undefined || (route.endsWith('*') ? r.startsWith(route.slice(0, -1)) : r === route);
  return entries.filter(
    (e) =>
      (ids === undefined || ids.has(e.id)) &&
      (selection.code === undefined || e.code === selection.code) &&
      routeMatches(e.route) &&
      (selection.includeRedriven === true || e.lastRedrive?.status !== 'redriven'),
  );
}

/** One line of {@link summarize}: how many letters share a code and a route, and what re-drives made of them. */
export interface LetterCount {
  code: string;
  route: string;
  kind: LetterKind;
  count: number;
  /** Letters a re-drive produced. */
  redriven: number;
  /** Letters whose last re-drive failed (they wait for another fix). */
  failed: number;
  /** Earliest and latest `receivedAt`. */
  first: string;
  last: string;
}

export interface LetterSummary {
  total: number;
  /** Letters not yet re-driven successfully. */
  waiting: number;
  byCode: Record<string, number>;
  /** Most letters first, then by code and route. */
  counts: LetterCount[];
}

/** Counts by code and route. */
export function summarize(entries: readonly DeadLetterEntry[]): LetterSummary {
  const lines = new Map<string, LetterCount>();
  const byCode: Record<string, number> = {};
  let waiting = 0;
  for (const e of entries) {
    byCode[e.code] = (byCode[e.code] ?? 0) + 1;
    if (e.lastRedrive?.status !== 'redriven') waiting += 1;
    const key = `${e.code}\n${e.route}`;
    const line = lines.get(key) ?? { code: e.code, route: e.route, kind: e.kind, count: 0, redriven: 0, failed: 0, first: e.receivedAt, last: e.receivedAt };
    line.count += 1;
    if (e.lastRedrive?.status === 'redriven') line.redriven += 1;
    if (e.lastRedrive?.status === 'failed') line.failed += 1;
    if (e.receivedAt < line.first) line.first = e.receivedAt;
    if (e.receivedAt > line.last) line.last = e.receivedAt;
    lines.set(key, line);
  }
  const counts = [...lines.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code) || a.route.localeCompare(b.route));
  return { total: entries.length, waiting, byCode, counts };
}
