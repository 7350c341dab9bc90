import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { isConnectorError } from '../../connectors/sdk';
import type { MetricSet } from '../metrics';

/** What runStep, admitMassChange and recordAudit record (WORKER_METRICS); every call is a no-op without a metric set. */
export interface StepMetrics {
  /** Times one step attempt (`run`), counting a retry and, when it throws, the error's code. */
  step(labels: { app: string; operation: string; attempt: number }): <T extends { result: { outcome: string } }>(run: () => Promise<T>) => Promise<T>;
  /** A refusal of the mass-change guard; `guardId` is `<eventId>:<kind>` (workflows/jml-event.ts), only the kind is kept. */
  guardHeld(guardId: string): void;
  compensation(app: string, outcome: string): void;
}

/** Guarded kinds (plan kinds the guard counts); anything else is `other`, so a label never carries an id. */
const GUARDED_KINDS = new Set(['leaver', 'delete']);

/**
 * The label of a failed step: a connector error's code (the SDK's taxonomy), the type of a failure
 * our code raised (app-unknown, rate-limited, …), `cancelled`, or `other`; a bounded set.
 */
function failureCode(err: unknown): string {
  if (isConnectorError(err)) return err.code;
  if (err instanceof CancelledFailure) return 'cancelled';
  if (err instanceof ApplicationFailure && err.type && /^[a-z][a-z-]{0,40}$/.test(err.type)) return err.type;
  return 'other';
}

export function stepMetrics(metrics: MetricSet | undefined): StepMetrics {
  if (!metrics) return { step: () => (run) => run(), guardHeld: () => undefined, compensation: () => undefined };
  return {
    step: ({ app, operation, attempt }) =>
      async (run) => {
        if (attempt > 1) metrics.inc('jml_connector_step_retries_total', { app, operation });
        const started = performance.now();
        const seconds = () => (performance.now() - started) / 1000;
        try {
          const result = await run();
          metrics.observe('jml_connector_step_seconds', { app, operation, outcome: result.result.outcome }, seconds());
          return result;
        } catch (err) {
          metrics.observe('jml_connector_step_seconds', { app, operation, outcome: 'failed' }, seconds());
          metrics.inc('jml_connector_step_errors_total', { app, operation, code: failureCode(err) });
          throw err;
        }
      },
    guardHeld: (guardId) => {
      const kind = guardId.slice(guardId.lastIndexOf(':') + 1);
      metrics.inc('jml_guard_holds_total', { kind: GUARDED_KINDS.has(kind) ? kind : 'other' });
    },
    compensation: (app, outcome) => metrics.inc('jml_compensations_total', { app, outcome }),
  };
}
