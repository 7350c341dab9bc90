import { z } from 'zod';

/**
 * How a role stops (services/roles/supervise.ts): the whole drain after SIGTERM or SIGINT must fit
 * in the deadline, and the gateway first answers /readyz 503 for the drain delay so load balancers
 * stop sending before it closes its listener.
 */
export interface LifecycleSettings {
  readonly shutdownDeadlineMs: number;
  readonly gatewayDrainDelayMs: number;
}

/** The lifecycle's variables. */
export const lifecycleEnv = {
  /** After SIGTERM/SIGINT a role must have drained within this; past it the process exits 3. */
  JML_SHUTDOWN_DEADLINE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  /** How long the gateway answers /readyz 503 before it stops accepting connections (load balancers need a few probes to notice). */
  JML_GATEWAY_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
};

type LifecycleEnv = z.output<z.ZodObject<typeof lifecycleEnv>>;

/** The lifecycle settings from its parsed variables; a drain delay that leaves no time to drain is a problem. */
export function lifecycleSettings(e: LifecycleEnv, problems: string[]): LifecycleSettings {
  if (e.JML_GATEWAY_DRAIN_DELAY_MS >= e.JML_SHUTDOWN_DEADLINE_MS) {
    problems.push(`JML_GATEWAY_DRAIN_DELAY_MS: ${e.JML_GATEWAY_DRAIN_DELAY_MS} leaves no time to drain before JML_SHUTDOWN_DEADLINE_MS (${e.JML_SHUTDOWN_DEADLINE_MS}); set it lower`);
  }
  return { shutdownDeadlineMs: e.JML_SHUTDOWN_DEADLINE_MS, gatewayDrainDelayMs: e.JML_GATEWAY_DRAIN_DELAY_MS };
}
