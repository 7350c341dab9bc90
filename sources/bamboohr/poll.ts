import { z } from 'zod';
import type { PollSummary } from '../../schemas/contracts';
import { personKeyOf, type JmlEvent } from '../../schemas/jml-event.v1';
import { pollRoute, readCursor, type PollRequest } from '../sdk/poll';
import { summarize } from '../sdk/poll-summary';
import { diffDigests, personDigests, statusClass, statusDigest, type PublishedEntry } from '../sdk/published-state';
import type { BambooHrClient, ChangedEmployee } from './api-client';
import { isBambooHrApiError } from './errors';
import type { BambooHrField, BambooHrRecord } from './fields';
import { normalizeBambooHr } from './normalize';
import type { NormalizedChange } from './payload';
import type { BambooHrTenantConfig } from './settings';
import { SNAPSHOT_FIELDS_OF } from './snapshot';
import { formatInstant, parseInstant } from './time';

/**
 * BambooHR's poll cursor: the `since` of the next `GET /employees/changed` (BambooHR's `latest` of
 * the previous answer, canonical UTC). Changes at exactly `since` are listed again; they are
 * recognised as already published (services/pollers/README.md).
 */
export const BambooHrCursor = z.object({
  kind: z.literal('bamboohr'),
  since: z.string().refine((s) => parseInstant(s) !== undefined, 'an instant'),
});
export type BambooHrCursor = z.infer<typeof BambooHrCursor>;

/**
 * One BambooHR reconciliation poll: `GET /employees/changed?since=<cursor>`, then for each changed
 * employee the current record (`GET /employees/{id}`), turned into the event the webhook path would
 * build, and published unless the pipeline already published that state.
 *
 * **Which change is news.** BambooHR's changed list says who changed and when (`lastChanged`), not
 * what. The published-state ledger (sources/sdk/published-state.ts) says what the pipeline last published for
 * each person, by webhook or poll. A change whose current record equals the ledger's entry was
 * delivered (or has been undone since) and is skipped; anything else is published, classified with
 * the fields that differ from the ledger (a mover when a job field differs, a rehire when the
 * ledger knew the person as terminated, …). Without a ledger entry the change is classified as
 * BambooHR's action says, with no field named (a created employee is a joiner; an update is a
 * leaver when the record is terminated, else an update).
 *
 * **Event ids** are the webhook path's (`bambooHrEventId`) over the facts a poll has: source,
 * employee id, JML type, `lastChanged` as the source timestamp, and the API aliases of the fields
 * that differ from the ledger (none for created and deleted employees, as their webhooks name none).
 * The same change polled twice (overlapping `since`, a retried activity) gives the same id and is
 * dropped at the edge; a webhook gives the same id exactly when its `timestamp` equals
 * `lastChanged` and it named the same fields (BambooHR does not document that its webhook
 * timestamp and `lastChanged` agree). See services/pollers/README.md for the limits.
 *
 * The time zone for calendar dates is the tenant's (`config.timeZone`). Without a ledger in the
 * ports every observed change is published (downstream dedupes and converges).
 */
export async function pollBambooHr(req: PollRequest<BambooHrTenantConfig, BambooHrClient>): Promise<PollSummary<BambooHrCursor>> {
  const { tenant, client, ports } = req;
  const cursor = readCursor('bamboohr', BambooHrCursor, req.cursor);
  const notes: string[] = [];
  if (!cursor) {
    // First poll: start reconciling from now. Earlier history is what the webhooks delivered
    // before this poller existed; replaying it would republish everyone.
    notes.push('baseline taken: changes from now on are reconciled');
    const since = formatInstant(Math.floor(ports.now() / 1000) * 1000);
    return summarize({ cursor: { kind: 'bamboohr', since }, position: positionOf(since), at: ports.now(), observed: 0, skipped: 0, notes });
  }
  const source = `/hr/bamboohr/${tenant}`;
  const route = pollRoute('bamboohr', tenant);
  const log = ports.log.child({ source, since: cursor.since });
  const listed = await client.listChangedSince({ since: cursor.since });
  const next: BambooHrCursor = { kind: 'bamboohr', since: laterOf(cursor.since, listed.latest ?? listed.changes.at(-1)?.lastChanged) };
  const position = positionOf(next.since);
  if (listed.changes.length === 0) return summarize({ cursor: next, position, at: ports.now(), observed: 0, skipped: 0, notes });

  let entries: Array<PublishedEntry | undefined> = listed.changes.map(() => undefined);
  if (ports.ledger) {
    try {
      entries = await ports.ledger.get({ source, subjects: listed.changes.map((c) => personKeyOf({ source: 'bamboohr', tenant, employeeId: c.employeeId })) });
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'published-state ledger unavailable; publishing every observed change');
      notes.push('ledger unavailable: every observed change published');
    }
  }

  const events: JmlEvent[] = [];
  let skipped = 0;
  for (const [i, change] of listed.changes.entries()) {
    ports.heartbeat({ employeeId: change.employeeId, done: i, of: listed.changes.length });
    let record: BambooHrRecord = {};
    if (change.action !== 'deleted') {
      try {
        record = await client.getEmployee({ employeeId: change.employeeId });
      } catch (err) {
        // Deleted (or hidden) since it was listed: its deletion is listed by a later poll.
        if (isBambooHrApiError(err) && err.code === 'not-found') {
          skipped += 1;
          continue;
        }
        throw err;
      }
    }
    const built = buildPolledEvent({ tenant, change, record, entry: entries[i], ...(req.config.timeZone ? { timeZone: req.config.timeZone } : {}) });
    if (built.kind === 'event') {
      events.push(built.event);
      for (const w of built.warnings) log.warn({ employeeId: change.employeeId }, w);
    } else if (built.kind === 'published') {
      skipped += 1;
    } else {
      skipped += 1;
      log.warn({ employeeId: change.employeeId, reason: built.reason }, 'changed employee cannot become an event; dead-lettered');
      await ports.publisher.reject({ route, observation: { poll: 'bamboohr', tenant, change }, reason: built.reason });
    }
  }

  const observation = { poll: 'bamboohr', tenant, since: cursor.since, latest: listed.latest ?? null, changes: listed.changes };
  const published = events.length > 0 ? await ports.publisher.publish({ route, observation, events }) : { accepted: [], duplicates: [] };
  log.info({ changes: listed.changes.length, produced: published.accepted.length, duplicates: published.duplicates.length, skipped }, 'bamboohr poll done');
  return summarize({ cursor: next, position, at: ports.now(), observed: listed.changes.length, skipped, notes, ...published });
}

