import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { KafkaMessage } from 'kafkajs';
import { personWorkflowId, SECURITY_ACTION_REFUSALS, securityActionUpdate, type SecurityActionAccepted, type SecurityActionRequest } from '../../schemas/contracts';
import { actionOf, SecurityActionReader, type SecurityAction } from '../../schemas/security-action.v1';
import { readV1Record, type UnreadableCode } from './read-event';

export type ReadActionResult = { ok: true; action: SecurityAction } | { ok: false; code: UnreadableCode; reason: string };

/**
 * Reads one record of `jml.security.v1` as a v1 reader must (major version 1 in `jml-schema-version`,
 * every v1 rule, unknown fields of a newer minor tolerated). Never throws.
 */
export function readActionRecord(message: Pick<KafkaMessage, 'value' | 'headers'>): ReadActionResult {
  const read = readV1Record(message, SecurityActionReader);
  return read.ok ? { ok: true, action: read.value as SecurityAction } : read;
}

/** The request a security action makes of the person workflow: who asked is the sender's requester, by way of its source. */
export function actionRequest(action: SecurityAction): SecurityActionRequest {
  return { action: actionOf(action.type), by: `${action.data.requestedBy} via ${action.source}`, reason: action.data.reason };
}

export type DispatchedAction = { status: 'accepted'; accepted: SecurityActionAccepted } | { status: 'refused'; code: string; reason: string };

/**
 * Hands a security action to the person's workflow (the `securityAction` update, with the action's
 * id as the update id, so a redelivered record is not asked twice of the same run). A refusal
 * (unknown person, already suspended, not suspended) is returned for the dead-letter queue; any
 * other failure throws, and the record is retried.
 */
export async function dispatchAction(temporal: Client, action: SecurityAction): Promise<DispatchedAction> {
  try {
    const accepted = await temporal.workflow
      .getHandle(personWorkflowId(action.subject))
      .executeUpdate(securityActionUpdate, { args: [actionRequest(action)], updateId: `security/${action.id}` });
    return { status: 'accepted', accepted };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { status: 'refused', code: 'unknown-person', reason: `no person workflow ${personWorkflowId(action.subject)}` };
    const cause = err instanceof WorkflowUpdateFailedError ? (err.cause as { type?: unknown; message?: string } | undefined) : undefined;
    const type = cause?.type;
    if (typeof type === 'string' && (SECURITY_ACTION_REFUSALS as readonly string[]).includes(type)) return { status: 'refused', code: type, reason: cause?.message ?? type };
    throw err;
  }
}
