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

  it('records > an app judging unused accounts publishes its unused findings with last use and days, and the last use of its accounts before the summary', () => {
    const uses = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`test:p${i}`, i === 0 ? null : '2026-12-01T00:00:00.000Z']));
    const idle: ReconcileReport = {
      ...report,
      apps: [
        {
          appId: 'sso',
          accounts: 501,
          people: 501,
          unchecked: 0,
          counts: { orphan: 0, zombie: 0, missing: 0, drift: 0, unmanaged: 0, unused: 1 },
          findings: [{ kind: 'unused', appId: 'sso', personKey: 'test:p1', externalRef: 'u-1', summary: 'last used', lastUsedAt: '2026-12-01T00:00:00.000Z', daysUnused: 5 }],
          lastUse: uses,
        },
      ],
    };
    const values = findingRecords(idle).map((r) => ReconcileFinding.parse(JSON.parse(String(r.message.value))));
    expect(values.map((v) => v.kind)).toEqual(['unused', 'last-use', 'last-use', 'summary']);
    expect(values[0]).toMatchObject({ lastUsedAt: '2026-12-01T00:00:00.000Z', daysUnused: 5 });
    expect({ ...values[1]?.lastUse, ...values[2]?.lastUse }).toEqual(uses);
    expect(Object.keys(values[1]?.lastUse ?? {})).toHaveLength(500);
  });

  it('publish > one send with all records; the count it returns is what was sent', async () => {
    const sent: unknown[][] = [];
    expect(await publishFindings({ send: async (items) => void sent.push(items) }, report)).toBe(4);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toHaveLength(4);
  });
});
