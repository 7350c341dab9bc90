import { CONNECTOR_FACTORIES } from '../../../connectors/registry';
import type { AppHoldings, EventPlan, PersonState } from '../../../schemas/contracts';
import type { JmlEvent, PersonSnapshot } from '../../../schemas/jml-event.v1';
import { disposeConnectors } from '../../policy/app';
import { loadPolicyFile } from '../../policy/load';
import { planWithPolicy } from '../../policy/plan';
import type { CommandSpec } from '../command';
import { usageError } from '../exit-codes';
import { readEventFile } from '../input';
import { queryPerson } from './person';

/** What a plan was made against: the person as the pipeline holds them now, or nobody. */
export interface PlanBasis {
  /** `found`: planned against the person workflow's holdings; `absent`: no person workflow, planned as for a new person; `ignored`: --empty. */
  personWorkflow: 'found' | 'absent' | 'ignored';
  holdings?: AppHoldings;
  /** Fields of the event's person that differ from the person as last applied (names only). */
  changedSinceApplied?: string[];
  /** The event id was seen by the person workflow already: it would be dropped as a duplicate. */
  alreadySeen?: { status: string };
}

/**
 * `jml plan <event.json>`: what the policy would do for an event, without doing it. The person
 * workflow's holdings go to the planner exactly as the event workflow passes them (PlanEventInput
 * `holdings`), so the plan is the one the pipeline would make for this person now.
 */
export const plan: CommandSpec = {
  name: 'plan',
  summary: 'show what the policy would do for an event, for what the person holds now, without doing it',
  args: [{ name: 'event.json', description: 'a JmlEvent v1' }],
  options: { empty: { type: 'boolean', description: 'plan as for a person the pipeline holds nothing of (no Temporal needed)' } },
  details: [
    'Plans with the policy in JML_CONFIG_FILE and the current holdings of person/<subject> (query `state`), as the event workflow would. Without a person workflow it plans for an empty person and says so on stderr.',
  ],
  examples: ['plan docs/examples/joiner.json', 'plan --json mover.json', 'plan --empty mover.json'],
  exits: {},
  async run(ctx, { positionals: [file], values }) {
    const event = await readEventFile(file as string);
    const config = ctx.config();
    if (!config.policyFile) throw usageError('JML_CONFIG_FILE is not set: name the policy file to plan with');
    const policy = loadPolicyFile({ path: config.policyFile, env: ctx.io.env, connectors: CONNECTOR_FACTORIES });
    try {
      const basis: PlanBasis = { personWorkflow: 'ignored' };
      if (values.empty !== true) {
        const { client } = await ctx.temporal();
        const state = await queryPerson(client, event.subject);
        if (state) Object.assign(basis, currentBasis(state, event));
        else {
          basis.personWorkflow = 'absent';
          ctx.note(`no person workflow for ${event.subject}: planning as for a person the pipeline holds nothing of`);
        }
      }
      if (basis.alreadySeen) ctx.note(`${event.subject} has seen event ${event.id} already (${basis.alreadySeen.status}): the pipeline would drop it as a duplicate`);
      const planned = planWithPolicy({ policy, event, ...(basis.holdings ? { holdings: basis.holdings } : {}) });
      return { json: { eventId: event.id, personKey: event.subject, basis, plan: planned }, text: describePlan(event, basis, planned) };
    } finally {
      await disposeConnectors(policy.apps.values());
    }
  },
};

function currentBasis(state: PersonState, event: JmlEvent): PlanBasis {
  const seen = state.recent.find((r) => r.eventId === event.id) ?? (state.pendingEventIds.includes(event.id) ? { status: 'pending' } : undefined);
  return {
    personWorkflow: 'found',
    holdings: state.apps,
    ...(state.person ? { changedSinceApplied: changedFields(state.person, event.data.person) } : {}),
    ...(seen ? { alreadySeen: { status: seen.status } } : {}),
  };
}

/** Names of the snapshot fields whose values differ (compared as JSON; order of keys in `custom` ignored). */
function changedFields(before: PersonSnapshot, after: PersonSnapshot): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const norm = (v: unknown) => JSON.stringify(v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v);
  return keys.filter((k) => norm((before as Record<string, unknown>)[k]) !== norm((after as Record<string, unknown>)[k]));
}

/** The human form: the basis, then per app its steps' summaries, then why and the guard. */
function describePlan(event: JmlEvent, basis: PlanBasis, p: EventPlan): string[] {
  const held = Object.keys(basis.holdings ?? {}).length;
  const against =
    basis.personWorkflow === 'found'
      ? `what the person holds now (${held} app${held === 1 ? '' : 's'})`
      : basis.personWorkflow === 'absent'
        ? 'an empty person (no person workflow)'
        : 'an empty person (--empty)';
  const lines = [`plan of ${event.id} (${event.type}) for ${p.personKey}, against ${against}`];
  if (basis.changedSinceApplied?.length) lines.push(`  differs from the person as last applied in: ${basis.changedSinceApplied.join(', ')}`);
  const width = Math.max(0, ...p.apps.map((a) => a.appId.length));
  if (p.apps.length === 0) lines.push('  no app changes');
  for (const app of p.apps) lines.push(`  ${app.appId.padEnd(width)}  ${app.steps.map((s) => s.summary).join('; ')}`);
  if (p.why) lines.push(`  rules: ${p.why.matchedRules.join(', ') || 'none'}${p.why.deniedBy.length ? `; denied by ${p.why.deniedBy.join(', ')}` : ''}`);
  if (p.guard) lines.push(`  mass-change guard: counted (held beyond ${p.guard.max} in ${Math.round(p.guard.windowMs / 1000)} s)`);
  return lines;
}
