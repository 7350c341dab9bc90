import type { Kafka } from 'kafkajs';
import { AuditRecord } from '../../schemas/audit-record.v1';
import { ReconcileFinding } from '../../schemas/reconcile-finding.v1';
import { readTopic } from '../kafka/read-topic';
import { TOPICS } from '../kafka/topics';
import type { AppReconciliation, FindingKind } from '../reconcile/compare';

/** What the access report reads from Kafka: the audit (for since and last change) and the last reconciliation of each app. */

/** Every audit record the topic still holds (its retention: a year by default); records that break the contract are skipped. */
export async function readAudit(kafka: Kafka, opts: { sinceMs?: number; timeoutMs?: number } = {}): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for (const r of await readTopic({ kafka, topic: TOPICS.audit, ...opts })) {
    const parsed = AuditRecord.safeParse(parseJson(r.value));
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

/**
 * The newest complete run of each app on `jml.reconcile.v1` (a run is complete once its `summary`
 * record is there), rebuilt as the comparison returned it.
 */
export async function readLastReconciliations(kafka: Kafka, opts: { timeoutMs?: number } = {}): Promise<AppReconciliation[]> {
  const records: ReconcileFinding[] = [];
  for (const r of await readTopic({ kafka, topic: TOPICS.reconcile, ...opts })) {
    const parsed = ReconcileFinding.safeParse(parseJson(r.value));
    if (parsed.success) records.push(parsed.data);
  }
  const last = new Map<string, ReconcileFinding>();
  for (const r of records) if (r.kind === 'summary' && (last.get(r.appId)?.at ?? '') <= r.at) last.set(r.appId, r);
  const out: AppReconciliation[] = [];
  for (const [appId, summary] of last) {
    const findings = records
      .filter((r) => r.appId === appId && r.runId === summary.runId && r.kind !== 'summary' && r.kind !== 'last-use')
      .map((r) => ({
        kind: r.kind as FindingKind,
        appId,
        summary: r.summary,
        ...(r.personKey ? { personKey: r.personKey } : {}),
        ...(r.externalRef ? { externalRef: r.externalRef } : {}),
        ...(r.drift ? { drift: r.drift } : {}),
        ...(r.lastUsedAt ? { lastUsedAt: r.lastUsedAt } : {}),
        ...(r.daysUnused !== undefined ? { daysUnused: r.daysUnused } : {}),
      }));
    const uses = records.filter((r) => r.appId === appId && r.runId === summary.runId && r.kind === 'last-use');
    const lastUse = uses.length > 0 ? Object.assign({}, ...uses.map((r) => r.lastUse ?? {})) as Record<string, string | null> : undefined;
    const counts = { orphan: 0, zombie: 0, missing: 0, drift: 0, unmanaged: 0, unused: 0, ...(summary.counts ?? {}) } as Record<FindingKind, number>;
    out.push({
      appId,
      accounts: summary.accounts ?? 0,
      people: 0,
      unchecked: summary.unchecked ?? 0,
      findings,
      counts,
      ...(summary.unusedUnknown ? { unusedUnknown: summary.unusedUnknown } : {}),
      ...(lastUse ? { lastUse } : {}),
    });
  }
  return out.sort((a, b) => (a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : 0));
}

function parseJson(value: Buffer | null): unknown {
  try {
    return value ? (JSON.parse(value.toString('utf8')) as unknown) : undefined;
  } catch {
    return undefined;
  }
}