export interface BuildPolledEventRequest {
  tenant: string;
  change: ChangedEmployee;
  /** The current record (empty for a deleted employee). */
  record: BambooHrRecord;
  /** What the pipeline last published for this person, if known. */
  entry?: PublishedEntry;
  timeZone?: string;
}

export type BuildPolledEventResult =
  | { kind: 'event'; event: JmlEvent; warnings: string[] }
  /** The ledger already holds exactly this state. */
  | { kind: 'published'; eventId: string }
  | { kind: 'rejected'; reason: string };

/** Pure: the event a polled change becomes (see {@link pollBambooHr} for the rules). */
export function buildPolledEvent(req: BuildPolledEventRequest): BuildPolledEventResult {
  const { change, entry } = req;
  // An employee the pipeline already published is updated, whatever BambooHR calls the change.
  const action: NormalizedChange['action'] = change.action === 'deleted' ? 'deleted' : change.action === 'inserted' && !entry ? 'created' : 'updated';
  const normalize = (changedFields: string[], previous?: { status: 'terminated' }) =>
    normalizeBambooHr({
      tenant: req.tenant,
      change: { style: 'event-based', action, employeeId: change.employeeId, timestamp: change.lastChanged, changedFields },
      record: req.record,
      receivedAt: change.lastChanged,
      ...(req.timeZone !== undefined && { timeZone: req.timeZone }),
      ...(previous && { previous }),
    });

  const plain = normalize([]);
  if (!plain.ok) return { kind: 'rejected', reason: plain.reason };
  if (!entry || action !== 'updated') return { kind: 'event', event: plain.event, warnings: plain.warnings };

  const diff = diffDigests(entry.fields, personDigests(plain.event.data.person));
  // A record with a termination still ahead is published as terminated by a leaver and as active by
  // any later edit; either status in the ledger is this record's, not a change.
  const atEntry = normalize(['firstName']);
  const sameStatus = atEntry.ok && entry.fields.status === statusDigest(atEntry.event.data.person.status);
  const differing = [...diff.changed, ...diff.completed].filter((f) => !(f === 'status' && sameStatus));
  if (differing.length === 0) return { kind: 'published', eventId: entry.eventId };
  const wasTerminated = entry.fields.status === statusDigest('terminated') && statusClass(plain.event.data.person.status) !== 'terminated';
  const classified = normalize(aliasesOf(differing), wasTerminated ? { status: 'terminated' } : undefined);
  if (!classified.ok) return { kind: 'rejected', reason: classified.reason };
  return { kind: 'event', event: classified.event, warnings: classified.warnings };
}

/** Snapshot field → the BambooHR field (API alias) it is read from; the first alias feeding it wins. */
const ALIAS_OF: ReadonlyMap<string, BambooHrField> = (() => {
  const map = new Map<string, BambooHrField>();
  for (const [alias, fields] of Object.entries(SNAPSHOT_FIELDS_OF) as Array<[BambooHrField, readonly string[]]>) {
    if (alias === 'supervisor') continue; // a display name; supervisorEId carries the id
    for (const f of fields) if (!map.has(f)) map.set(f, alias);
  }
  return map;
})();

/** The BambooHR fields behind these snapshot fields, sorted, without duplicates. */
export function aliasesOf(snapshotFields: readonly string[]): BambooHrField[] {
  return [...new Set(snapshotFields.flatMap((f) => ALIAS_OF.get(f) ?? []))].sort();
}

/** The later of two instants (the cursor never moves back, whatever the API answers). */
function laterOf(since: string, latest: string | undefined): string {
  if (latest === undefined) return since;
  const a = parseInstant(since);
  const b = parseInstant(latest);
  return a !== undefined && b !== undefined && b > a ? latest : since;
}

/** The cursor as the Temporal UI shows it. */
function positionOf(since: string): string {
  return `since \`${since}\``;
}
