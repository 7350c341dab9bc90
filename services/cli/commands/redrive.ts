import { redrive as redriveOne, redriveMany, type RedriveResult, type RedriveTarget } from '../../redrive';
import type { CommandResult, CommandSpec } from '../command';
import { CliError, EXIT } from '../exit-codes';
import { parseSince } from '../since';

/** One line per result, as docs/operations.md ("Re-drive") words them. */
export function redriveLine(r: RedriveResult): string {
  if (r.status === 'refused') return `refused ${r.workflowId ?? r.eventId ?? '?'}: ${r.reason}: ${r.message}`;
  const run = r.newRunId ? `new run ${r.newRunId}` : `queued behind ${r.queuedBehind}`;
  return `accepted ${r.workflowId}: re-drive ${r.attempt}, ${run} (of ${r.originalRunId})`;
}

/**
 * `jml redrive`: apply again, through the person workflow, events whose last outcome was failed or
 * needs-attention, once their cause is fixed (services/redrive).
 */
export const redrive: CommandSpec = {
  name: 'redrive',
  summary: 're-apply failed or needs-attention events through their person workflow, as new runs linked to the originals',
  args: [{ name: 'eventId|workflowId', description: 'an event workflow id (jml/<personKey>/<eventId>) or an event id', optional: true }],
  options: {
    person: { type: 'string', value: 'personKey', description: 'the person of a bare event id (otherwise looked up)' },
    all: { type: 'boolean', description: 'every event whose latest run failed or needs attention (narrow with --since and --app)' },
    since: { type: 'string', value: 'when', description: 'with --all: event workflows started since an ISO instant or a duration ago (2h, 3d)' },
    app: { type: 'string', value: 'appId', description: 'with --all: only events not done in this app' },
    'dry-run': { type: 'boolean', description: 'with --all: list what would be re-driven, re-drive nothing' },
    yes: { type: 'boolean', description: 'with --all: confirm a re-drive of more events than JML_REDRIVE_CONFIRM_ABOVE' },
    reason: { type: 'string', value: 'text', description: 'why, recorded with the re-drive (no personal data)' },
  },
  details: [
    'The event is taken from the original run\'s input and queued again in its person workflow, so HR order and newer truth still decide: an event newer HR truth decided is refused (superseded), one that applied fine is refused (already-applied), one still running is refused (in-flight).',
    'Many at once: more than JML_REDRIVE_CONFIRM_ABOVE (default 20) events wait for --yes; --dry-run lists them first. Re-driven leavers and deletes still pass the mass-change guard.',
    'The Temporal UI\'s reset of an event workflow is the other path (docs/operations.md, "Re-drive"): it has no second effect at the apps but bypasses the person workflow.',
  ],
  examples: ['redrive jml/bamboohr:acme:4101/ev-1', 'redrive ev-1 --person bamboohr:acme:4101 --reason "SCIM token fixed"', 'redrive --all --app wiki --since 6h --dry-run', 'redrive --all --app wiki --yes --json'],
  exits: { 3: 'the named event does not exist, or needs no re-drive', 4: 'refused (one event), some refused (--all), or held: more events than JML_REDRIVE_CONFIRM_ABOVE without --yes' },
  check: ({ values, positionals }) => {
    const all = values.all === true;
    if (all && positionals.length > 0) return 'jml redrive takes an event or --all, not both';
    if (!all && positionals.length === 0) return 'jml redrive needs <eventId|workflowId> or --all';
    if (!all && (values.since !== undefined || values.app !== undefined || values['dry-run'] === true || values.yes === true)) return '--since, --app, --dry-run and --yes go with --all';
    if (all && values.person !== undefined) return '--person goes with a bare event id';
    return undefined;
  },
  async run(ctx, { values, positionals }): Promise<CommandResult> {
    const { client, config } = await ctx.temporal();
    const opts = { by: `jml redrive (${ctx.io.user})`, ...(typeof values.reason === 'string' ? { reason: values.reason } : {}) };
    if (values.all !== true) {
      const arg = positionals[0] as string;
      const target: RedriveTarget = arg.includes('/') ? { workflowId: arg } : typeof values.person === 'string' ? { personKey: values.person, eventId: arg } : { eventId: arg };
      const result = await redriveOne(client, target, opts);
      const json = { results: [result] };
      if (result.status === 'accepted') return { json, text: [redriveLine(result)] };
      return { json, text: [redriveLine(result)], exitCode: result.reason === 'not-found' ? EXIT.notFound : EXIT.refused, problem: `refused: ${result.reason}` };
    }
    const since = typeof values.since === 'string' ? parseSince(values.since, new Date()) : undefined;
    if (since === null) throw new CliError(`--since ${String(values.since)}: not an ISO instant or a duration like 2h or 3d`, EXIT.usage);
    const selection = { ...(since ? { since } : {}), ...(typeof values.app === 'string' ? { app: values.app } : {}) };
    const many = await redriveMany(client, selection, { ...opts, confirmAbove: config.redrive.confirmAbove, confirm: values.yes === true, dryRun: values['dry-run'] === true });
    const json = { outcome: many.outcome, candidates: many.candidates, results: many.results };
    if (many.outcome === 'dry-run') {
      return { json, text: [...many.candidates.map((c) => `would re-drive ${c.workflowId} (${c.status}${c.apps ? `: ${c.apps.join(', ')}` : ''})`), `${many.candidates.length} events would be re-driven`] };
    }
    if (many.outcome === 'held') {
      const n = many.candidates.length;
      return {
        json,
        text: [],
        exitCode: EXIT.refused,
        problem: `${n} events would be re-driven (more than JML_REDRIVE_CONFIRM_ABOVE=${config.redrive.confirmAbove}): check with --dry-run, narrow with --since/--app, or confirm with --yes`,
      };
    }
    const accepted = many.results.filter((r) => r.status === 'accepted').length;
    const refused = many.results.length - accepted;
    const text = [...many.results.map(redriveLine), `${accepted} accepted, ${refused} refused`];
    return refused === 0 ? { json, text } : { json, text, exitCode: EXIT.refused, problem: `${refused} of ${many.results.length} refused` };
  },
};
