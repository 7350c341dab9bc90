import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  configurePollerSignal,
  pollerStateQuery,
  pollNowUpdate,
  type CarriedPollerState,
  type PollCursor,
  type PollerActivities,
  type PollError,
  type PollerWorkflowInput,
  type PollSummary,
} from '../schemas/contracts';

/** Roll over well before the history grows heavy (one poll is about a dozen events). */
const MAX_HISTORY_EVENTS = 2_000;
/** Never poll more often than this, whatever a signal says. */
const MIN_INTERVAL_MS = 1_000;

const { pollSource } = proxyActivities<PollerActivities>({
  // A burst of changes is hydrated one employee at a time (BambooHR); a large report downloads slowly (Workday).
  startToCloseTimeout: '1 hour',
  // The activity heartbeats every few seconds, so a lost worker is noticed in two minutes.
  heartbeatTimeout: '2 minutes',
  // A few tries per poll; beyond that the poll is recorded as failed and the next interval retries
  // from the same cursor, so nothing is skipped and the workflow never fails on a vendor outage.
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 3 },
});

/**
 * Reconciliation poller `poll/<source>/<tenant>`: one per polled HR source tenant. Holds the
 * source's cursor in workflow state without reading it (BambooHR's `since`, where Workday's
 * baseline snapshot is kept, …: opaque JSON, `PollCursor`), runs the one poll activity
 * `pollSource` for it, sleeps on a durable timer for `intervalMs`, and continues as new before the
 * history grows. The activity publishes events to `jml.events.v1`; this workflow only keeps time
 * and the cursor, so its history holds no HR data beyond ids and counts.
 *
 * - `pollNow` (update) runs a poll at once and answers with its summary; `configurePoller`
 *   (signal) changes the interval; `pollerState` (query) shows cursor, counters and the last
 *   outcome. The Temporal UI's "current details" show the same in one line.
 * - A poll that fails (after the activity's own retries) keeps the cursor, is recorded as
 *   `lastError`, and is tried again at the next interval.
 */
export async function pollerWorkflow(input: PollerWorkflowInput): Promise<void> {
  const { source, tenant } = input;
  const carried: CarriedPollerState = input.carried ?? { polls: 0, produced: 0, failures: 0, pollRequested: false };
  let intervalMs = Math.max(MIN_INTERVAL_MS, input.intervalMs);
  let cursor: PollCursor | undefined = carried.cursor;
  let polls = carried.polls;
  let produced = carried.produced;
  let failures = carried.failures;
  let lastPoll = carried.lastPoll;
  let lastError = carried.lastError;
  let requested = carried.pollRequested;
  let polling = false;
  let outcome: PollSummary | PollError | undefined;

  setHandler(configurePollerSignal, ({ intervalMs: next }) => {
    if (Number.isFinite(next) && next > 0) intervalMs = Math.max(MIN_INTERVAL_MS, next);
  });
  setHandler(pollNowUpdate, async () => {
    // The poll in flight (if any) started before this request: wait for the one after it.
    const target = polls + failures + (polling ? 2 : 1);
    requested = true;
    await condition(() => polls + failures >= target);
    return outcome as PollSummary | PollError;
  });
  setHandler(pollerStateQuery, () => ({
    source,
    tenant,
    intervalMs,
    polling,
    ...(cursor !== undefined ? { cursor } : {}),
    polls,
    produced,
    failures,
    ...(lastPoll ? { lastPoll } : {}),
    ...(lastError ? { lastError } : {}),
    pollRequested: requested,
  }));

  const shouldRoll = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS;

  // A fresh poller polls at once (its first poll takes the baseline); a continued one waits first.
  let waitFirst = input.carried !== undefined && !carried.pollRequested;
  for (;;) {
    if (waitFirst && !requested) await condition(() => requested, intervalMs);
    waitFirst = true;
    requested = false;
    polling = true;
    try {
      // The cursor is the source's own: handed back as the last poll returned it, never read here.
      const summary = await pollSource({ source, tenant, ...(cursor !== undefined ? { cursor } : {}) });
      cursor = summary.cursor;
      produced += summary.produced;
      lastPoll = summary;
      outcome = summary;
      polls += 1;
    } catch (err) {
      lastError = pollError(err);
      outcome = lastError;
      failures += 1;
      log.warn('poll failed; the next interval retries from the same cursor', { source, tenant, type: lastError.type, error: lastError.message });
    } finally {
      polling = false;
    }
    setCurrentDetails(details(cursor, lastPoll, lastError, intervalMs));

    if (!requested && shouldRoll()) {
      // Let pending handlers finish first; a poll requested meanwhile runs before rolling over.
      await condition(() => allHandlersFinished() || requested);
      if (!requested) {
        await continueAsNew<typeof pollerWorkflow>({
          source,
          tenant,
          intervalMs,
          carried: { ...(cursor !== undefined ? { cursor } : {}), polls, produced, failures, ...(lastPoll ? { lastPoll } : {}), ...(lastError ? { lastError } : {}), pollRequested: false },
        });
      }
    }
  }
}

function pollError(err: unknown): PollError {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const type = cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
  return { at: new Date(Date.now()).toISOString(), ...(type ? { type } : {}), message: (cause as Error | undefined)?.message ?? String(err) };
}

/** One markdown line for the Temporal UI; ids and counts only. */
function details(cursor: PollCursor | undefined, lastPoll: PollSummary | undefined, lastError: PollError | undefined, intervalMs: number): string {
  // The source says where its cursor stands (the summary's `position`); the workflow cannot read it.
  const where = cursor === undefined ? 'no baseline yet' : (lastPoll?.position ?? 'cursor held');
  const last = lastPoll ? `last poll ${lastPoll.at}: ${lastPoll.produced} produced, ${lastPoll.skipped} skipped` : 'no poll yet';
  const error = lastError && (!lastPoll || Date.parse(lastError.at) > Date.parse(lastPoll.at)) ? `; **last poll failed** (${lastError.type ?? 'error'})` : '';
  return `${where}; ${last}${error}; every ${Math.round(intervalMs / 1000)} s`;
}
