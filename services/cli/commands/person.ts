import { WorkflowNotFoundError } from '@temporalio/common';
import { personStateQuery, personWorkflowId, type PersonState } from '../../../schemas/contracts';
import type { Client } from '@temporalio/client';
import type { CommandSpec } from '../command';
import { CliError, EXIT } from '../exit-codes';

/** The person workflow's state, or undefined when the pipeline never saw the person. */
export async function queryPerson(client: Client, personKey: string): Promise<PersonState | undefined> {
  try {
    return await client.workflow.getHandle(personWorkflowId(personKey)).query(personStateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** `jml person <personKey>`: what the person's workflow holds. */
export const person: CommandSpec = {
  name: 'person',
  summary: "show what the person's workflow holds: apps, recent outcomes, pending and waiting events",
  args: [{ name: 'personKey', description: 'the person key, <source>:<tenant>:<employeeId> (docs/person-keys.md)' }],
  details: ['Asks the workflow person/<personKey> (query `state`). --json prints the whole state, including the person as last applied.'],
  examples: ['person bamboohr:acme:4101', 'person --json bamboohr:acme:4101'],
  exits: { 3: 'no person workflow for that key (the pipeline never saw the person)' },
  async run(ctx, { positionals: [personKey] }) {
    const key = personKey as string;
    const { client } = await ctx.temporal();
    const state = await queryPerson(client, key);
    if (!state) throw new CliError(`no person workflow ${personWorkflowId(key)}`, EXIT.notFound);
    return { json: { workflowId: personWorkflowId(key), state }, text: describePerson(state) };
  },
};

/** The human form of a person's state; no names or e-mail addresses (they are in --json). */
export function describePerson(s: PersonState): string[] {
  const lines = [
    personWorkflowId(s.personKey),
    `  processed ${s.processed}, duplicates ${s.duplicates}, superseded ${s.superseded}, pending ${s.pendingEventIds.length}${s.currentEventId ? `, applying ${s.currentEventId}` : ''}`,
  ];
  const apps = Object.entries(s.apps).sort(([a], [b]) => (a < b ? -1 : 1));
  const width = Math.max(0, ...apps.map(([id]) => id.length));
  lines.push(apps.length === 0 ? '  apps: none' : '  apps:');
  for (const [appId, h] of apps) lines.push(`    ${appId.padEnd(width)}  ${h.status.padEnd(8)}  ${h.entitlements.length > 0 ? h.entitlements.join(' ') : '-'}`);
  if (s.recent.length > 0) {
    lines.push('  recent (newest last):');
    for (const r of s.recent) lines.push(`    ${r.status.padEnd(15)}  ${r.type.padEnd(16)}  ${r.eventId}${r.error ? `  (${r.error})` : ''}`);
  }
  if (s.suspension) lines.push(`  SUSPENDED (${s.suspension.id}) since ${s.suspension.at} by ${s.suspension.by}: ${s.suspension.reason}; took ${s.suspension.took.join(', ') || 'nothing active'}`);
  for (const w of s.waiting) lines.push(`  waiting: ${w.type} ${w.eventId} until ${w.until}`);
  for (const p of s.preStarts) lines.push(`  prestart: ${p.appIds.join(', ')} at ${p.at}${p.done ? ' (done)' : ''} for ${p.eventId}`);
  for (const d of s.scheduledDeletes) lines.push(`  delete: ${d.appIds.join(', ')} at ${d.dueAt} (leaver ${d.leaverEventId})`);
  for (const a of s.attention ?? []) {
    lines.push(`  needs a re-drive: ${a.type} ${a.eventId} (${a.status}${a.apps.length > 0 ? `: ${a.apps.join(', ')}` : ''})${a.redriven ? `, re-driven ${a.redriven}x` : ''}  -> jml redrive ${a.eventId} --person ${s.personKey}`);
  }
  for (const r of s.redrives ?? []) {
    lines.push(`  re-drive ${r.attempt} of ${r.eventId}: ${r.status}${r.runId ? `, run ${r.runId}` : ''} (of run ${r.of}), by ${r.by} at ${r.at}${r.reason ? `: ${r.reason}` : ''}${r.error ? ` (${r.error})` : ''}`);
  }
  return lines;
}
