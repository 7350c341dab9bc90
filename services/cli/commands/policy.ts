import { resolve } from 'node:path';
import { CONNECTOR_FACTORIES } from '../../../connectors/registry';
import { createRedis } from '../../connections/redis';
import { disposeConnectors } from '../../policy/app';
import { loadPolicyFile, PolicyError, type LoadedPolicy } from '../../policy/load';
import { serviceRedisOptions } from '../../redis';
import { knownPeople } from '../../reconcile/gather';
import { afterCursor, askRollout, type RolloutAsk, type RolloutCursor, type RolloutWork } from '../../rollout/apply';
import { policyDiff, policyHash, rolloutChanges, type PolicyDiff } from '../../rollout/changes';
import { redisRolloutCursor, rolloutCursorKey } from '../../rollout/cursor';
import { localEndpoints, type CliContext } from '../context';
import type { CommandResult, CommandSpec } from '../command';
import type { Progress } from '../progress';
import { CliError, EXIT } from '../exit-codes';
import { loadCliPolicy } from './reconcile';

const ACTIONS = ['diff', 'apply'] as const;

/** The human table of a diff: one line per app and group that changes. */
export function diffLines(diff: PolicyDiff): string[] {
  const rows: string[][] = [['APP', 'WHAT', 'GAIN', 'LOSE']];
  for (const app of diff.apps) {
    if (app.accounts.gain + app.accounts.lose > 0) rows.push([app.appId, 'account', String(app.accounts.gain), String(app.accounts.lose)]);
    for (const [g, n] of Object.entries(app.groups).sort(([a], [b]) => (a < b ? -1 : 1))) rows.push([app.appId, `group ${g}`, String(n.gain), String(n.lose)]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const table = rows.map((r) => r.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '));
  return [...(rows.length > 1 ? table : []), `${diff.changed} of ${diff.people} people would change`];
}

/** One line per change asked. */
export function askLine(a: RolloutAsk): string {
  const where = a.workflowId ? ` -> ${a.workflowId}` : '';
  const why = a.reason ? `: ${a.reason}` : '';
  return `${a.status.padEnd(13)} ${a.appId.padEnd(12)} ${a.personKey} (${a.steps.join('; ')})${where}${why}`;
}

function loadNewPolicy(ctx: CliContext, path: string): LoadedPolicy {
  try {
    return loadPolicyFile({ path: resolve(path), env: ctx.io.env, connectors: CONNECTOR_FACTORIES });
  } catch (err) {
    if (err instanceof PolicyError) throw new CliError(`${path}: ${err.message.split('\n').join('; ')}`, EXIT.usage, { cause: err });
    throw err;
  }
}

/**
 * Progress of people done: the bar on a terminal; plain `jml:` lines otherwise (about every tenth,
 * and the last), so a log of a long rollout shows it moving.
 */
function peopleProgress(ctx: CliContext, label: string, total: number): Progress {
  if (ctx.io.stderr.isTTY === true) return ctx.progress(label, total);
  const every = Math.max(1, Math.ceil(total / 10));
  let done = 0;
  return {
    tick() {
      done += 1;
      if (done % every === 0 || done === total) ctx.note(`${label}: ${done}/${total} people`);
    },
    done: () => undefined,
  };
}

/** `jml policy diff|apply`: roll a policy change out to everyone (services/rollout). */
export const policy: CommandSpec = {
  name: 'policy',
  summary: 'policy rollouts: what a new policy changes for everyone (diff), and bringing everyone in line with the running policy (apply)',
  args: [
    { name: 'diff|apply', description: 'what to do' },
    { name: 'file', description: 'diff: the new policy file', optional: true },
  ],
  options: {
    yes: { type: 'boolean', description: 'apply: confirm more changes than JML_REDRIVE_CONFIRM_ABOVE' },
    reason: { type: 'string', value: 'text', description: 'apply: why, recorded with each change (no personal data)' },
    'dry-run': { type: 'boolean', description: 'apply: list the changes, ask for none' },
    restart: { type: 'boolean', description: 'apply: ignore where an interrupted run stopped, start from the first person' },
  },
  details: [
    'diff <file>: reads every person workflow of this pipeline (TEMPORAL_TASK_QUEUE) and compares, person by person, what the running policy (JML_CONFIG_FILE) grants with what <file> grants; prints per app how many people gain or lose the account and each group. Changes nothing. People on leave, terminated or not started count for nothing (the leaver lane decides for them).',
    'apply: deploy the new policy first (the workers must run it), then apply. For every person whose holdings (what their workflow knows they hold) differ from what the running policy grants, asks their workflow for the change, app by app, as `jml reconcile --fix` does: it waits behind their HR events, is planned again from the newest HR truth when its turn comes, and a change that takes access away (disable, remove from a group) passes the mass-change guard like a leaver (jml held / approve). Applying twice asks nothing the second time.',
    'apply keeps a cursor in Redis (jml:policy-rollout:<taskQueue>:<policy hash>) with the last person done; an interrupted run continues after it, a finished run clears it (--restart starts over). Progress is a bar on a terminal, a line about every tenth of the people otherwise.',
  ],
  examples: ['policy diff policy.next.yaml', 'policy diff policy.next.yaml --json', 'policy apply --dry-run', 'policy apply --yes --reason "wiki replaced by docs"'],
  exits: {
    2: 'no policy (JML_CONFIG_FILE), or the new policy file is missing or invalid',
    4: 'a person workflow did not answer (the diff or the apply is incomplete); apply: a change was refused, or more changes than JML_REDRIVE_CONFIRM_ABOVE without --yes',
  },
  check: ({ values, positionals }) => {
    const action = positionals[0] as string;
    if (!(ACTIONS as readonly string[]).includes(action)) return `jml policy ${action}: one of ${ACTIONS.join(', ')}`;
    if (action === 'diff' && positionals[1] === undefined) return 'jml policy diff needs the new policy file';
    if (action === 'apply' && positionals[1] !== undefined) return 'jml policy apply takes no file: it applies the policy the workers run (JML_CONFIG_FILE)';
    if (action === 'diff' && ['yes', 'reason', 'dry-run', 'restart'].some((o) => values[o] !== undefined)) return '--yes, --reason, --dry-run and --restart go with apply';
    return undefined;
  },
  run: (ctx, { values, positionals }) => (positionals[0] === 'diff' ? diffRun(ctx, positionals[1] as string) : applyRun(ctx, values)),
};

async function diffRun(ctx: CliContext, file: string): Promise<CommandResult> {
  const current = loadCliPolicy(ctx, 'jml policy diff');
  let next: LoadedPolicy | undefined;
  try {
    next = loadNewPolicy(ctx, file);
    const { client, config } = await ctx.temporal();
    const { people, unreadable } = await knownPeople({ client, taskQueue: config.temporal.taskQueue });
    const diff = policyDiff({ current: current.file, next: next.file, people });
    const json = { current: policyHash(current.file), next: policyHash(next.file), ...diff, unreadable: unreadable.length };
    const text = diffLines(diff);
    if (unreadable.length > 0) return { json, text, exitCode: EXIT.refused, problem: `${unreadable.length} person workflow(s) did not answer: the counts leave them out` };
    return { json, text };
  } finally {
    await disposeConnectors([...current.apps.values(), ...(next?.apps.values() ?? [])]);
  }
}

async function applyRun(ctx: CliContext, values: Record<string, unknown>): Promise<CommandResult> {
  const running = loadCliPolicy(ctx, 'jml policy apply');
  // Only the rules and the app ids are needed here: the workers plan with their own instances.
  await disposeConnectors(running.apps.values());
  const hash = policyHash(running.file);
  const { client, config } = await ctx.temporal();
  const taskQueue = config.temporal.taskQueue;
  const { people, unreadable } = await knownPeople({ client, taskQueue });
  const appIds = [...running.apps.keys()];
  const work: RolloutWork[] = people
    .map((person) => ({ personKey: person.personKey, changes: rolloutChanges({ policy: running.file, policyHash: hash, appIds, person }) }))
    .filter((w) => w.changes.length > 0);

  const redis = createRedis(localEndpoints(config).redisUrl, config.connections.redis, serviceRedisOptions(config.redis));
  try {
    try {
      await redis.connect();
    } catch (err) {
      throw new CliError(`cannot reach Redis for the rollout's cursor: ${(err as Error).message}`, EXIT.failed, { cause: err });
    }
    const stored = redisRolloutCursor(redis, rolloutCursorKey(taskQueue, hash));
    if (values.restart === true) await stored.clear();
    const resumeAfter = await stored.read();
    // With a person unreadable the truth is incomplete: nothing may be skipped next time, so the cursor stays as it is.
    const cursor: RolloutCursor = unreadable.length > 0 ? { read: stored.read, write: async () => undefined, clear: async () => undefined } : stored;
    const todo = afterCursor(work, resumeAfter);
    const changes = todo.reduce((n, w) => n + w.changes.length, 0);
    const removals = todo.reduce((n, w) => n + w.changes.filter((c) => c.removes).length, 0);
    const base = { policy: hash, people: people.length, unreadable: unreadable.length, ...(resumeAfter !== undefined ? { resumedAfter: resumeAfter } : {}), changes, removals };
    const planned = (): RolloutAsk[] => todo.flatMap((w) => w.changes.map((c) => ({ personKey: w.personKey, appId: c.appId, kind: c.kind, removes: c.removes, steps: c.steps, status: 'asked' as const })));
    const resumed = resumeAfter !== undefined ? [`resuming after ${resumeAfter} (where an earlier run stopped; --restart starts over)`] : [];
    const summary = `${changes} change(s) for ${todo.length} people of ${people.length}, ${removals} taking access away (policy ${hash})`;
    if (values['dry-run'] === true) {
      return { json: { ...base, outcome: 'dry-run', asks: planned() }, text: [...resumed, ...planned().map((a) => askLine(a).replace(/^asked {8}/, 'would ask    ')), summary] };
    }
    if (changes > config.redrive.confirmAbove && values.yes !== true) {
      return {
        json: { ...base, outcome: 'held', asks: planned() },
        text: [...resumed, summary],
        exitCode: EXIT.refused,
        problem: `${changes} changes would be asked (more than JML_REDRIVE_CONFIRM_ABOVE=${config.redrive.confirmAbove}): check with jml policy diff or --dry-run, or confirm with --yes`,
      };
    }
    const reason = typeof values.reason === 'string' ? `: ${values.reason}` : '';
    const progress = peopleProgress(ctx, 'applying', todo.length);
    let asks: RolloutAsk[];
    try {
      asks = await askRollout({ client, work: todo, by: `jml policy apply (${ctx.io.user})${reason}`, cursor, startedAt: new Date().toISOString(), onPerson: () => progress.tick() });
    } finally {
      progress.done();
    }
    const count = (s: RolloutAsk['status']) => asks.filter((a) => a.status === s).length;
    const refused = count('refused');
    const text = [
      ...resumed,
      ...asks.map(askLine),
      `${count('asked')} change(s) asked, ${count('already-asked')} asked before, ${refused} refused, for ${todo.length} people of ${people.length} (policy ${hash}); removals pass the mass-change guard (jml held)`,
    ];
    const json = { ...base, outcome: 'asked', asked: count('asked'), alreadyAsked: count('already-asked'), refused, asks };
    if (refused > 0) return { json, text, exitCode: EXIT.refused, problem: `${refused} change(s) refused; run jml policy apply again once fixed (it continues where it stopped)` };
    if (unreadable.length > 0) return { json, text, exitCode: EXIT.refused, problem: `${unreadable.length} person workflow(s) did not answer and were not asked; run jml policy apply again` };
    return { json, text };
  } finally {
    redis.disconnect();
  }
}
