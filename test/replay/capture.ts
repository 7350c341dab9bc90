import { writeFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { openHistoryPayloads } from '../../services/temporal/history';

/** Folder of committed workflow histories that the replay test runs through the current code. */
export const HISTORIES_DIR = new URL('./histories/', import.meta.url);

/**
 * With `JML_CAPTURE_HISTORIES=1`, saves a workflow's history for the replay test. Capture after a
 * deliberate, compatible workflow change (or a new workflow type), review the diff, and commit it.
 * The server holds sealed payloads (services/temporal/codec.ts); they are stored opened with the
 * client's own codec, as plain JSON of synthetic test people, so that replays need no key.
 */
export async function captureHistory(client: Client, workflowId: string, name: string, env = process.env): Promise<boolean> {
  if (env.JML_CAPTURE_HISTORIES !== '1') return false;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  await openHistoryPayloads(history, client.options.loadedDataConverter);
  await writeFile(new URL(`${name}.json`, HISTORIES_DIR), `${historyToJSON(history)}\n`);
  return true;
}
