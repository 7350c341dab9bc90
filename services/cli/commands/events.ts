import { JmlKind, NeedsAttention, PersonKey } from '../../../schemas/contracts';
import { keyword, listExecutions } from '../../temporal/visibility';
import type { CommandSpec } from '../command';
import { EXIT } from '../exit-codes';

/** Quotes a value for a Temporal visibility query. */
export const visibilityString = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** One workflow of an employee, as `jml events --json` prints it. */
export interface EventRow {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  startTime: string;
  closeTime?: string;
  personKey?: string;
  kind?: string;
  needsAttention?: boolean;
}

/** `jml events <employeeId>`: the workflows of an employee, as the Temporal UI finds them. */
export const events: CommandSpec = {
  name: 'events',
  summary: 'list the workflows of an employee (person and event workflows)',
  args: [{ name: 'employeeId', description: "the employee id in the HR system (search attribute EmployeeId)" }],
  details: ["Lists the workflows whose EmployeeId is the given id (the Temporal UI query EmployeeId='<employeeId>'), across sources and tenants."],
  examples: ['events 4101', 'events --json 4101'],
  exits: { 3: 'no workflow has that EmployeeId' },
  async run(ctx, { positionals: [employeeId] }) {
    const { client } = await ctx.temporal();
    const query = `EmployeeId=${visibilityString(employeeId as string)}`;
    const rows: EventRow[] = [];
    // Raw: a memo sealed with a key this CLI lacks must not stop the listing (services/temporal/visibility.ts).
    for await (const wf of listExecutions(client, query)) {
      const needsAttention = wf.searchAttribute(NeedsAttention.name);
      rows.push({
        workflowId: wf.workflowId,
        runId: wf.runId,
        type: wf.type,
        status: wf.status,
        startTime: (wf.startTime ?? new Date(0)).toISOString(),
        ...(wf.closeTime ? { closeTime: wf.closeTime.toISOString() } : {}),
        ...defined({ personKey: keyword(wf.searchAttribute(PersonKey.name)), kind: keyword(wf.searchAttribute(JmlKind.name)), needsAttention: typeof needsAttention === 'boolean' ? needsAttention : undefined }),
      });
    }
    return {
      json: { employeeId, query, workflows: rows },
      text: rows.map((r) => `${r.status.padEnd(10)} ${r.type.padEnd(18)} ${r.workflowId}${r.needsAttention ? '  (needs attention)' : ''}`),
      ...(rows.length === 0 ? { exitCode: EXIT.notFound, problem: `no workflows with ${query}` } : {}),
    };
  },
};

/** The entries whose value is set (search attributes a workflow does not carry are left out). */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
