import {
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  log,
  ParentClosePolicy,
  setHandler,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { employeeIdOf, sourceOf, type JmlEvent } from '../schemas/jml-event.v1';
import {
  eventWorkflowId,
  jmlEventSignal,
  personStateQuery,
  type CarriedPersonState,
  type PersonWorkflowInput,
  type ProcessedEvent,
} from './contracts';
import { jmlEventWorkflow } from './jml-event';
import { EffectiveAt, EmployeeId, HrSource, JmlKind, NeedsAttention, PersonKey } from './search-attributes';

/** Event ids remembered for dedupe across continue-as-new (older ones are caught by child workflow ids). */
const RECENT_IDS = 500;
const RECENT_OUTCOMES = 20;
/** Roll over before the history grows heavy even if the server does not suggest it yet. */
const MAX_HISTORY_EVENTS = 4_000;

/**
 * Entity workflow `person/<personKey>`: serializes everything that happens to one person. Events
 * arrive as signals (signalWithStart from the dispatcher), are deduplicated by id and applied one at a
 * time, each by a child workflow `jml/<personKey>/<eventId>` that ops can find in the UI.
 */
export async function personWorkflow(input: PersonWorkflowInput): Promise<void> {
  const { personKey } = input;
  const carried: CarriedPersonState = input.carried ?? { pending: [], recentEventIds: [], processed: 0, duplicates: 0, recent: [] };
  const queue: JmlEvent[] = [...carried.pending];
  const seen = new Set<string>([...carried.recentEventIds, ...queue.map((e) => e.id)]);
  const recentIds = [...carried.recentEventIds];
  const recent: ProcessedEvent[] = [...carried.recent];
  let processed = carried.processed;
  let duplicates = carried.duplicates;
  let current: JmlEvent | undefined;

  const remember = (outcome: ProcessedEvent) => {
    recent.push(outcome);
    if (recent.length > RECENT_OUTCOMES) recent.shift();
  };

  setHandler(jmlEventSignal, (event) => {
    if (event.subject !== personKey) {
      log.warn('event for another person ignored', { eventId: event.id, subject: event.subject });
      return;
    }
    if (seen.has(event.id)) {
      duplicates += 1;
      return;
    }
    seen.add(event.id);
    recentIds.push(event.id);
    queue.push(event);
  });

  setHandler(personStateQuery, () => ({
    personKey,
    processed,
    duplicates,
    pendingEventIds: queue.map((e) => e.id),
    currentEventId: current?.id,
    recent: [...recent],
  }));

  const shouldRoll = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS;

  for (;;) {
    await condition(() => queue.length > 0 || shouldRoll());
    if (shouldRoll()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof personWorkflow>({
        personKey,
        carried: { pending: queue, recentEventIds: recentIds.slice(-RECENT_IDS), processed, duplicates, recent },
      });
    }
    current = queue.shift() as JmlEvent;
    remember(await applyEvent(personKey, current));
    if (recent[recent.length - 1]?.status === 'duplicate') duplicates += 1;
    else processed += 1;
    current = undefined;
  }
}

async function applyEvent(personKey: string, event: JmlEvent): Promise<ProcessedEvent> {
  const base = { eventId: event.id, type: event.type };
  try {
    await executeChild(jmlEventWorkflow, {
      workflowId: eventWorkflowId(personKey, event.id),
      args: [{ event }],
      // A child id that already ran means this event was applied before (dedupe beyond RECENT_IDS).
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      staticSummary: `${event.type.slice('jml.'.length)} ${personKey}`,
      memo: { displayName: `${event.data.person.preferredName ?? event.data.person.givenName} ${event.data.person.familyName}` },
      typedSearchAttributes: [
        { key: EmployeeId, value: employeeIdOf(personKey) },
        { key: PersonKey, value: personKey },
        { key: HrSource, value: sourceOf(personKey) },
        { key: JmlKind, value: event.type.slice('jml.'.length) },
        { key: EffectiveAt, value: new Date(event.data.effectiveAt) },
        { key: NeedsAttention, value: false },
      ],
    });
    return { ...base, status: 'completed' };
  } catch (err) {
    if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') return { ...base, status: 'duplicate' };
    log.error('event failed', { eventId: event.id, error: (err as Error).message });
    return { ...base, status: 'failed', error: (err as Error).message };
  }
}
