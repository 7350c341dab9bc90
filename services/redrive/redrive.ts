import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import {
  eventWorkflowId,
  PersonKey,
  personWorkflowId,
  REDRIVE_REFUSALS,
  redriveUpdate,
  type RedriveRefusal,
  type RedriveRequest,
} from '../../schemas/contracts';
import { originalInput } from './original-input';
import { candidateOf, eventOf, listWorkflowIds, selectionQuery, selectRedrives, type RedriveCandidate, type RedriveSelection } from './select';

/**
 * Re-drive: apply again an event whose last outcome was failed or needs-attention, after its cause
 * was fixed, through the person workflow (the `redrive` update), as a new run of its event workflow
 * linked to the run it re-drives. A library for `jml redrive` (typed inputs and results, no
 * printing); docs/operations.md, "Re-drive", says what is refused and why.
 */

/** What to re-drive: an event workflow id, an event of a person, or an event id alone (looked up). */
export type RedriveTarget = { workflowId: string } | { personKey: string; eventId: string } | { eventId: string };

export interface RedriveOptions {
  /** Who asks (operator or tool), kept in the person's state and the new run's memo. */
  by: string;
  /** Why, in a few words; no personal data. */
  reason?: string;
  /** How long to wait for the new run to start and report its run id (default 10 s; 0: do not wait). */
  waitForStartMs?: number;
}

/**
 * Why a re-drive was refused. Besides the person workflow's reasons ({@link RedriveRefusal}):
 * `not-found` (no such event workflow, or none needing a re-drive ends with the event id),
 * `ambiguous` (an event id alone matches several people's events), `not-an-event` (a pre-start or
 * retention-delete run, or a workflow that is not an event workflow), `person-not-running` (the
 * person workflow is closed).
 */
export type RedriveRefusalReason = RedriveRefusal | 'not-found' | 'ambiguous' | 'not-an-event' | 'person-not-running';

export interface RedriveAcceptedResult {
  status: 'accepted';
  workflowId: string;
  personKey: string;
  eventId: string;
  /** 1 for the event's first re-drive. */
  attempt: number;
  /** The run re-driven (the new run's memo `redrive.of`). */
  originalRunId: string;
  /** The new run, once it started within `waitForStartMs`; absent while it waits its turn. */
  newRunId?: string;
  /** Events of the person queued or running ahead of it when it was accepted. */
  queuedBehind: number;
}

export interface RedriveRefusedResult {
  status: 'refused';
  reason: RedriveRefusalReason;
  /** Event ids and statuses only. */
  message: string;
  workflowId?: string;
  personKey?: string;
  eventId?: string;
}

export type RedriveResult = RedriveAcceptedResult | RedriveRefusedResult;

/** How long the person workflow may take to answer the update (a worker must be running). */
const UPDATE_DEADLINE_MS = 30_000;
const DEFAULT_WAIT_FOR_START_MS = 10_000;

/**
 * Re-drives one event. Reads the latest run of its event workflow (refused while it runs), takes the
 * event from that run's input, and asks the person workflow to queue it again; the answer is the
 * person workflow's (accepted with its attempt number, or refused with a reason), plus the new
 * run's id once it started. Throws only when Temporal cannot be reached or answers unexpectedly.
 */
export async function redrive(client: Client, target: RedriveTarget, opts: RedriveOptions): Promise<RedriveResult> {
  const resolved = await resolve(client, target);
  if ('status' in resolved) return resolved;
  const { workflowId } = resolved;
  const handle = client.workflow.getHandle(workflowId);
  let desc;
  try {
    desc = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return refused('not-found', `no event workflow ${workflowId}`, { workflowId });
    throw err;
  }
  if (desc.type !== 'jmlEventWorkflow') return refused('not-an-event', `${workflowId} is a ${desc.type}, not an event workflow`, { workflowId });
  const ids = eventOf(workflowId, desc.typedSearchAttributes.get(PersonKey));
  if (!ids) return refused('not-an-event', `${workflowId} is not named jml/<personKey>/<eventId>`, { workflowId });
  const where = { workflowId, ...ids };
  if (desc.status.name === 'RUNNING') return refused('in-flight', `${workflowId} is running now: wait for its outcome`, where);

  const input = await originalInput(client, workflowId, desc.runId);
  if ((input.mode !== undefined && input.mode !== 'apply') || input.event.id !== ids.eventId) {
    return refused('not-an-event', `${workflowId} is a ${input.mode ?? 'derived'} run, not an event: it is not re-driven`, where);
  }
  const request: RedriveRequest = {
    eventId: ids.eventId,
    event: input.event,
    originalRunId: desc.runId,
    by: opts.by,
    ...(opts.reason ? { reason: opts.reason } : {}),
  };
  let accepted;
  try {
    accepted = await client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
      // The id makes a repeated request for the same run (a retry, two operators) one re-drive.
      client.workflow.getHandle(personWorkflowId(ids.personKey)).executeUpdate(redriveUpdate, { args: [request], updateId: `redrive/${ids.eventId}/${desc.runId}` }),
    );
  } catch (err) {
    const refusal = refusalOf(err);
    if (refusal) return refused(refusal.reason, refusal.message, where);
    if (err instanceof WorkflowNotFoundError) return refused('person-not-running', `${personWorkflowId(ids.personKey)} is not running`, where);
    throw err;
  }
  const newRunId = await newRun(client, workflowId, desc.runId, opts.waitForStartMs ?? DEFAULT_WAIT_FOR_START_MS);
  return {
    status: 'accepted',
    ...where,
    attempt: accepted.attempt,
    originalRunId: desc.runId,
    ...(newRunId ? { newRunId } : {}),
    queuedBehind: accepted.queuedBehind,
  };
}

