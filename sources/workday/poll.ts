import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { canonicalJson } from '../../schemas/canonical-json';
import type { PollSummary, WorkdayCursor } from '../../schemas/contracts';
import type { RaasClient } from '../../sources/workday/raas';
import { diffSnapshots } from '../../sources/workday/raas-diff';
import { snapshotFromReport, type RaasSnapshot } from '../../sources/workday/raas-report';
import { PollerError } from './errors';
import type { PollPublisher } from './publish';
import type { SnapshotStore } from './snapshot-store';
import { summarize } from './summary';

/**
 * One Workday RaaS reconciliation poll: run the report, read it as a snapshot, diff it against the
 * baseline snapshot (raas-diff.ts decides the events and their ids), publish the events, and make
 * the report the next baseline.
 *
 * - First poll (no cursor): the report becomes the baseline; nothing is published (a diff against
 *   nothing would be a joiner for every worker).
 * - Unchanged report (same content digest as the baseline): no event; the baseline's expiry is renewed.
 * - Baseline lost (expired or flushed from Redis): the report becomes the new baseline, nothing is
 *   published, and the summary says `baseline lost`; changes between the two are not reconciled.
 * - Redis keeps two snapshots per tenant: the one the workflow's cursor names and the new one. Each
 *   poll deletes the older ones once the new one is stored and the events are published (a cursor
 *   passed in is one the workflow holds durably; the new one is not yet).
 * - Order: the new snapshot is stored before the events are published and the cursor is returned
 *   only after Kafka acknowledged. A retry after a crash runs the report again and diffs it against
 *   the same baseline: diff ids do not depend on the new report's time, so events already
 *   published come out with the same ids and are dropped at the edge.
 */
export interface WorkdayPollDeps {
  tenant: string;
  client: RaasClient;
  /** Report prompts (query parameters), e.g. a termination look-back. */
  prompts?: Readonly<Record<string, string>>;
  defaultTimeZone: string;
  snapshots: SnapshotStore;
  /** Prefix of snapshot keys; default `jml:poll:v1`. */
  keyPrefix?: string;
  publisher: PollPublisher;
  log: Logger;
  now: () => number;
}

export async function pollWorkdayOnce(deps: WorkdayPollDeps, cursor: WorkdayCursor | undefined): Promise<PollSummary<WorkdayCursor>> {
  const log = deps.log.child({ source: `/hr/workday/${deps.tenant}` });
  const report = await deps.client.fetchReport(deps.prompts ? { prompts: deps.prompts } : {});
  const read = snapshotFromReport({ asOf: report.fetchedAt, entries: report.entries });
  if (!read.ok) throw new PollerError({ code: 'report-invalid', message: read.reason, context: { tenant: deps.tenant } });
  const current = read.snapshot;
  if (current.warnings.length > 0) log.warn({ count: current.warnings.length, first: current.warnings.slice(0, 5) }, 'RaaS rows left alone');
  const observed = report.entries.length;
  const contentDigest = digestOf(current);
  const notes: string[] = [];

  const series = `${deps.keyPrefix ?? 'jml:poll:v1'}:workday:${deps.tenant}:snapshots`;
  if (cursor && cursor.contentDigest === contentDigest) {
    // Nothing changed. Keep the baseline alive; if it expired, this report (same content, the
    // baseline's time) restores it exactly.
    if (!(await deps.snapshots.touch(cursor.snapshotKey))) await deps.snapshots.put({ key: cursor.snapshotKey, snapshot: { ...current, asOf: cursor.asOf }, series });
    await prune(deps, log, series, [cursor.snapshotKey]);
    return summarize({ cursor, at: deps.now(), observed, skipped: 0, notes });
  }

  const key = `${deps.keyPrefix ?? 'jml:poll:v1'}:workday:${deps.tenant}:snapshot:${Date.parse(current.asOf)}-${contentDigest.slice(0, 16)}`;
  const next: WorkdayCursor = { kind: 'workday', asOf: current.asOf, contentDigest, snapshotKey: key, workers: Object.keys(current.workers).length };
  const previous: RaasSnapshot | undefined = cursor ? await deps.snapshots.get(cursor.snapshotKey) : undefined;
  await deps.snapshots.put({ key, snapshot: current, series });
  // The workflow holds `cursor` durably (it passed it in), so every older snapshot is unreachable.
  // The cursor's own stays until a later poll runs with `next`: this poll's result may still be lost.
  const keep = cursor ? [cursor.snapshotKey, key] : [key];
  if (!previous) {
    notes.push(cursor ? 'baseline lost: this report is the new baseline; changes since the old one are not reconciled' : 'baseline taken');
    if (cursor) log.warn({ lost: cursor.snapshotKey }, 'workday baseline snapshot is gone; taking a new one');
    await prune(deps, log, series, keep);
    return summarize({ cursor: next, at: deps.now(), observed, skipped: 0, notes });
  }

  const diff = diffSnapshots({ tenant: deps.tenant, previous, current, defaultTimeZone: deps.defaultTimeZone });
  const route = `/pollers/workday/${deps.tenant}`;
  const observation = { poll: 'workday', tenant: deps.tenant, baselineAsOf: previous.asOf, asOf: current.asOf, rows: observed, unreadable: current.unreadable, skipped: diff.skipped };
  const published = diff.events.length > 0 ? await deps.publisher.publish({ route, observation, events: diff.events }) : { accepted: [], duplicates: [] };
  log.info({ rows: observed, produced: published.accepted.length, duplicates: published.duplicates.length, skipped: diff.skipped.length }, 'workday poll done');
  await prune(deps, log, series, keep);
  return summarize({ cursor: next, at: deps.now(), observed, skipped: diff.skipped.length, notes, ...published });
}

/**
 * Deletes the tenant's snapshots that no cursor can name any more. Best effort: the events are
 * already published, and what is left now is deleted by the next poll's prune (or expires).
 */
async function prune(deps: WorkdayPollDeps, log: Logger, series: string, keep: readonly string[]): Promise<void> {
  try {
    const deleted = await deps.snapshots.prune({ series, keep });
    if (deleted > 0) log.debug({ deleted }, 'older workday baselines deleted');
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not delete older workday baselines; the next poll tries again');
  }
}

/** SHA-256 (32 hex) of what a snapshot says about workers, independent of when it was taken. */
export function digestOf(snapshot: RaasSnapshot): string {
  return createHash('sha256').update(canonicalJson({ workers: snapshot.workers, unreadable: snapshot.unreadable })).digest('hex').slice(0, 32);
}
