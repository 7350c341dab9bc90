import { log, proxyActivities, upsertSearchAttributes, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../services/worker/activities';
import type { AppPlan } from '../services/worker/plan';
import type { EventOutcome, EventWorkflowInput } from './contracts';
import { Apps } from './search-attributes';

const planning = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

const STEP_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * Applies one JML event to one person: plan in an activity (the plan stays in history), then every
 * app in parallel, each app's steps in order.
 */
export async function jmlEventWorkflow(input: EventWorkflowInput): Promise<EventOutcome> {
  const { event } = input;
  const plan = await planning.planEvent({ event });
  upsertSearchAttributes([{ key: Apps, value: plan.apps.map((a) => a.appId) }]);
  // Leavers must get through: retry until the app accepts (ops see the retries in the UI).
  const isLeaver = event.type === 'jml.leaver';
  const apps = await Promise.all(plan.apps.map((app) => runApp(input, app, isLeaver)));
  log.info('event applied', { eventId: event.id, kind: plan.kind });
  return { eventId: event.id, kind: plan.kind, apps };
}

async function runApp(input: EventWorkflowInput, app: AppPlan, isLeaver: boolean): Promise<EventOutcome['apps'][number]> {
  const { event } = input;
  const steps: EventOutcome['apps'][number]['steps'] = [];
  for (const step of app.steps) {
    const { runStep } = proxyActivities<Activities>({
      ...STEP_OPTIONS,
      // Unset maximumAttempts means unlimited.
      retry: isLeaver ? STEP_OPTIONS.retry : { ...STEP_OPTIONS.retry, maximumAttempts: 10 },
      summary: `${app.appId}: ${step.summary}`,
    });
    const result = await runStep({
      eventId: event.id,
      appId: app.appId,
      account: { personKey: event.subject },
      person: event.data.person,
      step,
    });
    steps.push({ operation: step.operation, outcome: result.outcome });
  }
  return { appId: app.appId, steps };
}
