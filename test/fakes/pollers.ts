import { pino, type Logger } from 'pino';
import type { Dedupe } from '../../services/gateway/dedupe';
import type { RecordSink } from '../../services/gateway/ingest';
import type { Outgoing } from '../../services/kafka/coalescing-producer';
import { TOPICS, type TopicRole } from '../../services/kafka/topics';
import { gatewayCounters } from '../../services/metrics';
import { recordingSink, type PublishedState } from '../../services/pollers/published-state';
import { ingestPublisher } from '../../services/pollers/publish';
import type { PollPorts, SnapshotStore } from '../../sources/sdk/poll';
import { personDigests, type PublishedEntry } from '../../sources/sdk/published-state';
import type { RaasSnapshot } from '../../sources/workday/raas-report';
import type { JmlEvent } from '../../schemas/jml-event.v1';

/**
 * In-memory stand-ins for the pollers' stores, for unit tests. Each follows the contract of the
 * Redis implementation it replaces (services/pollers/), including "newer-or-equal wins" for the
 * ledger; integration tests use the real Redis ones.
 */

/** Kafka as a list: every acknowledged send is appended; `failNext` makes the next send throw. */
export interface MemorySink extends RecordSink {
  readonly sent: Outgoing[];
  failNext(): void;
  /** Events sent to `topic`, parsed. */
  eventsOn(topic: string): JmlEvent[];
}

export function memorySink(): MemorySink {
  const sent: Outgoing[] = [];
  let fail = false;
  return {
    sent,
    failNext() {
      fail = true;
    },
    async send(items) {
      if (fail) {
        fail = false;
        throw new Error('scripted produce failure');
      }
      sent.push(...items);
    },
    eventsOn(topic) {
      return sent.filter((o) => o.topic === topic).map((o) => JSON.parse(String(o.message.value)) as JmlEvent);
    },
  };
}

export function memoryDedupe(): Dedupe & { readonly ids: Set<string> } {
  const ids = new Set<string>();
  return {
    ids,
    async seen(list) {
      return new Set(list.filter((id) => ids.has(id)));
    },
    async remember(list) {
      for (const id of list) ids.add(id);
    },
  };
}

export interface MemoryPublishedState extends PublishedState {
  readonly entries: Map<string, PublishedEntry>;
  /** The next call throws (an unreachable store). */
  failNext(): void;
}

export function memoryPublishedState(): MemoryPublishedState {
  const entries = new Map<string, PublishedEntry>();
  let fail = false;
  const check = () => {
    if (fail) {
      fail = false;
      throw new Error('scripted ledger failure');
    }
  };
  return {
    entries,
    failNext() {
      fail = true;
    },
    async get({ source, subjects }) {
      check();
      return subjects.map((s) => entries.get(`${source}|${s}`));
    },
    async record(events) {
      check();
      for (const e of events) {
        const key = `${e.source}|${e.subject}`;
        const atMs = Date.parse(e.time);
        const current = entries.get(key);
        if (current && current.atMs > atMs) continue;
        entries.set(key, { eventId: e.id, atMs, fields: personDigests(e.data.person) });
      }
    },
  };
}

export interface MemorySnapshotStore extends SnapshotStore {
  readonly snapshots: Map<string, RaasSnapshot>;
  readonly writes: string[];
}

export function memorySnapshotStore(): MemorySnapshotStore {
  const snapshots = new Map<string, RaasSnapshot>();
  const writes: string[] = [];
  const seriesKeys = new Map<string, Set<string>>();
  return {
    snapshots,
    writes,
    async put({ key, snapshot, series }) {
      writes.push(key);
      seriesKeys.set(series, (seriesKeys.get(series) ?? new Set<string>()).add(key));
      // The only snapshots the unit tests store are Workday's.
      snapshots.set(key, structuredClone(snapshot) as RaasSnapshot);
    },
    async get(key) {
      const s = snapshots.get(key);
      return s === undefined ? undefined : structuredClone(s);
    },
    async touch(key) {
      return snapshots.has(key);
    },
    async prune({ series, keep }) {
      const members = seriesKeys.get(series) ?? new Set<string>();
      const stale = [...members].filter((k) => !keep.includes(k));
      for (const k of stale) {
        snapshots.delete(k);
        members.delete(k);
      }
      return stale.length;
    },
  };
}

export interface MemoryPollPortsOptions {
  /** The poll's clock (and the publisher's). */
  now: () => number;
  /** Without a ledger in the ports every observed change is published (default: with one). */
  ledger?: boolean;
  /** Event sources whose published events the ledger records (default: all). */
  track?: (source: string) => boolean;
  /** Default `test`. */
  keyPrefix?: string;
  log?: Logger;
}

/**
 * The poll ports of a source's poll (sources/sdk/poll.ts) as the worker builds them, over in-memory
 * Kafka, dedupe, ledger and snapshot store: events go through the gateway's ingest (same topic,
 * key, headers, edge dedupe, archive), and the ledger records what Kafka acknowledged. Sources may
 * not import services/, so their poll tests get the runtime from here.
 */
export function memoryPollPorts(opts: MemoryPollPortsOptions) {
  const log = opts.log ?? pino({ level: 'silent' });
  const sink = memorySink();
  const dedupe = memoryDedupe();
  const ledger = memoryPublishedState();
  const snapshots = memorySnapshotStore();
  const producer = recordingSink(sink, ledger, { track: opts.track ?? (() => true), log });
  const ports: PollPorts = {
    publisher: ingestPublisher({ producer, dedupe, metrics: gatewayCounters(), log, now: opts.now }),
    ...(opts.ledger === false ? {} : { ledger }),
    snapshots,
    keyPrefix: opts.keyPrefix ?? 'test',
    heartbeat: () => undefined,
    log,
    now: opts.now,
  };
  return {
    ports,
    sink,
    dedupe,
    ledger,
    snapshots,
    /** The events acknowledged on `jml.events.v1`, parsed. */
    events: () => sink.eventsOn(TOPICS.events),
    /** The records acknowledged on one of the pipeline's topics (`raw`, `events`, `dlq`, …). */
    sentOn: (role: TopicRole) => sink.sent.filter((o) => o.topic === TOPICS[role]),
  };
}
