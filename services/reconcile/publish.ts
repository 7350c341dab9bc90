import { ReconcileFinding } from '../../schemas/reconcile-finding.v1';
import type { Outgoing } from '../kafka/coalescing-producer';
import { TOPICS } from '../kafka/topics';
import type { ReconcileReport } from './run';

/** Anything that produces records (the pipeline's CoalescingProducer, or a plain kafkajs producer behind an adapter). */
export interface RecordSink {
  send(items: Outgoing[]): Promise<void>;
}

const LAST_USE_PER_RECORD = 500;

/**
 * The records of a run on `jml.reconcile.v1`: every finding of every app, the apps' `last-use`
 * records where they judge unused accounts, then one `summary` per app closing it. Each record is checked against the wire contract before it is sent.
 */
export function findingRecords(report: ReconcileReport): Outgoing[] {
  const out: Outgoing[] = [];
  for (const app of report.apps) {
    const base = { schema: 'jml.reconcile.v1' as const, runId: report.runId, appId: app.appId, at: report.at };
    for (const f of app.findings) {
      const record: ReconcileFinding = ReconcileFinding.parse({
        ...base,
        kind: f.kind,
        ...(f.personKey ? { personKey: f.personKey } : {}),
        ...(f.externalRef ? { externalRef: f.externalRef } : {}),
        summary: f.summary,
        ...(f.drift ? { drift: f.drift } : {}),
        ...(f.lastUsedAt ? { lastUsedAt: f.lastUsedAt } : {}),
        ...(f.daysUnused !== undefined ? { daysUnused: f.daysUnused } : {}),
      });
      out.push({ topic: TOPICS.reconcile, message: { key: app.appId, value: JSON.stringify(record) } });
    }
    // Last use of every managed account, in chunks (one record per account would flood the topic).
    const uses = Object.entries(app.lastUse ?? {});
    for (let i = 0; i < uses.length; i += LAST_USE_PER_RECORD) {
      const record = ReconcileFinding.parse({ ...base, kind: 'last-use', summary: `${app.appId}: last use of ${Math.min(LAST_USE_PER_RECORD, uses.length - i)} account(s)`, lastUse: Object.fromEntries(uses.slice(i, i + LAST_USE_PER_RECORD)) });
      out.push({ topic: TOPICS.reconcile, message: { key: app.appId, value: JSON.stringify(record) } });
    }
    const total = app.findings.length;
    const summary = ReconcileFinding.parse({
      ...base,
      kind: 'summary',
      summary: `${app.appId}: ${total} finding(s) in ${app.accounts} account(s) for ${app.people} known people`,
      counts: app.counts,
      accounts: app.accounts,
      unchecked: app.unchecked,
      ...(app.unusedUnknown ? { unusedUnknown: app.unusedUnknown } : {}),
    });
    out.push({ topic: TOPICS.reconcile, message: { key: app.appId, value: JSON.stringify(summary) } });
  }
  return out;
}

/** Publishes a run's findings; resolves once Kafka acknowledged them all. */
export async function publishFindings(sink: RecordSink, report: ReconcileReport): Promise<number> {
  const records = findingRecords(report);
  if (records.length > 0) await sink.send(records);
  return records.length;
}
