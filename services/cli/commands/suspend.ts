import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { personWorkflowId, SECURITY_ACTION_REFUSALS, securityActionUpdate, type SecurityActionAccepted } from '../../../schemas/contracts';
import type { CommandResult, CommandSpec } from '../command';
import { CliError, EXIT } from '../exit-codes';

const REFUSALS: ReadonlySet<string> = new Set(SECURITY_ACTION_REFUSALS);

/**
 * `jml suspend <personKey> --reason …` and `jml restore <personKey> --reason …`: an emergency
 * suspension through the person workflow (the `securityAction` update), and its end.
 */
function securityActionCommand(action: 'suspend' | 'restore'): CommandSpec {
  const suspend = action === 'suspend';
  return {
    name: action,
    summary: suspend
      ? 'disable the person in every app at once and end their sessions (leaver lane), until jml restore'
      : 'end a suspension: give back the apps and groups it took, as HR grants them now',
    args: [{ name: 'personKey', description: 'the person key, <source>:<tenant>:<employeeId> (docs/person-keys.md)' }],
    options: { reason: { type: 'string', value: 'text', description: 'why (required; shown in the Temporal UI, no personal data)' } },
    details: suspend
      ? [
          'Queued in person/<personKey> ahead of any HR event waiting, it runs as jml/<personKey>/suspend-<n> on the leaver task queue: every configured app disabled, then sessions ended where the connector can (sessions.revoke).',
          'While suspended, HR events are still applied where they remove access (leavers, revokes, apps no longer granted); nothing creates, enables or grants until jml restore.',
        ]
      : [
          'Runs as jml/<personKey>/restore-<n>: every app the rules grant now is enabled with its groups, except those the person held disabled before the suspension. An app a mover removed meanwhile stays off; one it added is granted. A person HR no longer has active gets nothing back.',
        ],
    examples: [`${action} bamboohr:acme:4101 --reason "SEC-1234 phished credentials"`, `${action} --json bamboohr:acme:4101 --reason "SEC-1234"`],
    exits: {
      3: 'no person workflow for that key, or no HR event applied to the person yet',
      4: suspend ? 'refused: the person is already suspended' : 'refused: the person is not suspended',
    },
    check: ({ values }) => (typeof values.reason === 'string' && values.reason.trim() !== '' ? undefined : `jml ${action} needs --reason`),
    async run(ctx, { values, positionals: [personKey] }): Promise<CommandResult> {
      const key = personKey as string;
      const { client } = await ctx.temporal();
      const request = { action, by: `jml ${action} (${ctx.io.user})`, reason: String(values.reason).trim() };
      let accepted: SecurityActionAccepted;
      try {
        accepted = await client.workflow.getHandle(personWorkflowId(key)).executeUpdate(securityActionUpdate, { args: [request] });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new CliError(`no person workflow ${personWorkflowId(key)}`, EXIT.notFound);
        const cause = err instanceof WorkflowUpdateFailedError ? (err.cause as { type?: unknown; message?: string } | undefined) : undefined;
        const type = cause?.type;
        if (typeof type !== 'string' || !REFUSALS.has(type)) throw err;
        const message = cause?.message ?? type;
        return { json: { status: 'refused', reason: type, message }, text: [`refused: ${type}: ${message}`], exitCode: type === 'unknown-person' ? EXIT.notFound : type === 'invalid-request' ? EXIT.usage : EXIT.refused, problem: `refused: ${type}` };
      }
      const text = [`accepted ${accepted.workflowId}${accepted.queuedBehind > 0 ? ` (behind ${accepted.queuedBehind} suspend/restore)` : ''}`];
      return { json: { status: 'accepted', ...accepted }, text };
    },
  };
}

/** `jml suspend <personKey> --reason …`. */
export const suspend = securityActionCommand('suspend');
/** `jml restore <personKey> --reason …`. */
export const restore = securityActionCommand('restore');
