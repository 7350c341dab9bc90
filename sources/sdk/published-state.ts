import { createHash } from 'node:crypto';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';

/**
 * The published-state ledger as a poll sees it: for each person of a polled source, a digest of the
 * PersonSnapshot in the newest event the pipeline published for them, by whichever path (webhook or
 * poll). It is how a reconciliation poll tells "HR changed and nobody told us" from "a webhook
 * already delivered this": the poll compares HR's current record with the ledger and publishes only
 * a difference. The store (Redis) and the sink that writes it after Kafka acknowledged are the
 * runtime's (services/pollers/published-state.ts); the digests are here, pure, so that both sides
 * compute them alike.
 *
 * - Holds no personal data: one SHA-256 (16 hex) per snapshot field, the status as a class
 *   (`employed` for pre-hire and active, so a start date passing is not a change), event id and time.
 * - Best effort: when the store is away the poll publishes what it sees (downstream dedupes by id
 *   and connectors ensure state), so an outage costs duplicates, never a lost change.
 */
export interface PublishedEntry {
  /** Id of the event this entry came from. */
  eventId: string;
  /** Its `time` (entry moment), epoch ms. */
  atMs: number;
  /** Snapshot field (or `custom.<name>`) → digest of its value; an absent field is unknown. */
  fields: Readonly<Record<string, string>>;
}

/** The ledger's read side: what a poll gets through its ports. */
export interface PublishedStateReader {
  /** The entries of these people (`undefined` for those without one). Throws when the store is unreachable. */
  get(req: { source: string; subjects: readonly string[] }): Promise<Array<PublishedEntry | undefined>>;
}

/** The status as the ledger compares it: pre-hire and active are one class. */
export function statusClass(status: PersonSnapshot['status']): string {
  return status === 'pre-hire' || status === 'active' ? 'employed' : status;
}

/** The ledger's digest of a status (of its class). */
export function statusDigest(status: PersonSnapshot['status']): string {
  return digest(statusClass(status));
}

/** Per-field digests of a snapshot; `custom` attributes are fields of their own (`custom.payGroup`). */
export function personDigests(person: PersonSnapshot): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(person)) {
    if (value === undefined) continue;
    if (key === 'custom') {
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) out[`custom.${name}`] = digest(v);
    } else {
      out[key] = key === 'status' ? statusDigest(value as PersonSnapshot['status']) : digest(value);
    }
  }
  return out;
}

export interface DigestDiff {
  /** Known before and different now (or known before and unknown now). */
  changed: string[];
  /** Unknown before, known now: the record was completed, not changed. */
  completed: string[];
}

/** Which fields differ between a ledger entry and a snapshot's digests; sorted. */
export function diffDigests(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): DigestDiff {
  const changed: string[] = [];
  const completed: string[] = [];
  for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    if (before[key] === after[key]) continue;
    if (before[key] === undefined) completed.push(key);
    else changed.push(key);
  }
  return { changed, completed };
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}
