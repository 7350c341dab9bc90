import type { AuditRecord } from '../../schemas/audit-record.v1';
import type { AppReconciliation } from '../reconcile/compare';
import type { PersonRecord } from '../reconcile/gather';

/**
 * The access report (issue 15): who has what where. One row per person and app the pipeline knows
 * of: the account, its status and groups as the person workflow holds them, since when and when it
 * last changed (from the audit topic), and what the last reconciliation found in the app itself.
 *
 * The report is a file an operator makes on purpose for an auditor, so it names people (person key
 * and display name); it is never logged. Rendered as JSON, CSV or one static HTML page.
 */
export interface AccessRow {
  personKey: string;
  /** Preferred or given name and family name, as HR last said. */
  name: string;
  /** HR status of the person (active, on-leave, terminated, pre-hire). */
  hrStatus: string;
  appId: string;
  /** The app's own id of the account, when a step reported one. */
  account?: string;
  status: 'active' | 'disabled' | 'deleted';
  groups: string[];
  /** First time the pipeline created or adopted the account (audit), ISO. */
  since?: string;
  /** Last change the pipeline made to the account (audit), ISO. */
  lastChange?: string;
  /** What the last reconciliation of the app found for this person, when anything. */
  finding?: string;
  /**
   * When the account was last used, as the app told the last reconciliation (apps whose policy says
   * `unused`): an ISO time, `never` (not since it was created), or absent where unknown.
   */
  lastUsed?: string;
}

export interface AccessReport {
  generatedAt: string;
  rows: AccessRow[];
  /** Accounts found in the apps that no row covers (orphans, unmanaged), from the last reconciliation. */
  unowned: Array<{ appId: string; account: string; kind: string; personKey?: string }>;
}

const CHANGES = new Set(['applied', 'adopted']);

/** Builds the report from the people (person workflows), the audit records read so far, and the apps' last reconciliations. */
export function buildAccessReport(req: {
  people: readonly PersonRecord[];
  audit?: Iterable<AuditRecord>;
  reconciliations?: readonly AppReconciliation[];
  appIds?: readonly string[];
  now: Date;
}): AccessReport {
  const only = req.appIds ? new Set(req.appIds) : undefined;
  const times = new Map<string, { since?: string; lastChange?: string }>();
  for (const r of req.audit ?? []) {
    if (!CHANGES.has(r.outcome) || r.compensation) continue;
    const key = `${r.personKey}\u0000${r.appId}`;
    const t = times.get(key) ?? {};
    if (r.operation === 'createAccount' && (t.since === undefined || r.at < t.since)) t.since = r.at;
    if (t.lastChange === undefined || r.at > t.lastChange) t.lastChange = r.at;
    times.set(key, t);
  }
  const findings = new Map<string, string>();
  const lastUsed = new Map<string, string>();
  const unowned: AccessReport['unowned'] = [];
  for (const rec of req.reconciliations ?? []) {
    if (only && !only.has(rec.appId)) continue;
    for (const [personKey, at] of Object.entries(rec.lastUse ?? {})) lastUsed.set(`${personKey}\u0000${rec.appId}`, at ?? 'never');
    for (const f of rec.findings) {
      if (f.kind === 'orphan' || f.kind === 'unmanaged') unowned.push({ appId: rec.appId, account: f.externalRef ?? '', kind: f.kind, ...(f.personKey ? { personKey: f.personKey } : {}) });
      else if (f.personKey) findings.set(`${f.personKey}\u0000${rec.appId}`, `${f.kind}: ${f.summary}`);
    }
  }
  const rows: AccessRow[] = [];
  for (const p of req.people) {
    for (const [appId, h] of Object.entries(p.holdings)) {
      if (only && !only.has(appId)) continue;
      const key = `${p.personKey}\u0000${appId}`;
      const t = times.get(key) ?? {};
      rows.push({
        personKey: p.personKey,
        name: `${p.person.preferredName ?? p.person.givenName} ${p.person.familyName}`.trim(),
        hrStatus: p.person.status,
        appId,
        ...(h.externalRef ? { account: h.externalRef } : {}),
        status: h.status,
        groups: [...h.entitlements].sort(),
        ...(t.since ? { since: t.since } : {}),
        ...(t.lastChange ? { lastChange: t.lastChange } : {}),
        ...(findings.has(key) ? { finding: findings.get(key) } : {}),
        ...(lastUsed.has(key) ? { lastUsed: lastUsed.get(key) } : {}),
      });
    }
  }
  rows.sort((a, b) => cmp(a.personKey, b.personKey) || cmp(a.appId, b.appId));
  unowned.sort((a, b) => cmp(a.appId, b.appId) || cmp(a.account, b.account));
  return { generatedAt: req.now.toISOString(), rows, unowned };
}

