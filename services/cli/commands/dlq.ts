import { pino } from 'pino';
import { isDlqRequestError, openDlq, type Dlq, type DeadLetterEntry, type ListResult, type RedriveReport, type RedriveResult } from '../../dlq';
import { localEndpoints, type CliContext } from '../context';
import type { CommandResult, CommandSpec } from '../command';
import { CliError, EXIT } from '../exit-codes';
import { parseSince } from '../since';

const ACTIONS = ['list', 'show', 'redrive'] as const;
type Action = (typeof ACTIONS)[number];

/** The DLQ library on the configured Kafka and Redis (the local stack's ports unless reused). */
async function open(ctx: CliContext): Promise<Dlq> {
  const config = ctx.config();
  const endpoints = localEndpoints(config);
  try {
    return await openDlq({ config, endpoints, log: pino({ level: ctx.globals.verbose ? 'warn' : 'silent' }, process.stderr) });
  } catch (err) {
    throw new CliError(`cannot reach Kafka at ${endpoints.kafkaBrokers} or Redis: ${err instanceof Error ? err.message : String(err)}`, EXIT.failed, { cause: err });
  }
}

const table = (rows: string[][]): string[] => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
};

export function listLines(result: ListResult, letters: boolean): string[] {
  const { summary } = result;
  const out = letters
    ? table([
        ['ID', 'RECEIVED', 'CODE', 'ROUTE', 'LAST-REDRIVE', 'REASON'],
        ...result.letters.map((l) => [l.id, l.receivedAt, l.code, l.route, l.lastRedrive ? `${l.lastRedrive.status} ${l.lastRedrive.at}` : '-', l.reason.slice(0, 160)]),
      ])
    : table([
        ['CODE', 'ROUTE', 'KIND', 'COUNT', 'REDRIVEN', 'FAILED', 'FIRST', 'LAST'],
        ...summary.counts.map((c) => [c.code, c.route, c.kind, String(c.count), String(c.redriven), String(c.failed), c.first, c.last]),
      ]);
  return [...(summary.total > 0 ? out : []), `${summary.total} dead letters, ${summary.waiting} waiting`];
}

export function showLines(e: DeadLetterEntry): string[] {
  const body = e.body ?? Buffer.alloc(0);
  const text = body.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(body);
  return [
    `id            ${e.id}`,
    `code          ${e.code}`,
    `reason        ${e.reason}`,
    `received at   ${e.receivedAt}`,
    `route         ${e.route}`,
    ...(e.origin ? [`origin        ${e.origin}`] : []),
    ...(e.contentType ? [`content type  ${e.contentType}`] : []),
    `headers       ${Object.keys(e.deliveryHeaders).length > 0 ? Object.entries(e.deliveryHeaders).map(([k, v]) => `${k}: ${v}`).join(', ') : '-'}`,
    `last redrive  ${e.lastRedrive ? (e.lastRedrive.status === 'redriven' ? `redriven at ${e.lastRedrive.at}: ${e.lastRedrive.accepted.length} event(s) produced` : `failed at ${e.lastRedrive.at}: ${e.lastRedrive.code}: ${e.lastRedrive.reason}`) : '-'}`,
    `body          ${body.length} bytes${isText ? '' : ' (binary; --json has it as bodyBase64)'}`,
    ...(isText && body.length > 0 ? [text] : []),
  ];
}

function redriveLine(r: RedriveResult): string {
  const what =
    r.status === 'redriven'
      ? `${r.accepted.length} event(s) produced${r.accepted.length > 0 ? ` (${r.accepted.join(', ')})` : ''}, ${r.duplicates.length} duplicate(s)${r.rejected.length > 0 ? `, ${r.rejected.length} rejected` : ''}`
      : r.status === 'failed'
        ? `${r.code}: ${r.reason}`
        : r.reason;
  return `${r.id}  ${r.status.padEnd(8)}  ${r.route}  ${what}`;
}

export function redriveLines(report: RedriveReport): string[] {
  const t = report.totals;
  return [...report.results.map(redriveLine), `${report.results.length} letters: ${t.redriven ?? 0} redriven, ${t.failed ?? 0} failed, ${t.refused ?? 0} refused, ${t.skipped ?? 0} skipped; ${report.accepted.length} event(s) produced`];
}

