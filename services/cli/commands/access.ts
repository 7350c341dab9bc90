import { writeFile } from 'node:fs/promises';
import { buildAccessReport, renderCsv, renderHtml, renderJson, type AccessReport } from '../../access/report';
import { readAudit, readLastReconciliations } from '../../access/read';
import { knownPeople } from '../../reconcile/gather';
import type { CommandResult, CommandSpec } from '../command';
import { CliError, EXIT } from '../exit-codes';
import { cliKafka } from './reconcile';

const FORMATS = ['csv', 'json', 'html'] as const;
type Format = (typeof FORMATS)[number];
const render: Record<Format, (r: AccessReport) => string> = { csv: renderCsv, json: renderJson, html: renderHtml };

/** `jml access report`: who has what where (services/access). */
export const access: CommandSpec = {
  name: 'access',
  summary: 'the access report: who has what where (person, app, account, status, groups, since, last change)',
  args: [{ name: 'report', description: 'what to make (the access report)' }],
  options: {
    app: { type: 'string', multiple: true, value: 'appId', description: 'only this app (repeat for more)' },
    format: { type: 'string', value: 'csv|json|html', description: 'csv (default), json, or one static HTML page with filters' },
    out: { type: 'string', value: 'file', description: 'write the report to this file (mode 0600) instead of stdout' },
    'no-history': { type: 'boolean', description: 'skip the audit topic (no since and last change): faster on a long audit' },
  },
  details: [
    'Rows come from the person workflows of this pipeline (what each person holds per app), since and last change from the audit topic (jml.audit.v1), and what the last reconciliation of each app found (jml.reconcile.v1), with the accounts no person owns.',
    'The report names people (person key and name): it is for an auditor, and written to a file readable by its owner only. --json prints the report as JSON whatever --format says.',
  ],
  examples: ['access report --out access.csv', 'access report --format html --out access.html', 'access report --app wiki --json'],
  exits: { 2: 'an unknown --format' },
  check: ({ values, positionals }) => {
    if (positionals[0] !== 'report') return `jml access ${positionals[0]}: the only one is report`;
    if (values.format !== undefined && !(FORMATS as readonly string[]).includes(values.format as string)) return `--format ${String(values.format)}: one of ${FORMATS.join(', ')}`;
    return undefined;
  },
  async run(ctx, { values }): Promise<CommandResult> {
    const { client, config } = await ctx.temporal();
    const { people, unreadable } = await knownPeople({ client, taskQueue: config.temporal.taskQueue });
    if (unreadable.length > 0) ctx.note(`${unreadable.length} person workflow(s) did not answer and are not in the report`);
    const kafka = cliKafka(ctx, 'jml-access');
    const audit = values['no-history'] === true ? [] : await readAudit(kafka);
    const reconciliations = await readLastReconciliations(kafka);
    const report = buildAccessReport({ people, audit, reconciliations, ...(values.app ? { appIds: values.app as string[] } : {}), now: new Date() });
    const format = (values.format as Format | undefined) ?? 'csv';
    const summary = `${report.rows.length} row(s) for ${new Set(report.rows.map((r) => r.personKey)).size} people, ${report.unowned.length} account(s) no person owns`;
    if (typeof values.out === 'string') {
      try {
        await writeFile(values.out, render[format](report), { mode: 0o600 });
      } catch (err) {
        throw new CliError(`cannot write ${values.out}: ${(err as Error).message}`, EXIT.failed, { cause: err });
      }
      return { json: { out: values.out, format, rows: report.rows.length, unowned: report.unowned.length }, text: [`${summary}; written to ${values.out}`] };
    }
    ctx.note(summary);
    return { json: report, text: render[format](report).replace(/\r?\n$/, '').split(/\r?\n/) };
  },
};
