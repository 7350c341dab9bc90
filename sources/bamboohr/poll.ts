import type { Logger } from 'pino';
import { personKeyOf, type JmlEvent } from '../../schemas/jml-event.v1';
import type { BambooHrCursor, PollSummary } from '../../schemas/contracts';
import { isBambooHrApiError } from '../../sources/bamboohr/errors';
import type { BambooHrField, BambooHrRecord } from '../../sources/bamboohr/fields';
import type { BambooHrClient, ChangedEmployee } from '../../sources/bamboohr/api-client';
import { normalizeBambooHr } from '../../sources/bamboohr/normalize';
import type { NormalizedChange } from '../../sources/bamboohr/payload';
import { SNAPSHOT_FIELDS_OF } from '../../sources/bamboohr/snapshot';
import { formatInstant, parseInstant } from '../../sources/bamboohr/time';
import { diffDigests, personDigests, statusClass, statusDigest, type PublishedEntry, type PublishedState } from './published-state';
import type { PollPublisher } from './publish';
import { summarize } from './summary';

/**
 * One BambooHR reconciliation poll: `GET /employees/changed?since=<cursor>`, then for each changed
 * employee the current record (`GET /employees/{id}`), turned into the event the webhook path would
 * build, and published unless the pipeline already published that state.
 *
 * **Which change is news.** BambooHR's changed list says who changed and when (`lastChanged`), not
 * what. The published-state ledger (published-state.ts) says what the pipeline last published for
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
 */
export interface BambooHrPollDeps {
  tenant: string;
  client: BambooHrClient;
  /** Tenant's IANA zone for calendar dates. */
  timeZone?: string;
  /** Without it every observed change is published (downstream dedupes and converges). */
  ledger?: PublishedState;
  publisher: PollPublisher;
  log: Logger;
  now: () => number;
  /** Called before each employee (activity heartbeat). */
  heartbeat?: (details: { employeeId: string; done: number; of: number }) => void;
}

export async function pollBambooHrOnce(deps: BambooHrPollDeps, cursor: BambooHrCursor | undefined): Promise<PollSummary<BambooHrCursor>> {
  const notes: string[] = [];
  if (!cursor) {
    // First poll: start reconciling from now. Earlier history is what the webhooks delivered
    // before this poller existed; replaying it would republish everyone.
    notes.push('baseline taken: changes from now on are reconciled');
    return summarize({ cursor: { kind: 'bamboohr', since: formatInstant(Math.floor(deps.now() / 1000) * 1000) }, at: deps.now(), observed: 0, skipped: 0, notes });
  }
  const source = `/hr/bamboohr/${deps.tenant}`;
  const route = `/pollers/bamboohr/${deps.tenant}`;
  const log = deps.log.child({ source, since: cursor.since });
  const listed = await deps.client.listChangedSince({ since: cursor.since });
  const next: BambooHrCursor = { kind: 'bamboohr', since: laterOf(cursor.since, listed.latest ?? listed.changes.at(-1)?.lastChanged) };
  if (listed.changes.length === 0) return summarize({ cursor: next, at: deps.now(), observed: 0, skipped: 0, notes });

  let entries: Array<PublishedEntry | undefined> = listed.changes.map(() => undefined);
  if (deps.ledger) {
    try {
      entries = await deps.ledger.get({ source, subjects: listed.changes.map((c) => personKeyOf({ source: 'bamboohr', tenant: deps.tenant, employeeId: c.employeeId })) });
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'published-state ledger unavailable; publishing every observed change');
      notes.push('ledger unavailable: every observed change published');
    }
  }

  const events: JmlEvent[] = [];
  let skipped = 0;
  for (const [i, change] of listed.changes.entries()) {
    deps.heartbeat?.({ employeeId: change.employeeId, done: i, of: listed.changes.length });
    let record: BambooHrRecord = {};
    if (change.action !== 'deleted') {
      try {
        record = await deps.client.getEmployee({ employeeId: change.employeeId });
      } catch (err) {
        // Deleted (or hidden) since it was listed: its deletion is listed by a later poll.
        if (isBambooHrApiError(err) && err.code === 'not-found') {
          skipped += 1;
          continue;
        }
        throw err;
      }
    }
    const built = buildPolledEvent({ tenant: deps.tenant, change, record, entry: entries[i], ...(deps.timeZone ? { timeZone: deps.timeZone } : {}) });
    if (built.kind === 'event') {
      events.push(built.event);
      for (const w of built.warnings) log.warn({ employeeId: change.employeeId }, w);
    } else if (built.kind === 'published') {
      skipped += 1;
    } else {
      skipped += 1;
      log.warn({ employeeId: change.employeeId, reason: built.reason }, 'changed employee cannot become an event; dead-lettered');
      await deps.publisher.reject({ route, observation: { poll: 'bamboohr', tenant: deps.tenant, change }, reason: built.reason });
    }
  }

  const observation = { poll: 'bamboohr', tenant: deps.tenant, since: cursor.since, latest: listed.latest ?? null, changes: listed.changes };
  const published = events.length > 0 ? await deps.publisher.publish({ route, observation, events }) : { accepted: [], duplicates: [] };
  log.info({ changes: listed.changes.length, produced: published.accepted.length, duplicates: published.duplicates.length, skipped }, 'bamboohr poll done');
  return summarize({ cursor: next, at: deps.now(), observed: listed.changes.length, skipped, notes, ...published });
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

/** Pure: the event a polled change becomes (see {@link pollBambooHrOnce} for the rules). */
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
