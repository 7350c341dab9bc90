import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { CONNECTOR_FACTORIES } from '../../../connectors/registry';
import { createKafka } from '../../kafka/client';
import { disposeConnectors } from '../../policy/app';
import { loadPolicyFile, PolicyError, type LoadedPolicy } from '../../policy/load';
import { applyFixes, fixesOf, type FixResult } from '../../reconcile/apply';
import { publishFindings } from '../../reconcile/publish';
import { reconcile as reconcileApps, type ReconcileReport } from '../../reconcile/run';
import { localEndpoints, type CliContext } from '../context';
import type { CommandResult, CommandSpec } from '../command';
import { CliError, EXIT } from '../exit-codes';

/** The policy of JML_CONFIG_FILE, for commands that compare with it; a usage error without one. */
export function loadCliPolicy(ctx: CliContext, what: string): LoadedPolicy {
  const config = ctx.config();
  if (!config.policyFile) throw new CliError(`JML_CONFIG_FILE is not set: ${what} needs the policy file`, EXIT.usage);
  try {
    return loadPolicyFile({ path: config.policyFile, env: ctx.io.env, connectors: CONNECTOR_FACTORIES });
  } catch (err) {
    if (err instanceof PolicyError) throw new CliError(err.message.split('\n').join('; '), EXIT.usage, { cause: err });
    throw err;
  }
}


/** A Kafka client on the configured brokers (the local stack's unless reused). */
export function cliKafka(ctx: CliContext, clientId: string): Kafka {
  const config = ctx.config();
  return createKafka({
    brokers: localEndpoints(config).kafkaBrokers,
    clientId,
    log: pino({ level: ctx.globals.verbose ? 'warn' : 'silent' }, process.stderr),
    security: config.connections.kafka,
  });
}

/** The human form of a run: per app its counts, then each finding (person keys and attribute names, no personal values). */
export function reconcileLines(report: ReconcileReport): string[] {
  const lines: string[] = [];
  for (const app of report.apps) {
    const counts = (['zombie', 'orphan', 'missing', 'drift', 'unused', 'unmanaged'] as const).filter((k) => app.counts[k] > 0).map((k) => `${app.counts[k]} ${k}`);
    lines.push(`${app.appId}: ${app.accounts} accounts, ${app.people} people known${counts.length > 0 ? `: ${counts.join(', ')}` : ', in step'}${app.unchecked > 0 ? ` (${app.unchecked} not judged)` : ''}`);
    for (const f of app.findings) lines.push(`  ${f.kind.padEnd(9)}  ${(f.personKey ?? '-').padEnd(24)}  ${(f.externalRef ?? '-').padEnd(12)}  ${f.summary}`);
    if (app.unusedUnknown) lines.push(`  unused accounts not judged: ${app.unusedUnknown}`);
  }
  for (const s of report.skipped) lines.push(`${s.appId}: skipped: ${s.reason}`);
  if (report.unreadable.length > 0) lines.push(`${report.unreadable.length} person workflow(s) did not answer; their accounts were not judged`);
  lines.push(`${report.problems} problem(s) in ${report.apps.length} app(s) (run ${report.runId})`);
  return lines;
}