const COLUMNS: Array<[keyof AccessRow, string]> = [
  ['personKey', 'person'],
  ['name', 'name'],
  ['hrStatus', 'HR status'],
  ['appId', 'app'],
  ['account', 'account'],
  ['status', 'status'],
  ['groups', 'groups'],
  ['since', 'since'],
  ['lastChange', 'last change'],
  ['lastUsed', 'last used'],
  ['finding', 'last reconciliation'],
];

const cell = (row: AccessRow, key: keyof AccessRow): string => {
  const v = row[key];
  return Array.isArray(v) ? v.join(' ') : (v ?? '');
};

/**
 * RFC 4180 CSV. A cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR at the start)
 * gets a leading apostrophe: names come from HR systems, and a report is opened in Excel.
 */
export function renderCsv(report: AccessReport): string {
  const quote = (v: string) => {
    const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = [COLUMNS.map(([, title]) => quote(title)).join(',')];
  for (const row of report.rows) lines.push(COLUMNS.map(([key]) => quote(cell(row, key))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function renderJson(report: AccessReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * One static page: the rows as JSON inside the page (every `<` escaped, so no value can end the
 * script element), a table built with textContent (no value is ever parsed as HTML), a text filter
 * over every column and a select per app and per status. No network, no external script.
 */
export function renderHtml(report: AccessReport): string {
  const data = JSON.stringify({ columns: COLUMNS.map(([key, title]) => ({ key, title })), ...report }).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>jml-pipeline access report</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; }
  header { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; margin-bottom: 1rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #d8dee4; vertical-align: top; }
  th { position: sticky; top: 0; background: #f6f8fa; }
  td.finding { color: #9a3412; }
  #count { color: #57606a; }
</style>
</head>
<body>
<h1>Access report</h1>
<header>
  <input id="q" type="search" placeholder="filter: person, name, app, group …" size="40" aria-label="filter">
  <select id="app" aria-label="app"><option value="">every app</option></select>
  <select id="status" aria-label="status"><option value="">every status</option></select>
  <span id="count"></span>
  <span>generated <time id="generated"></time></span>
</header>
<table><thead><tr id="head"></tr></thead><tbody id="rows"></tbody></table>
<h2>Accounts no person owns</h2>
<table><thead><tr><th>app</th><th>account</th><th>kind</th><th>person key on it</th></tr></thead><tbody id="unowned"></tbody></table>
<script id="data" type="application/json">${data}</script>
<script>
(() => {
  const report = JSON.parse(document.getElementById('data').textContent);
  const $ = (id) => document.getElementById(id);
  const text = (row, key) => Array.isArray(row[key]) ? row[key].join(' ') : (row[key] ?? '');
  $('generated').textContent = report.generatedAt;
  for (const c of report.columns) { const th = document.createElement('th'); th.textContent = c.title; $('head').append(th); }
  const options = (select, values) => { for (const v of [...new Set(values)].sort()) { const o = document.createElement('option'); o.value = v; o.textContent = v; select.append(o); } };
  options($('app'), report.rows.map((r) => r.appId));
  options($('status'), report.rows.map((r) => r.status));
  const trs = report.rows.map((row) => {
    const tr = document.createElement('tr');
    for (const c of report.columns) { const td = document.createElement('td'); td.textContent = text(row, c.key); if (c.key === 'finding') td.className = 'finding'; tr.append(td); }
    $('rows').append(tr);
    return { tr, row, haystack: report.columns.map((c) => text(row, c.key)).join(' ').toLowerCase() };
  });
  for (const u of report.unowned) {
    const tr = document.createElement('tr');
    for (const v of [u.appId, u.account, u.kind, u.personKey ?? '']) { const td = document.createElement('td'); td.textContent = v; tr.append(td); }
    $('unowned').append(tr);
  }
  const apply = () => {
    const q = $('q').value.trim().toLowerCase();
    const app = $('app').value;
    const status = $('status').value;
    let shown = 0;
    for (const t of trs) {
      const visible = (!q || t.haystack.includes(q)) && (!app || t.row.appId === app) && (!status || t.row.status === status);
      t.tr.hidden = !visible;
      if (visible) shown += 1;
    }
    $('count').textContent = shown + ' of ' + trs.length + ' rows';
  };
  for (const id of ['q', 'app', 'status']) $(id).addEventListener('input', apply);
  apply();
})();
</script>
</body>
</html>
`;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
