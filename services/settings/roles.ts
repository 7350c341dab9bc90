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
  /** Port of the ops server (/metrics, /healthz, /readyz) of every role but the gateway and the codec server (services/metrics/ops-server.ts). */
  readonly opsPort: number;
  /** Its host; when absent, 0.0.0.0 in production roles and 127.0.0.1 under npm start. */
  readonly opsHost?: string;
  /** Port of the Temporal SDK's own Prometheus exporter, on roles that run a Temporal worker (same host as the ops server). */
  readonly temporalMetricsPort: number;
}

/** The roles' variables. */
export const rolesEnv = {
  /** After SIGTERM/SIGINT a role must have drained within this; past it the process exits 3. */
  JML_SHUTDOWN_DEADLINE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  /** How long the gateway answers /readyz 503 before it stops accepting connections (load balancers need a few probes to notice). */
  JML_GATEWAY_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  /** One group per deployment: dispatchers in the same group share the partitions; another group reads every event again. */
  /** The ops server's port (0: any free port, for tests). */
  JML_OPS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
  JML_OPS_HOST: z.string().min(1).optional(),
  /** The Temporal SDK's metrics port (0: any free port; the SDK does not say which, so tests pick one). */
  JML_TEMPORAL_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9465),
  JML_DISPATCHER_GROUP: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, dots, dashes, underscores').default('jml-dispatcher'),
};

type RolesEnv = z.output<z.ZodObject<typeof rolesEnv>>;

/** The roles' settings from their parsed variables; a drain delay that leaves no time to drain is a problem. */
export function roleSettings(e: RolesEnv, problems: string[]): RoleSettings {
  if (e.JML_GATEWAY_DRAIN_DELAY_MS >= e.JML_SHUTDOWN_DEADLINE_MS) {
    problems.push(`JML_GATEWAY_DRAIN_DELAY_MS: ${e.JML_GATEWAY_DRAIN_DELAY_MS} leaves no time to drain before JML_SHUTDOWN_DEADLINE_MS (${e.JML_SHUTDOWN_DEADLINE_MS}); set it lower`);
  }
  if (e.JML_OPS_PORT !== 0 && e.JML_OPS_PORT === e.JML_TEMPORAL_METRICS_PORT) {
    problems.push(`JML_TEMPORAL_METRICS_PORT: ${e.JML_TEMPORAL_METRICS_PORT} is JML_OPS_PORT too; give the Temporal SDK's exporter a port of its own`);
  }
  return {
    shutdownDeadlineMs: e.JML_SHUTDOWN_DEADLINE_MS,
    gatewayDrainDelayMs: e.JML_GATEWAY_DRAIN_DELAY_MS,
    dispatcherGroup: e.JML_DISPATCHER_GROUP,
    opsPort: e.JML_OPS_PORT,
    ...(e.JML_OPS_HOST !== undefined ? { opsHost: e.JML_OPS_HOST } : {}),
    temporalMetricsPort: e.JML_TEMPORAL_METRICS_PORT,
  };
}