export interface RedriveManyOptions extends RedriveOptions {
  /** More candidates than this are held until `confirm` (the setting JML_REDRIVE_CONFIRM_ABOVE). */
  confirmAbove: number;
  /** The operator confirmed a re-drive of more than `confirmAbove` events (`--yes`). */
  confirm?: boolean;
  /** List the candidates only. */
  dryRun?: boolean;
  /** Re-drives asked at once (default 4): each waits for its person workflow's answer. */
  concurrency?: number;
}

export interface RedriveManyResult {
  /** What the selection found, oldest first. */
  candidates: RedriveCandidate[];
  /**
   * `done`: each candidate was asked (see `results`); `held`: more than `confirmAbove` and not
   * confirmed, nothing was asked; `dry-run`: nothing was asked.
   */
  outcome: 'done' | 'held' | 'dry-run';
  /** One per candidate, in the candidates' order (empty unless `done`). */
  results: RedriveResult[];
}

/**
 * Re-drives every event the selection finds (`jml redrive --all --since … --app …`), guarded like a
 * mass change: more than `confirmAbove` at once are held (nothing is asked) until confirmed.
 */
export async function redriveMany(client: Client, selection: RedriveSelection, opts: RedriveManyOptions): Promise<RedriveManyResult> {
  const candidates = await selectRedrives(client, selection);
  if (opts.dryRun) return { candidates, outcome: 'dry-run', results: [] };
  if (candidates.length > opts.confirmAbove && !opts.confirm) return { candidates, outcome: 'held', results: [] };
  const results: RedriveResult[] = new Array(candidates.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < candidates.length; i = next++) {
      const c = candidates[i] as RedriveCandidate;
      results[i] = await redrive(client, { workflowId: c.workflowId }, opts);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, candidates.length)) }, lane));
  return { candidates, outcome: 'done', results };
}

/** The workflow id a target names, or why none. An event id alone is looked up among the candidates. */
async function resolve(client: Client, target: RedriveTarget): Promise<{ workflowId: string } | RedriveRefusedResult> {
  if ('workflowId' in target) return { workflowId: target.workflowId };
  if ('personKey' in target) return { workflowId: eventWorkflowId(target.personKey, target.eventId) };
  const suffix = `/${target.eventId}`;
  const matches = new Set<string>();
  for await (const workflowId of listWorkflowIds(client, selectionQuery())) {
    if (workflowId.endsWith(suffix)) matches.add(workflowId);
  }
  const found: string[] = [];
  for (const id of matches) if (await candidateOf(client, id)) found.push(id);
  if (found.length === 1) return { workflowId: found[0] as string };
  if (found.length === 0) {
    return refused('not-found', `no event workflow needing a re-drive ends with ${suffix}: give its workflow id, or its person key`, { eventId: target.eventId });
  }
  return refused('ambiguous', `${found.length} people have an event ${target.eventId}: give the workflow id`, { eventId: target.eventId });
}

/** The refusal an update failure carries (its ApplicationFailure type), if it is one of ours. */
export function refusalOf(err: unknown): { reason: RedriveRefusal; message: string } | undefined {
  if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = err.cause as { type?: unknown; message?: string } | undefined;
  const type = cause?.type;
  if (typeof type !== 'string' || !(REDRIVE_REFUSALS as readonly string[]).includes(type)) return undefined;
  return { reason: type as RedriveRefusal, message: cause?.message ?? type };
}

/** The id of a run of `workflowId` newer than `than`, once one starts within `waitMs`. */
async function newRun(client: Client, workflowId: string, than: string, waitMs: number): Promise<string | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { runId } = await client.workflow.getHandle(workflowId).describe();
    if (runId !== than) return runId;
    if (Date.now() >= deadline) return undefined;
    await sleep(200);
  }
}

function refused(reason: RedriveRefusalReason, message: string, where: Partial<Pick<RedriveRefusedResult, 'workflowId' | 'personKey' | 'eventId'>> = {}): RedriveRefusedResult {
  return { status: 'refused', reason, message, ...where };
}