/** `jml dlq list|show|redrive`: the dead-letter topic for operators (services/dlq, docs/operations-kafka.md). */
export const dlq: CommandSpec = {
  name: 'dlq',
  summary: 'dead letters: counts by reason, one as received, re-drive through verification after a fix',
  args: [
    { name: 'list|show|redrive', description: 'what to do' },
    { name: 'id', description: 'show: one <partition>/<offset>; redrive: any number of them', optional: true, variadic: true },
  ],
  options: {
    since: { type: 'string', value: 'when', description: 'only letters since an ISO instant or a duration ago (24h, 3d)' },
    code: { type: 'string', value: 'code', description: 'list/redrive: only letters with this code (unknown-tenant, invalid-payload, ...)' },
    route: { type: 'string', value: 'route', description: 'list/redrive: only this route, or a prefix ending in * (/webhooks/workday/*)' },
    letters: { type: 'boolean', description: 'list: one line per letter instead of counts' },
    all: { type: 'boolean', description: 'redrive: every letter (with the other filters)' },
    'include-redriven': { type: 'boolean', description: 'redrive: also letters re-driven before (edge dedupe still drops events already produced)' },
  },
  details: [
    'A re-drive sends a delivery through the same signature check and normalization as a live one, with the configuration now (a tenant added, a key fixed): the signature over the body and the request headers the letter kept, the signed timestamp against when the letter arrived. It never skips verification. Events already produced are dropped by the edge dedupe, so re-driving twice produces once.',
    'Letters of polls and of the dispatcher, and deliveries dead-lettered before their headers were kept, are refused with the reason and what to do instead. A letter that fails again stays in the topic (never written twice) and its new reason shows in list and show.',
  ],
  examples: ['dlq list', 'dlq list --code unknown-tenant --letters', 'dlq show 3/1042', 'dlq redrive --code unknown-tenant --route "/webhooks/workday/*"', 'dlq redrive 3/1042 3/1043 --json'],
  exits: { 3: 'show: no such letter (any more)', 4: 'redrive: some letters failed again or were refused' },
  check: ({ values, positionals }) => {
    const action = positionals[0] as string;
    if (!(ACTIONS as readonly string[]).includes(action)) return `jml dlq ${action}: expected one of ${ACTIONS.join(', ')}`;
    const ids = positionals.slice(1);
    if (action === 'list' && (ids.length > 0 || values.all === true || values['include-redriven'] === true)) return 'jml dlq list takes filters (--since, --code, --route), no ids';
    if (action === 'show' && (ids.length !== 1 || values.letters !== undefined)) return 'jml dlq show takes one <partition>/<offset>';
    if (action === 'redrive' && ids.length === 0 && values.all !== true && values.code === undefined && values.route === undefined) return 'jml dlq redrive needs ids, --code, --route or --all';
    if (action === 'redrive' && values.letters !== undefined) return '--letters goes with list';
    return undefined;
  },
  async run(ctx, { values, positionals }): Promise<CommandResult> {
    const action = positionals[0] as Action;
    const since = typeof values.since === 'string' ? parseSince(values.since, new Date()) : undefined;
    if (since === null) throw new CliError(`--since ${String(values.since)}: not an ISO instant or a duration like 24h or 3d`, EXIT.usage);
    const filters = {
      ...(since ? { sinceMs: since.getTime() } : {}),
      ...(typeof values.code === 'string' ? { code: values.code } : {}),
      ...(typeof values.route === 'string' ? { route: values.route } : {}),
    };
    const lib = await open(ctx);
    try {
      if (action === 'list') {
        const result = await lib.list(filters);
        return { json: result, text: listLines(result, values.letters === true) };
      }
      if (action === 'show') {
        const id = positionals[1] as string;
        const entry = await lib.show(id);
        if (!entry) throw new CliError(`no dead letter ${id} (never written, or past the topic's retention)`, EXIT.notFound);
        const { body, ...rest } = entry;
        const text = body?.toString('utf8');
        const asText = body !== null && text !== undefined && Buffer.from(text, 'utf8').equals(body);
        return { json: { ...rest, ...(body === null ? {} : asText ? { body: text } : { bodyBase64: body.toString('base64') }) }, text: showLines(entry) };
      }
      const ids = positionals.slice(1);
      const report = await lib.redrive({ ...filters, ...(ids.length > 0 ? { ids } : {}), ...(values.all === true ? { all: true } : {}), ...(values['include-redriven'] === true ? { includeRedriven: true } : {}) });
      const bad = (report.totals.failed ?? 0) + (report.totals.refused ?? 0);
      return bad === 0 ? { json: report, text: redriveLines(report) } : { json: report, text: redriveLines(report), exitCode: EXIT.refused, problem: `${bad} of ${report.results.length} letters not re-driven` };
    } catch (err) {
      if (isDlqRequestError(err)) throw new CliError(err.message, EXIT.usage, { cause: err });
      throw err;
    } finally {
      await lib.close();
    }
  },
};
