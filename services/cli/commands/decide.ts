import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { approveSignal, eventStatusQuery, rejectSignal, type GuardDecision } from '../../../schemas/contracts';
import type { CommandResult, CommandSpec } from '../command';
import { EXIT } from '../exit-codes';
import { findHeld } from './held';

/** What became of one event named to approve or reject. */
export interface DecisionResult {
  workflowId: string;
  result: 'approved' | 'rejected' | 'not-found' | 'not-held';
  /** For `not-held`: the workflow's status or phase. */
  detail?: string;
}

const DONE = { approve: 'approved', reject: 'rejected' } as const;

/**
 * `jml approve` and `jml reject`: send the guard's decision to held event workflows. Named events
 * are checked first (running and held), so a typo or an event that already went ahead is reported,
 * not signalled in vain; `--all` decides every event `jml held` lists.
 */
export function decisionCommand(verb: 'approve' | 'reject'): CommandSpec {
  const effect = verb === 'approve' ? 'let held events go ahead' : 'drop held events without changing anything';
  return {
    name: verb,
    summary: `${effect} (signal \`${verb}\`)`,
    args: [{ name: 'workflowId', description: 'event workflow ids (jml/<personKey>/<eventId>), as jml held prints them', optional: true, variadic: true }],
    options: {
      all: { type: 'boolean', description: 'every event held now in this pipeline (as jml held lists them)' },
      reason: { type: 'string', value: 'text', description: 'recorded with the decision in the workflow history' },
    },
    details: [`Signals \`${verb}\` with who decided (jml ${verb} (<user>)). Each named workflow must be running and held by the mass-change guard; others are reported and left alone.`],
    examples: verb === 'approve' ? ['approve jml/bamboohr:acme:4101/ev-1', 'held | xargs -r jml approve', 'approve --all --reason "planned reorganisation"'] : ['reject jml/bamboohr:acme:4101/ev-1', 'reject --all --json'],
    exits: { 3: 'no named workflow exists', 4: `not every event was ${DONE[verb]}: some are not held (finished, or never held) or do not exist` },
    check: ({ values, positionals }) => {
      if (values.all === true && positionals.length > 0) return `jml ${verb} takes workflow ids or --all, not both`;
      if (values.all !== true && positionals.length === 0) return `jml ${verb} needs <workflowId>... or --all`;
      return undefined;
    },
    async run(ctx, { values, positionals }) {
      const { client, config } = await ctx.temporal();
      const decision: GuardDecision = { by: `jml ${verb} (${ctx.io.user})`, ...(typeof values.reason === 'string' ? { reason: values.reason } : {}) };
      const all = values.all === true;
      const targets = all ? (await findHeld(ctx, client, config.temporal.taskQueue)).map((h) => h.workflowId) : [...positionals];
      const results: DecisionResult[] = [];
      const progress = ctx.progress(verb === 'approve' ? 'approving' : 'rejecting', targets.length);
      try {
        for (const workflowId of targets) {
          // --all just found them held; a named one is checked first.
          const problem = all ? undefined : await whyNotHeld(client, workflowId);
          if (problem) results.push({ workflowId, ...problem });
          else {
            await client.workflow.getHandle(workflowId).signal(verb === 'approve' ? approveSignal : rejectSignal, decision);
            results.push({ workflowId, result: DONE[verb] });
          }
          progress.tick();
        }
      } finally {
        progress.done();
      }
      return summarize(verb, decision, results, all);
    },
  };
}

async function whyNotHeld(client: Client, workflowId: string): Promise<Pick<DecisionResult, 'result' | 'detail'> | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') return { result: 'not-held', detail: d.status.name.toLowerCase() };
    const status = await handle.query(eventStatusQuery);
    return status.phase === 'held' ? undefined : { result: 'not-held', detail: status.phase };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { result: 'not-found' };
    throw err;
  }
}

function summarize(verb: 'approve' | 'reject', decision: GuardDecision, results: DecisionResult[], all: boolean): CommandResult {
  const done = results.filter((r) => r.result === DONE[verb]).length;
  const missing = results.filter((r) => r.result === 'not-found').length;
  const text = results.map((r) =>
    r.result === 'not-found' ? `not found ${r.workflowId}` : r.result === 'not-held' ? `not held ${r.workflowId} (${r.detail})` : `${r.result} ${r.workflowId}`,
  );
  if (all && results.length === 0) text.push('nothing is held');
  const json = { decision: verb, by: decision.by, ...(decision.reason ? { reason: decision.reason } : {}), results };
  if (done === results.length) return { json, text };
  const exitCode = missing === results.length ? EXIT.notFound : EXIT.refused;
  return { json, text, exitCode, problem: `${results.length - done} of ${results.length} not ${DONE[verb]}` };
}
