import { describe, expect, it } from 'vitest';
import { ReconcileFinding } from '../../schemas/reconcile-finding.v1';
import { TOPICS } from '../kafka/topics';
import { findingRecords, publishFindings } from './publish';
import type { ReconcileReport } from './run';

const report: ReconcileReport = {
  runId: 'reconcile-2026-12-06T03:00:00.000Z',
  at: '2026-12-06T03:00:00.000Z',
  skipped: [],
  unreadable: [],
  problems: 2,
  apps: [
    {
      appId: 'chat',
      accounts: 2,
      people: 1,
      unchecked: 0,
      counts: { orphan: 1, zombie: 0, missing: 0, drift: 1, unmanaged: 0, unused: 0 },
      findings: [
        { kind: 'orphan', appId: 'chat', personKey: 'test:ghost', externalRef: 'u-9', summary: 'orphan' },
        { kind: 'drift', appId: 'chat', personKey: 'test:ada', externalRef: 'u-1', summary: 'drift', drift: { attributes: ['title'] } },
      ],
    },
    { appId: 'code', accounts: 0, people: 1, unchecked: 0, counts: { orphan: 0, zombie: 0, missing: 0, drift: 0, unmanaged: 0, unused: 0 }, findings: [] },
  ],
};

describe('reconcile findings on Kafka', () => {
  it('records > every finding then one summary per app, keyed by app, each valid against the wire contract', () => {
    const records = findingRecords(report);
    expect(records.map((r) => [r.topic, r.message.key])).toEqual([
      [TOPICS.reconcile, 'chat'],
      [TOPICS.reconcile, 'chat'],
      [TOPICS.reconcile, 'chat'],
      [TOPICS.reconcile, 'code'],
    ]);
    const values = records.map((r) => ReconcileFinding.parse(JSON.parse(String(r.message.value))));
    expect(values.map((v) => v.kind)).toEqual(['orphan', 'drift', 'summary', 'summary']);
    expect(values[2]).toMatchObject({ runId: report.runId, counts: { orphan: 1, drift: 1 }, accounts: 2, unchecked: 0 });
    expect(values[1]?.drift).toEqual({ attributes: ['title'] });
  });

  it('publish > one send with all records; the count it returns is what was sent', async () => {
    const sent: unknown[][] = [];
    expect(await publishFindings({ send: async (items) => void sent.push(items) }, report)).toBe(4);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toHaveLength(4);
  });
});
