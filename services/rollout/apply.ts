import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { personWorkflowId, reconcileFixUpdate, type ReconcileFixRequest } from '../../schemas/contracts';
import type { PersonRecord } from '../reconcile/gather';
import type { RolloutChange } from './changes';

/**
 * Applying a policy rollout (`jml policy apply`): each person's changes become the person workflow's
 * `reconcileFix` update, the path `jml reconcile --fix` takes. So a change is never a direct write
 * from here: it waits behind the person's HR events, is planned again from the newest HR truth and
 * the policy the workers run when its turn comes, runs through the same connectors, retries and
 * audit, and a change that takes access away passes the mass-change guard like a leaver.
 *
 * People are asked in person-key order; a cursor records the last person whose changes were all
 * asked, so an interrupted run continues after it. A run that asked everyone clears the cursor.
 */

/** Where a rollout records how far it got (Redis in the CLI; a map in tests). */
export interface RolloutCursor {
  /** The last person key done, if a run of this rollout stopped before the end. */
  read(): Promise<string | undefined>;
  write(personKey: string): Promise<void>;
  clear(): Promise<void>;
}

export type AskStatus = 'asked' | 'already-asked' | 'refused';

export interface RolloutAsk {
  personKey: string;
  appId: string;
  kind: RolloutChange['kind'];
  removes: boolean;
  steps: string[];
  status: AskStatus;
  /** The event workflow that applies it, once its turn comes. */
  workflowId?: string;
  reason?: string;
}

/** The people (in key order) and their changes that a run asks for. */
export interface RolloutWork {
  personKey: string;
  changes: RolloutChange[];
}

/**
 * Asks each person's changes, person after person, advancing the cursor over every person whose
 * changes were all asked (or asked before). A refusal keeps the cursor before that person (a re-run
 * asks them again; what was asked after them answers `already-asked`).
 */
export async function askRollout(req: {
  client: Client;
  work: readonly RolloutWork[];
  by: string;
  cursor: RolloutCursor;
  /** When this run started (ISO): with the change, the update's id (see {@link askOne}). */
  startedAt: string;
  onPerson?: () => void;
}): Promise<RolloutAsk[]> {
  const results: RolloutAsk[] = [];
  let intact = true;
  for (const { personKey, changes } of req.work) {
    let refused = false;
    for (const change of changes) {
      const r = await askOne(req.client, personKey, change, req.by, req.startedAt);
      if (r.status === 'refused') refused = true;
      results.push(r);
    }
    if (refused) intact = false;
    if (intact) await req.cursor.write(personKey);
    req.onPerson?.();
  }
  if (intact) await req.cursor.clear();
  return results;
}

/**
 * One change, as the person workflow's `reconcileFix` update. Temporal answers an update id it has
 * seen with the first answer (`queued`), so the id names this run too: a retry within the run is one
 * update, and a later run's ask reaches the workflow, which knows the fix (its run id names the
 * change) and answers `duplicate`.
 */
async function askOne(client: Client, personKey: string, change: RolloutChange, by: string, startedAt: string): Promise<RolloutAsk> {
  const base = { personKey, appId: change.appId, kind: change.kind, removes: change.removes, steps: change.steps };
  const request: ReconcileFixRequest = { runId: change.runId, appId: change.appId, kind: change.kind, ...(change.drift ? { drift: change.drift } : {}), by };
  try {
    const accepted = await client.workflow
      .getHandle(personWorkflowId(personKey))
      .executeUpdate(reconcileFixUpdate, { args: [request], updateId: `policy-rollout/${change.runId}/${change.appId}/${startedAt}` });
    return { ...base, status: accepted.status === 'duplicate' ? 'already-asked' : 'asked', workflowId: accepted.workflowId };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { ...base, status: 'refused', reason: `${personWorkflowId(personKey)} is not running` };
    if (err instanceof WorkflowUpdateFailedError) return { ...base, status: 'refused', reason: (err.cause as { message?: string } | undefined)?.message ?? err.message };
    throw err;
  }
}

/** The people still to do: those after the cursor (all when there is none). */
export function afterCursor<T extends Pick<PersonRecord, 'personKey'>>(people: readonly T[], cursor: string | undefined): T[] {
  return cursor === undefined ? [...people] : people.filter((p) => p.personKey > cursor);
}
