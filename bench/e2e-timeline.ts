import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { eventWorkflowId, personWorkflowId } from '../schemas/contracts';
import { openHistoryPayloads } from '../services/temporal/history';

/**
 * Where a leaver's time went, from the benchmark's own clock (sent, 202, disabled seen) and the
 * histories of the person workflow and the leaver's event workflow (same machine, same clock).
 * Read after the load, so it costs the measured run nothing.
 */

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

/** One measured leaver. Times are epoch ms. */
export interface LeaverSample {
  personKey: string;
  eventId: string;
  sentAt: number;
  /** The gateway answered 202 (Kafka acknowledged). */
  acceptedAt: number;
  /** First poll that saw the account disabled in every app. */
  disabledAt: number;
  /** Joiners not yet provisioned when it was sent (backlog phase only). */
  backlog?: number;
}

/**
 * Consecutive stages of one leaver, in ms. Of each Temporal stage, `…Wait` is the part its tasks spent
 * scheduled but not yet started (history transfer queue + matching), `…Run` the part they ran in the
 * worker (started → completed); the rest is the server recording results and scheduling the next task.
 */
export interface LeaverStages {
  /** sent → 202: gateway, Kafka produce (acks=all) of the event and its leaver-lane copy. */
  gateway: number;
  /** 202 → person workflow signaled: leaver-lane consumer, dispatcher, signalWithStart. */
  dispatch: number;
  /** signaled → child workflow initiated: the person workflow's task. */
  person: number;
  personWait: number;
  personRun: number;
  /** child initiated → plan done: child start, its first task, the planEvent activity (local since `plan-local-activity`). */
  plan: number;
  planWait: number;
  planRun: number;
  /** plan done → disabled seen: the next workflow task, five runStep activities, the poll interval. */
  disable: number;
  disableWait: number;
  /** The next workflow task's run, then the last step to start from its start until the apps were seen disabled. */
  disableRun: number;
  total: number;
}

const ms = (t: HistoryEvent['eventTime']): number => (t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : Number.NaN);
const idOf = (value: unknown): number => Number(value ?? Number.NaN);

interface TaskTimes {
  scheduled: number;
  started?: number;
  /** Completed, or ended by a timeout or failure. */
  completed?: number;
}

/** Scheduled, started and completed times of each task (workflow or activity), by the id of its scheduled event. */
function taskTimes(events: HistoryEvent[]): Map<number, TaskTimes> {
  const tasks = new Map<number, TaskTimes>();
  for (const e of events) {
    if (e.workflowTaskScheduledEventAttributes || e.activityTaskScheduledEventAttributes) tasks.set(idOf(e.eventId), { scheduled: ms(e.eventTime) });
    const started = e.workflowTaskStartedEventAttributes ?? e.activityTaskStartedEventAttributes;
    const t = started && tasks.get(idOf(started.scheduledEventId));
    if (t) t.started = ms(e.eventTime);
    // A task's run ends when it completes, or when the server gives up on it (a timed-out or failed
    // attempt is scheduled again, as a new task).
    const ended =
      e.workflowTaskCompletedEventAttributes ??
      e.workflowTaskTimedOutEventAttributes ??
      e.workflowTaskFailedEventAttributes ??
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskFailedEventAttributes;
    const c = ended && tasks.get(idOf(ended.scheduledEventId));
    if (c) c.completed ??= ms(e.eventTime);
  }
  return tasks;
}

const waitOf = (t: TaskTimes | undefined) => (t?.started ?? Number.NaN) - (t?.scheduled ?? Number.NaN);
const runOf = (t: TaskTimes | undefined) => (t?.completed ?? Number.NaN) - (t?.started ?? Number.NaN);

/** Splits one leaver's latency into stages; undefined when a history lacks an expected event. */
export async function leaverStages(client: Client, s: LeaverSample): Promise<LeaverStages | undefined> {
  // Signal inputs are sealed by the pipeline's codec: opened with the client's own.
  const person = (await openHistoryPayloads(await client.workflow.getHandle(personWorkflowId(s.personKey)).fetchHistory(), client.options.loadedDataConverter)).events ?? [];
  const childId = eventWorkflowId(s.personKey, s.eventId);
  const signaled = person.findIndex((e) => {
    const payload = e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
    if (!payload) return false;
    try {
      return defaultPayloadConverter.fromPayload<{ id?: string }>(payload).id === s.eventId;
    } catch {
      return false;
    }
  });
  const after = person.slice(signaled + 1);
  const personTask = after.find((e) => e.workflowTaskScheduledEventAttributes);
  const initiated = after.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId === childId);
  if (signaled < 0 || !personTask || !initiated) return undefined;
  const personTimes = taskTimes(person).get(idOf(personTask.eventId));

  const child = (await client.workflow.getHandle(childId).fetchHistory()).events ?? [];
  const times = taskTimes(child);
  const of = (e: HistoryEvent | undefined) => times.get(idOf(e?.eventId));
  const tasks = child.filter((e) => e.workflowTaskScheduledEventAttributes);
  const activities = child.filter((e) => e.activityTaskScheduledEventAttributes);
  const plan = activities.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'planEvent');
  // Since `plan-local-activity`, the plan is a local activity: a marker written with the first task's completion.
  const planMarker = plan ? undefined : child.find((e) => e.markerRecordedEventAttributes?.markerName?.includes('local_activity'));
  const planDone = plan ? child.find((e) => idOf(e.activityTaskCompletedEventAttributes?.scheduledEventId) === idOf(plan.eventId)) : planMarker;
  const steps = activities.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runStep');
  if (!planDone || tasks.length < (plan ? 2 : 1) || steps.length === 0) return undefined;

  const signaledAt = ms(person[signaled]?.eventTime);
  const initiatedAt = ms(initiated.eventTime);
  const planDoneAt = ms(planDone.eventTime);
  // A remote plan needs one more workflow task to schedule the steps; a local one scheduled them with its marker.
  const next = plan ? of(tasks.find((t) => ms(t.eventTime) >= planDoneAt)) : undefined;
  const lastStepStarted = Math.max(...steps.map((e) => of(e)?.started ?? Number.NaN));
  return {
    gateway: s.acceptedAt - s.sentAt,
    dispatch: signaledAt - s.acceptedAt,
    person: initiatedAt - signaledAt,
    personWait: waitOf(personTimes),
    personRun: runOf(personTimes),
    plan: planDoneAt - initiatedAt,
    planWait: waitOf(of(tasks[0])) + (plan ? waitOf(of(plan)) : 0),
    planRun: runOf(of(tasks[0])) + (plan ? runOf(of(plan)) : 0),
    disable: s.disabledAt - planDoneAt,
    disableWait: (next ? waitOf(next) : 0) + Math.max(...steps.map((e) => waitOf(of(e)))),
    disableRun: (next ? runOf(next) : 0) + Math.max(0, s.disabledAt - lastStepStarted),
    total: s.disabledAt - s.sentAt,
  };
}

/** {@link leaverStages} for many leavers, a few at a time. */
export async function allLeaverStages(client: Client, samples: readonly LeaverSample[]): Promise<LeaverStages[]> {
  const out: Array<LeaverStages | undefined> = new Array(samples.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < samples.length) {
        const i = next++;
        out[i] = await leaverStages(client, samples[i] as LeaverSample).catch(() => undefined);
      }
    }),
  );
  return out.filter((s): s is LeaverStages => s !== undefined);
}