/** `jml reconcile`: compare apps with what the policy grants by HR truth (services/reconcile). */
export const reconcile: CommandSpec = {
  name: 'reconcile',
  summary: 'compare each app\'s accounts with what the policy grants by HR truth (orphans, zombies, missing, drift, unused); --fix asks for the fixes',
  args: [],
  options: {
    app: { type: 'string', multiple: true, value: 'appId', description: 'only this app (repeat for more); every app of the policy by default' },
    check: { type: 'boolean', description: 'exit 4 when anything but unmanaged or unused accounts is found, or when an app or person could not be read' },
    publish: { type: 'boolean', description: 'also publish the findings to jml.reconcile.v1 (what the schedules do; the access report reads them)' },
    fix: { type: 'boolean', description: 'turn the findings into fixes: ordinary steps through each person\'s workflow (orphans: a workflow per account), under the mass-change guard' },
    'dry-run': { type: 'boolean', description: 'with --fix: list the fixes, ask for none' },
    yes: { type: 'boolean', description: 'with --fix: confirm more fixes than JML_REDRIVE_CONFIRM_ABOVE' },
    reason: { type: 'string', value: 'text', description: 'with --fix: why, recorded with each fix (no personal data)' },
  },
  details: [
    'Reads every person workflow of this pipeline (TEMPORAL_TASK_QUEUE) and lists each app\'s accounts through its connector (accounts.list); changes nothing. Unmanaged accounts (no person key) are reported and never counted as problems.',
    'Apps with reconcile.every in the policy are also reconciled on a Temporal Schedule (reconcile/<taskQueue>/<appId>); with reconcile.fix the schedule also fixes.',
    '--fix: a zombie is disabled (and its sessions ended), an orphan disabled (never deleted), a missing account created (claiming an account the pipeline did not make only where the app\'s reconcile.adopt allows), a drift put back as the policy says, an unused account disabled where the app\'s unused.disable says so. A person\'s fix waits behind their HR events and is planned again from the newest truth; fixes that take access away pass the mass-change guard (jml held / approve). Unmanaged accounts are never touched. See docs/reconcile.md.',
  ],
  examples: ['reconcile', 'reconcile --app wiki --check', 'reconcile --publish --json', 'reconcile --app wiki --fix --dry-run', 'reconcile --fix --reason "after the wiki outage"'],
  exits: {
    2: 'no policy, or an app the policy does not have',
    4: '--check: problems found, or the truth was incomplete (an app skipped, a person unreadable); --fix: a fix was refused, or more fixes than JML_REDRIVE_CONFIRM_ABOVE without --yes',
  },
  check: ({ values }) => {
    if (values.fix !== true && (values['dry-run'] === true || values.yes === true || values.reason !== undefined)) return '--dry-run, --yes and --reason go with --fix';
    if (values.fix === true && values.check === true) return '--check reports, --fix changes: run them one after the other';
    return undefined;
  },
  async run(ctx, { values }): Promise<CommandResult> {
    const policy = loadCliPolicy(ctx, 'jml reconcile');
    try {
      const apps = (values.app as string[] | undefined) ?? [...policy.apps.keys()];
      const unknown = apps.filter((a) => !policy.apps.has(a));
      if (unknown.length > 0) throw new CliError(`the policy has no app ${unknown.join(', ')} (apps: ${[...policy.apps.keys()].sort().join(', ')})`, EXIT.usage);
      const { client, config } = await ctx.temporal();
      const progress = ctx.progress('reconciling', apps.length);
      let report: ReconcileReport;
      try {
        report = await reconcileApps({ client, policy, taskQueue: config.temporal.taskQueue, log: pino({ level: ctx.globals.verbose ? 'warn' : 'silent' }, process.stderr), appIds: apps, onApp: () => progress.tick() });
      } finally {
        progress.done();
      }
      let published: number | undefined;
      if (values.publish === true) {
        const producer = cliKafka(ctx, 'jml-reconcile').producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
        await producer.connect();
        try {
          published = await publishFindings({ send: async (items) => void (await producer.sendBatch({ topicMessages: items.map((i) => ({ topic: i.topic, messages: [i.message] })) })) }, report);
        } finally {
          await producer.disconnect();
        }
        ctx.note(`${published} record(s) published to jml.reconcile.v1`);
      }
      if (values.fix === true) return await fixRun(ctx, { report, policy, taskQueue: config.temporal.taskQueue, confirmAbove: config.redrive.confirmAbove, values, published });
      const json = { ...report, ...(published !== undefined ? { published } : {}) };
      const incomplete = report.skipped.length > 0 || report.unreadable.length > 0;
      if (values.check === true && (report.problems > 0 || incomplete)) {
        return { json, text: reconcileLines(report), exitCode: EXIT.refused, problem: report.problems > 0 ? `${report.problems} problem(s) found` : 'the truth was incomplete: an app was skipped or a person unreadable' };
      }
      return { json, text: reconcileLines(report) };
    } finally {
      await disposeConnectors(policy.apps.values());
    }
  },
};

/** One line per fix: what, where, and what became of the ask. */
export function fixLine(f: FixResult): string {
  const who = f.personKey ?? f.externalRef ?? '-';
  const what = f.steps?.length ? ` (${f.steps.join('; ')})` : '';
  const where = f.workflowId ? ` -> ${f.workflowId}` : '';
  const why = f.reason ? `: ${f.reason}` : '';
  return `${f.status.padEnd(13)} ${f.kind.padEnd(9)} ${f.appId.padEnd(12)} ${who}${what}${where}${why}`;
}

async function fixRun(
  ctx: CliContext,
  req: { report: ReconcileReport; policy: LoadedPolicy; taskQueue: string; confirmAbove: number; values: Record<string, unknown>; published: number | undefined },
): Promise<CommandResult> {
  const { report, policy, values } = req;
  const { client } = await ctx.temporal();
  const reason = typeof values.reason === 'string' ? `: ${values.reason}` : '';
  const by = `jml reconcile --fix (${ctx.io.user})${reason}`;
  const planned = fixesOf(report, policy).filter((f) => f.status === 'asked');
  const base = { runId: report.runId, problems: report.problems, ...(req.published !== undefined ? { published: req.published } : {}) };
  if (values['dry-run'] === true) {
    const all = fixesOf(report, policy);
    return { json: { ...base, outcome: 'dry-run', fixes: all }, text: [...all.map(fixLine), `${planned.length} fix(es) would be asked (run ${report.runId})`] };
  }
  if (planned.length > req.confirmAbove && values.yes !== true) {
    return {
      json: { ...base, outcome: 'held', fixes: planned },
      text: planned.map(fixLine),
      exitCode: EXIT.refused,
      problem: `${planned.length} fixes would be asked (more than JML_REDRIVE_CONFIRM_ABOVE=${req.confirmAbove}): check with --dry-run, narrow with --app, or confirm with --yes`,
    };
  }
  const progress = ctx.progress('fixing', planned.length);
  let results: FixResult[];
  try {
    results = await applyFixes(report, { client, policy, taskQueue: req.taskQueue, by });
  } finally {
    progress.done();
  }
  const count = (s: FixResult['status']) => results.filter((r) => r.status === s).length;
  const refused = count('refused');
  const text = [
    ...reconcileLines(report).slice(-1),
    ...results.map(fixLine),
    `${count('asked')} fix(es) asked, ${count('already-asked')} asked before, ${count('skipped')} skipped, ${refused} refused; removals pass the mass-change guard (jml held)`,
  ];
  const json = { ...base, outcome: 'asked', fixes: results };
  return refused === 0 ? { json, text } : { json, text, exitCode: EXIT.refused, problem: `${refused} fix(es) refused` };
}
