import type { Client } from '@temporalio/client';

/**
 * Listing workflows and schedules without opening their memos. `client.workflow.list` and
 * `client.schedule.list` decode every hit's memo through the codec, and one memo sealed with a key
 * no longer configured (rotated out, or another deployment's sharing the namespace) stops the whole
 * scan. What ops listings need (ids, type, status, times, task queue, search attributes) is never
 * sealed: search attributes are indexed in plain form by design, so nothing personal is put there.
 */

/** One execution as a visibility query finds it. */
export interface ListedExecution {
  workflowId: string;
  runId: string;
  type: string;
  /** `RUNNING`, `COMPLETED`, `FAILED`, `CANCELED`, `TERMINATED`, `CONTINUED_AS_NEW`, `TIMED_OUT`. */
  status: string;
  startTime?: Date;
  closeTime?: Date;
  taskQueue?: string;
  /** A search attribute's value (keyword, text, bool, int, double, datetime as its ISO text), if set. */
  searchAttribute(name: string): unknown;
}

/** The server's execution status numbers (temporal.api.enums.v1.WorkflowExecutionStatus). */
const STATUS = ['UNSPECIFIED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT'];

interface RawTimestamp {
  seconds?: { toString(): string } | number | null;
  nanos?: number | null;
}
interface RawPayload {
  data?: Uint8Array | null;
}

const dateOf = (t: RawTimestamp | null | undefined): Date | undefined =>
  t && t.seconds !== undefined && t.seconds !== null ? new Date(Number(t.seconds.toString()) * 1_000 + Math.floor((t.nanos ?? 0) / 1e6)) : undefined;

/** Search attribute payloads are JSON (the server indexes them so); an unreadable one is absent. */
function valueOf(payload: RawPayload | undefined): unknown {
  if (!payload?.data) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(payload.data).toString('utf8'));
    // Keyword lists come as arrays; single values as themselves.
    return v;
  } catch {
    return undefined;
  }
}

/** Every execution a visibility query finds, page by page, read raw (see the module comment). */
export async function* listExecutions(client: Client, query: string): AsyncGenerator<ListedExecution> {
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, pageSize: 1_000, ...(nextPageToken ? { nextPageToken } : {}) });
    for (const e of page.executions ?? []) {
      const workflowId = e.execution?.workflowId;
      if (!workflowId) continue;
      const fields = (e.searchAttributes?.indexedFields ?? {}) as Record<string, RawPayload>;
      const startTime = dateOf(e.startTime as RawTimestamp | null | undefined);
      const closeTime = dateOf(e.closeTime as RawTimestamp | null | undefined);
      yield {
        workflowId,
        runId: e.execution?.runId ?? '',
        type: e.type?.name ?? '',
        status: STATUS[Number(e.status ?? 0)] ?? 'UNSPECIFIED',
        ...(startTime ? { startTime } : {}),
        ...(closeTime ? { closeTime } : {}),
        ...(e.taskQueue ? { taskQueue: e.taskQueue } : {}),
        searchAttribute: (name) => valueOf(fields[name]),
      };
    }
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
}

/** The workflow ids a visibility query finds (see {@link listExecutions}). */
export async function* listWorkflowIds(client: Client, query: string): AsyncGenerator<string> {
  for await (const e of listExecutions(client, query)) yield e.workflowId;
}

/** Every schedule id of the namespace, read raw (a schedule's memo is sealed like a workflow's). */
export async function* listScheduleIds(client: Client): AsyncGenerator<string> {
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listSchedules({ namespace: client.options.namespace, maximumPageSize: 1_000, ...(nextPageToken ? { nextPageToken } : {}) });
    for (const s of page.schedules ?? []) if (s.scheduleId) yield s.scheduleId;
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
}

/** A keyword search attribute's value as text (undefined when absent or not text). */
export function keyword(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
