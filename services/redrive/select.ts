import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { eventWorkflowId, JmlKind, NeedsAttention, PersonKey, type EventOutcome } from '../../schemas/contracts';
import { listWorkflowIds } from '../temporal/visibility';

/** Read raw: see services/temporal/visibility.ts. */
export { listWorkflowIds };

/** Which failed or needs-attention events to re-drive (`jml redrive --all [--since] [--app]`). */
export interface RedriveSelection {
  /** Only event workflows started at or after this moment. */
  since?: Date;
  /** Only events that did not end `done` in this app (the `Apps` search attribute, then the outcome). */
  app?: string;
  /** At most this many events (default 1,000), oldest first. */
  limit?: number;
}

/** An event whose latest run ended failed or needs-attention. */
export interface RedriveCandidate {
  workflowId: string;
  /** The latest run of the workflow id: the one a re-drive links to. */
  runId: string;
  personKey: string;
  eventId: string;
  /** `failed`: the run did not complete (failed, timed out, terminated, cancelled). */
  status: 'needs-attention' | 'failed';
  startTime: Date;
  /** `needs-attention`: the apps that did not end `done`. */
  apps?: string[];
}

export const DEFAULT_SELECTION_LIMIT = 1_000;

/** Workflow statuses of a run that did not complete (a failed child, in the person's terms). */
const NOT_COMPLETED = ['Failed', 'TimedOut', 'Terminated', 'Canceled'];

/**
 * The visibility query of event workflows that may need a re-drive: closed, flagged NeedsAttention
 * or not completed, not a pre-start or retention-delete run, started since `since`, planned for
 * `app`. It finds every run of an id (a re-driven one too); {@link selectRedrives} keeps an id only
 * when its latest run still needs one.
 */
export function selectionQuery(sel: Pick<RedriveSelection, 'since' | 'app'> = {}): string {
  const parts = [
    "WorkflowType = 'jmlEventWorkflow'",
    "ExecutionStatus != 'Running'",
    `(NeedsAttention = true OR ${NOT_COMPLETED.map((s) => `ExecutionStatus = '${s}'`).join(' OR ')})`,
    "JmlKind != 'prestart'",
    "JmlKind != 'delete'",
  ];
  if (sel.app !== undefined) parts.push(`Apps = ${quote(sel.app)}`);
  if (sel.since !== undefined) parts.push(`StartTime >= ${quote(sel.since.toISOString())}`);
  return parts.join(' AND ');
}

/** A string literal of the visibility query language. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Whether the latest run of an event workflow asks for a re-drive, from its description: `failed`
 * when it did not complete; `needs-attention` when it completed flagged (the outcome then says
 * whether it was really needs-attention, not rejected at the guard); else undefined.
 */
export function attentionStatus(desc: Pick<WorkflowExecutionDescription, 'status' | 'typedSearchAttributes'>): RedriveCandidate['status'] | undefined {
  const name = desc.status.name;
  if (name === 'FAILED' || name === 'TIMED_OUT' || name === 'TERMINATED' || name === 'CANCELLED') return 'failed';
  if (name === 'COMPLETED' && desc.typedSearchAttributes.get(NeedsAttention) === true) return 'needs-attention';
  return undefined;
}

/** The person key and event id of an event workflow, from its id and PersonKey search attribute. */
export function eventOf(workflowId: string, personKey: string | undefined): { personKey: string; eventId: string } | undefined {
  if (!personKey) return undefined;
  const prefix = eventWorkflowId(personKey, '');
  if (!workflowId.startsWith(prefix) || workflowId.length === prefix.length) return undefined;
  return { personKey, eventId: workflowId.slice(prefix.length) };
}

/**
 * The events to re-drive, oldest first: every event workflow id the query finds whose latest run
 * ended failed, or needs-attention with (given `app`) that app among those not `done`. Reads each
 * candidate's description, and a needs-attention run's outcome, through `client` (its codec).
 */
export async function selectRedrives(client: Client, sel: RedriveSelection = {}): Promise<RedriveCandidate[]> {
  const limit = sel.limit ?? DEFAULT_SELECTION_LIMIT;
  const found: RedriveCandidate[] = [];
  const looked = new Set<string>();
  for await (const workflowId of listWorkflowIds(client, selectionQuery(sel))) {
    if (looked.has(workflowId)) continue;
    looked.add(workflowId);
    const candidate = await candidateOf(client, workflowId, sel.app);
    if (candidate) found.push(candidate);
    if (found.length >= limit) break;
  }
  return found.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

/** The workflow id as a candidate, judged by its latest run; undefined when that run needs nothing. */
export async function candidateOf(client: Client, workflowId: string, app?: string): Promise<RedriveCandidate | undefined> {
  const desc = await client.workflow.getHandle(workflowId).describe();
  const status = attentionStatus(desc);
  const kind = desc.typedSearchAttributes.get(JmlKind);
  const ids = eventOf(workflowId, desc.typedSearchAttributes.get(PersonKey));
  if (!status || !ids || kind === 'prestart' || kind === 'delete') return undefined;
  const base = { workflowId, runId: desc.runId, ...ids, startTime: desc.startTime };
  if (status === 'failed') return { ...base, status };
  const outcome = (await client.workflow.getHandle(workflowId, desc.runId).result()) as EventOutcome;
  if (outcome.status !== 'needs-attention') return undefined;
  const apps = outcome.apps.filter((a) => a.status !== 'done').map((a) => a.appId);
  if (app !== undefined && !apps.includes(app)) return undefined;
  return { ...base, status, apps };
}
