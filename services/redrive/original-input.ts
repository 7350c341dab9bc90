import type { Client } from '@temporalio/client';
import type { EventWorkflowInput } from '../../schemas/contracts';
import { openHistoryPayloads } from '../temporal/history';

/**
 * The input one run of an event workflow started with, read from its history's first event with the
 * client's own data converter (payloads are sealed by the codec: services/temporal/codec.ts). This
 * is the record of the event as the person workflow handed it over, so a re-drive applies exactly
 * that event (the person workflow keeps only the facts of applied events, not their bodies).
 * Throws when the history has no start event or no input (never the case for our workflows).
 */
export async function originalInput(client: Client, workflowId: string, runId: string): Promise<EventWorkflowInput> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const payload = started?.input?.payloads?.[0];
  if (!payload) throw new Error(`${workflowId} (run ${runId}) has no start event with an input`);
  await openHistoryPayloads(payload, client.options.loadedDataConverter);
  return client.options.loadedDataConverter.payloadConverter.fromPayload<EventWorkflowInput>(payload);
}
