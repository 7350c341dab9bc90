import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../schemas/audit-record.v1';
import { makeEvent } from '../../test/support/events';
import type { PersonRecord } from '../reconcile/gather';
import { buildAccessReport, renderCsv, renderHtml, renderJson } from './report';

const person = (key: string, over: Partial<PersonRecord['person']>, holdings: PersonRecord['holdings']): PersonRecord => ({
  personKey: key,
  person: { ...makeEvent({ personKey: key, type: 'jml.joiner' }).data.person, ...over },
  holdings,
});
const audit = (personKey: string, appId: string, operation: string, at: string, over: Partial<AuditRecord> = {}): AuditRecord => ({
  schema: 'jml.audit.v1',
  eventId: `e-${at}`,
  personKey,
  appId,
  connector: 'dev-redis',
  operation,
  outcome: 'applied',
  attempt: 1,
  workflowId: `jml/${personKey}/e`,
  at,
  ...over,
});

const ada = person('test:ada', { givenName: 'Ada', familyName: 'Lovelace' }, {
  chat: { status: 'active', entitlements: ['channel:general', 'channel:eng'], externalRef: 'u-1' },
  code: { status: 'disabled', entitlements: [] },
});
const bob = person('test:bob', { givenName: '=HYPERLINK("http://x")', familyName: 'Tables', status: 'terminated' }, { chat: { status: 'disabled', entitlements: [] } });

describe('access report', () => {
  const report = buildAccessReport({
    people: [bob, ada],
    audit: [
      audit('test:ada', 'chat', 'createAccount', '2026-11-02T10:00:00Z'),
      audit('test:ada', 'chat', 'grantAccess', '2026-11-20T10:00:00Z'),
      audit('test:ada', 'chat', 'createAccount', '2026-11-01T09:00:00Z', { outcome: 'failed' }),
      audit('test:ada', 'chat', 'suspendAccount', '2026-12-01T10:00:00Z', { compensation: true }),
      audit('test:bob', 'chat', 'suspendAccount', '2026-11-30T10:00:00Z'),
    ],
    reconciliations: [
      {
        appId: 'chat',
        accounts: 3,
        people: 2,
        unchecked: 0,
        counts: { orphan: 1, zombie: 1, missing: 0, drift: 0, unmanaged: 1, unused: 0 },
        findings: [
          { kind: 'zombie', appId: 'chat', personKey: 'test:bob', externalRef: 'u-2', summary: 'enabled account of test:bob, whose HR status is terminated' },
          { kind: 'orphan', appId: 'chat', personKey: 'test:ghost', externalRef: 'u-9', summary: 'orphan' },
          { kind: 'unmanaged', appId: 'chat', externalRef: 'admin', summary: 'unmanaged' },
        ],
      },
    ],
    now: new Date('2026-12-06T00:00:00Z'),
  });

  it('rows > one per person and app, sorted, with groups, since (first create) and last change (failures and compensations left out)', () => {
    expect(report.rows.map((r) => [r.personKey, r.appId, r.status])).toEqual([
      ['test:ada', 'chat', 'active'],
      ['test:ada', 'code', 'disabled'],
      ['test:bob', 'chat', 'disabled'],
    ]);
    expect(report.rows[0]).toMatchObject({ name: 'Ada Lovelace', account: 'u-1', groups: ['channel:eng', 'channel:general'], since: '2026-11-02T10:00:00Z', lastChange: '2026-11-20T10:00:00Z' });
    expect(report.rows[1]).not.toHaveProperty('since');
    expect(report.rows[2]).toMatchObject({ hrStatus: 'terminated', lastChange: '2026-11-30T10:00:00Z', finding: expect.stringMatching(/^zombie: /) });
    expect(report.unowned).toEqual([
      { appId: 'chat', account: 'admin', kind: 'unmanaged' },
      { appId: 'chat', account: 'u-9', kind: 'orphan', personKey: 'test:ghost' },
    ]);
  });

  it('last used > from the last reconciliation of apps that judge unused accounts: a time, or never; absent where unknown', () => {
    const carol = person('test:carol', {}, { chat: { status: 'active', entitlements: [] } });
    const withUse = buildAccessReport({
      people: [ada, carol],
      reconciliations: [
        {
          appId: 'chat',
          accounts: 2,
          people: 2,
          unchecked: 0,
          counts: { orphan: 0, zombie: 0, missing: 0, drift: 0, unmanaged: 0, unused: 1 },
          findings: [{ kind: 'unused', appId: 'chat', personKey: 'test:carol', externalRef: 'u-3', summary: 'never used', daysUnused: 40 }],
          lastUse: { 'test:ada': '2026-12-05T08:00:00.000Z', 'test:carol': null },
        },
      ],
      now: new Date('2026-12-06T00:00:00Z'),
    });
    expect(withUse.rows.map((r) => [r.personKey, r.appId, r.lastUsed, r.finding?.split(':')[0]])).toEqual([
      ['test:ada', 'chat', '2026-12-05T08:00:00.000Z', undefined],
      ['test:ada', 'code', undefined, undefined],
      ['test:carol', 'chat', 'never', 'unused'],
    ]);
    expect(renderCsv(withUse).split('\r\n')[1]).toContain(',2026-12-05T08:00:00.000Z,');
    expect(renderHtml(withUse)).toContain('"lastUsed":"never"');
  });

  it('filter > --app keeps that app only', () => {
    const only = buildAccessReport({ people: [ada, bob], appIds: ['code'], now: new Date(0) });
    expect(only.rows.map((r) => `${r.personKey}/${r.appId}`)).toEqual(['test:ada/code']);
  });

  it('csv > RFC 4180 quoting, and a cell a spreadsheet would run as a formula is defused', () => {
    const csv = renderCsv(report);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('person,name,HR status,app,account,status,groups,since,last change,last used,last reconciliation');
    expect(lines).toHaveLength(report.rows.length + 2);
    expect(csv).toContain(`"'=HYPERLINK(""http://x"") Tables"`);
    expect(csv).not.toMatch(/,=HYPERLINK/);
  });

  it('json > the report as is', () => {
    expect(JSON.parse(renderJson(report))).toEqual(report);
  });

  it('html > one static page; no value can end the data script or become markup', () => {
    const hostile = person('test:x', { givenName: '</script><img src=x onerror=alert(1)>', familyName: '<b>' }, { chat: { status: 'active', entitlements: [] } });
    const html = renderHtml(buildAccessReport({ people: [hostile], now: new Date(0) }));
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toContain('<img');
    expect(html).toContain('\\u003c/script>\\u003cimg');
    expect(html).not.toMatch(/<(link|iframe)|src="http/);
    expect(html).toContain("default-src 'none'");
  });
});
