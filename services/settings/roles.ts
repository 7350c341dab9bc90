import { z } from 'zod';

/**
 * Settings of the roles (services/roles): how a role stops (services/roles/supervise.ts), where the
 * whole drain after SIGTERM or SIGINT must fit in the deadline and the gateway first answers /readyz
 * 503 for the drain delay so load balancers stop sending before it closes its listener; and the
 * dispatcher's consumer group.
 */
export interface RoleSettings {
  readonly shutdownDeadlineMs: number;
  readonly gatewayDrainDelayMs: number;
  /** Consumer group of the complete-log dispatcher; the leaver lane's is `<group>.priority`. */
  readonly dispatcherGroup: string;
}

/** The roles' variables. */
export const rolesEnv = {
  /** After SIGTERM/SIGINT a role must have drained within this; past it the process exits 3. */
  JML_SHUTDOWN_DEADLINE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  /** How long the gateway answers /readyz 503 before it stops accepting connections (load balancers need a few probes to notice). */
  JML_GATEWAY_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  /** One group per deployment: dispatchers in the same group share the partitions; another group reads every event again. */
  JML_DISPATCHER_GROUP: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, dots, dashes, underscores').default('jml-dispatcher'),
};

type RolesEnv = z.output<z.ZodObject<typeof rolesEnv>>;

/** The roles' settings from their parsed variables; a drain delay that leaves no time to drain is a problem. */
export function roleSettings(e: RolesEnv, problems: string[]): RoleSettings {
  if (e.JML_GATEWAY_DRAIN_DELAY_MS >= e.JML_SHUTDOWN_DEADLINE_MS) {
    problems.push(`JML_GATEWAY_DRAIN_DELAY_MS: ${e.JML_GATEWAY_DRAIN_DELAY_MS} leaves no time to drain before JML_SHUTDOWN_DEADLINE_MS (${e.JML_SHUTDOWN_DEADLINE_MS}); set it lower`);
  }
  return { shutdownDeadlineMs: e.JML_SHUTDOWN_DEADLINE_MS, gatewayDrainDelayMs: e.JML_GATEWAY_DRAIN_DELAY_MS, dispatcherGroup: e.JML_DISPATCHER_GROUP };
}
