import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { canonicalJson } from '../../schemas/canonical-json';
import type { PollSummary } from '../../schemas/contracts';
import { pollRoute, readCursor, type PollPorts, type PollRequest } from '../sdk/poll';
import { PollerError } from '../sdk/poll-error';
import { summarize } from '../sdk/poll-summary';
import type { RaasClient } from './raas';
import { diffSnapshots } from './raas-diff';
import { snapshotFromReport, type RaasSnapshot } from './raas-report';
import type { WorkdayTenantConfig } from './settings';

/**
 * Workday's poll cursor: where the baseline snapshot is. The snapshot itself (megabytes for a large
 * workforce) stays out of workflow history, in the snapshot store under `snapshotKey`; the
 * workflow holds only this.
 */
export const WorkdayCursor = z.object({
  kind: z.literal('workday'),
  /** Canonical UTC instant the baseline report was run. */
  asOf: z.string(),
  /** SHA-256 (32 hex) of the baseline's rows, to skip unchanged reports without reading the store. */
  contentDigest: z.string(),
  snapshotKey: z.string(),
  /** Workers in the baseline (readable rows). */
  workers: z.number().int().nonnegative(),
});
export type WorkdayCursor = z.infer<typeof WorkdayCursor>;

/**
 * One Workday RaaS reconciliation poll: run the report, read it as a snapshot, diff it against the
 * baseline snapshot (raas-diff.ts decides the events and their ids), publish the events, and make
 * the report the next baseline.
 *
 * - First poll (no cursor): the report becomes the baseline; nothing is published (a diff against
 *   nothing would be a joiner for every worker).
 * - Unchanged report (same content digest as the baseline): no event; the baseline's expiry is renewed.
 * - Baseline lost (expired or flushed from the store): the report becomes the new baseline, nothing is
 *   published, and the summary says `baseline lost`; changes between the two are not reconciled.
 * - The store keeps two snapshots per tenant: the one the workflow's cursor names and the new one. Each
 *   poll deletes the older ones once the new one is stored and the events are published (a cursor
 *   passed in is one the workflow holds durably; the new one is not yet).
 * - Order: the new snapshot is stored before the events are published and the cursor is returned
 *   only after Kafka acknowledged. A retry after a crash runs the report again and diffs it against
 *   the same baseline: diff ids do not depend on the new report's time, so events already
 *   published come out with the same ids and are dropped at the edge.
 *
 * The report's prompts (a termination look-back) and the default time zone are the tenant's
 * (`config.raas.prompts`, `config.defaultTimeZone`); the tenant is polled only with a report
 * (`workdaySource.poll.enabled`).
 */
export async function pollWorkday(req: PollRequest<WorkdayTenantConfig, RaasClient>): Promise<PollSummary<WorkdayCursor>> {
  const { tenant, ports } = req;
  const cursor = readCursor('workday', WorkdayCursor, req.cursor);
  const log = ports.log.child({ source: `/hr/workday/${tenant}` });
  const prompts = req.config.raas?.prompts;
  const report = await req.client.fetchReport(prompts ? { prompts } : {});
  const read = snapshotFromReport({ asOf: report.fetchedAt, entries: report.entries });
  if (!read.ok) throw new PollerError({ code: 'report-invalid', message: read.reason, context: { tenant } });
  const current = read.snapshot;
  if (current.warnings.length > 0) log.warn({ count: current.warnings.length, first: current.warnings.slice(0, 5) }, 'RaaS rows left alone');
  const observed = report.entries.length;
  const contentDigest = digestOf(current);
  const notes: string[] = [];

  const series = `${ports.keyPrefix}:workday:${tenant}:snapshots`;
  if (cursor && cursor.contentDigest === contentDigest) {
    // Nothing changed. Keep the baseline alive; if it expired, this report (same content, the
    // baseline's time) restores it exactly.
    if (!(await ports.snapshots.touch(cursor.snapshotKey))) await ports.snapshots.put({ key: cursor.snapshotKey, snapshot: { ...current, asOf: cursor.asOf }, series });
    await prune(ports, log, series, [cursor.snapshotKey]);
    return summarize({ cursor, position: positionOf(cursor), at: ports.now(), observed, skipped: 0, notes });
  }

  const key = `${ports.keyPrefix}:workday:${tenant}:snapshot:${Date.parse(current.asOf)}-${contentDigest.slice(0, 16)}`;
  const next: WorkdayCursor = { kind: 'workday', asOf: current.asOf, contentDigest, snapshotKey: key, workers: Object.keys(current.workers).length };
  // The store gives back what a poll of this tenant put under the key: a RaasSnapshot.
  const previous = cursor ? ((await ports.snapshots.get(cursor.snapshotKey)) as RaasSnapshot | undefined) : undefined;
  await ports.snapshots.put({ key, snapshot: current, series });
  // The workflow holds `cursor` durably (it passed it in), so every older snapshot is unreachable.
  // The cursor's own stays until a later poll runs with `next`: this poll's result may still be lost.
  const keep = cursor ? [cursor.snapshotKey, key] : [key];
  if (!previous) {
    notes.push(cursor ? 'baseline lost: this report is the new baseline; changes since the old one are not reconciled' : 'baseline taken');
    if (cursor) log.warn({ lost: cursor.snapshotKey }, 'workday baseline snapshot is gone; taking a new one');
    await prune(ports, log, series, keep);
    return summarize({ cursor: next, position: positionOf(next), at: ports.now(), observed, skipped: 0, notes });
  }

  const diff = diffSnapshots({ tenant, previous, current, defaultTimeZone: req.config.defaultTimeZone });
  const route = pollRoute('workday', tenant);
  const observation = { poll: 'workday', tenant, baselineAsOf: previous.asOf, asOf: current.asOf, rows: observed, unreadable: current.unreadable, skipped: diff.skipped };
  const published = diff.events.length > 0 ? await ports.publisher.publish({ route, observation, events: diff.events }) : { accepted: [], duplicates: [] };
  log.info({ rows: observed, produced: published.accepted.length, duplicates: published.duplicates.length, skipped: diff.skipped.length }, 'workday poll done');
  await prune(ports, log, series, keep);
  return summarize({ cursor: next, position: positionOf(next), at: ports.now(), observed, skipped: diff.skipped.length, notes, ...published });
}

/**
 * Deletes the tenant's snapshots that no cursor can name any more. Best effort: the events are
 * already published, and what is left now is deleted by the next poll's prune (or expires).
 */
async function prune(ports: PollPorts, log: Logger, series: string, keep: readonly string[]): Promise<void> {
  try {
    const deleted = await ports.snapshots.prune({ series, keep });
    if (deleted > 0) log.debug({ deleted }, 'older workday baselines deleted');
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not delete older workday baselines; the next poll tries again');
  }
}

/** SHA-256 (32 hex) of what a snapshot says about workers, independent of when it was taken. */
export function digestOf(snapshot: RaasSnapshot): string {
  return createHash('sha256').update(canonicalJson({ workers: snapshot.workers, unreadable: snapshot.unreadable })).digest('hex').slice(0, 32);
}

/** The cursor as the Temporal UI shows it. */
function positionOf(cursor: WorkdayCursor): string {
  return `baseline \`${cursor.asOf}\` (${cursor.workers} workers)`;
}
