import type { MetricDefinition } from './metric-set';

/**
 * Every metric family our code defines, by the part that records it. Prometheus naming: `jml_`
 * prefix, counters end `_total`, durations are `_seconds` histograms. docs/observability.md has a
 * row for each; infra/observability/ alerts on and charts them.
 */

/** Buckets of short network round trips (Kafka acknowledgements, signalWithStart): 2 ms to 10 s. */
const FAST_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets of connector calls and waits, which include app latency and rate-limit waits: 10 ms to 5 min. */
const SLOW_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export const GATEWAY_METRICS = {
  jml_gateway_requests_total: {
    type: 'counter',
    help: 'HTTP requests answered, by route pattern (ours, e.g. /webhooks/bamboohr/:tenant; "unmatched" for any other path), method and status.',
    labels: ['route', 'method', 'status'],
  },
  jml_gateway_kafka_ack_seconds: {
    type: 'histogram',
    help: "Time from a delivery's produce call until Kafka acknowledged its records (acks=all), by route.",
    labels: ['route'],
    buckets: FAST_BUCKETS,
  },
  jml_gateway_events_accepted_total: { type: 'counter', help: 'Events acknowledged by Kafka, by route (configured routes and tenants only).', labels: ['route'] },
  jml_gateway_events_duplicate_total: { type: 'counter', help: 'Deliveries of events already accepted (dropped at the edge), by route.', labels: ['route'] },
  jml_gateway_replays_total: {
    type: 'counter',
    help: 'Verified deliveries seen before inside the signature window, answered from memory without any work, by route.',
    labels: ['route'],
  },
  jml_gateway_replay_guard_unavailable_total: {
    type: 'counter',
    help: 'Deliveries handled without the replay memory because Redis was unreachable (event dedupe still holds).',
  },
  jml_gateway_rejected_total: { type: 'counter', help: 'Requests answered 4xx, by code.', labels: ['code'] },
  jml_gateway_unconfigured_tenant_letters_total: {
    type: 'counter',
    help: 'Deliveries for a tenant that is not configured (answered 401 like a wrong signature), by outcome: recorded in the DLQ, or dropped (route-capped, total-capped, store-unavailable, kafka-unavailable).',
    labels: ['outcome'],
  },
  jml_gateway_kafka_unavailable_total: { type: 'counter', help: 'Requests answered 503 because Kafka did not acknowledge.' },
  jml_gateway_overloaded_total: { type: 'counter', help: "Requests answered 503 at once because the producer's queue was full." },
  jml_gateway_dedupe_unavailable_total: {
    type: 'counter',
    help: 'Requests handled without edge dedupe because Redis was unreachable (downstream still dedupes).',
  },
} as const satisfies Record<string, MetricDefinition>;

export const DISPATCHER_METRICS = {
  jml_dispatcher_consumer_lag: {
    type: 'gauge',
    help: 'Records of a partition not yet handed to Temporal by this consumer (high watermark minus the next offset), by topic and partition; updated as batches start and end.',
    labels: ['topic', 'partition'],
  },
  jml_dispatcher_handoffs_total: {
    type: 'counter',
    help: 'Records handled by the dispatcher, by topic and outcome: handed-off (signalWithStart answered), dead-lettered (not a readable event), failed (thrown; kafkajs retries the record).',
    labels: ['topic', 'outcome'],
  },
  jml_dispatcher_handoff_seconds: { type: 'histogram', help: 'Duration of one signalWithStart to the person workflow, by topic.', labels: ['topic'], buckets: FAST_BUCKETS },
  jml_dispatcher_backlog_gate_waits_total: {
    type: 'counter',
    help: "Records that waited at the backlog gate because Temporal's task-queue backlog was at JML_DISPATCH_MAX_BACKLOG, by topic.",
    labels: ['topic'],
  },
  jml_dispatcher_backlog_gate_wait_seconds: {
    type: 'histogram',
    help: 'How long records that waited at the backlog gate waited, by topic.',
    labels: ['topic'],
    buckets: SLOW_BUCKETS,
  },
} as const satisfies Record<string, MetricDefinition>;

/** Read from Kafka and Temporal by the dispatcher role every few seconds (./watch.ts), not counted by any code path. */
export const WATCH_METRICS = {
  jml_dlq_end_offset: {
    type: 'gauge',
    help: 'Records ever written to the dead-letter topic jml.events.dlq.v1 (sum of its partitions\' end offsets); growth means new dead letters.',
  },
  jml_needs_attention_workflows: {
    type: 'gauge',
    help: 'Event workflows flagged NeedsAttention in Temporal visibility, by status: running (held, leaver still retrying) or closed (ended needs-attention, within the namespace retention).',
    labels: ['status'],
  },
  jml_leaver_events_running: {
    type: 'gauge',
    help: 'Leaver event workflows still running (not applied in every app yet) that started longer ago than older_than (5m, 15m, 60m).',
    labels: ['older_than'],
  },
  jml_watch_errors_total: {
    type: 'counter',
    help: 'Reads of the watched figures (DLQ end offsets, Temporal visibility counts) that failed, by figure; the gauges then keep their last value.',
    labels: ['figure'],
  },
} as const satisfies Record<string, MetricDefinition>;

export const WORKER_METRICS = {
  jml_connector_step_seconds: {
    type: 'histogram',
    help: "Duration of one connector step attempt (rate-limit wait included), by app, operation and outcome (applied, adopted, already-in-state, not-applicable, failed).",
    labels: ['app', 'operation', 'outcome'],
    buckets: SLOW_BUCKETS,
  },
  jml_connector_step_errors_total: {
    type: 'counter',
    help: 'Connector step attempts that failed, by app, operation and error code (transient, rate-limited, auth, …).',
    labels: ['app', 'operation', 'code'],
  },
  jml_connector_step_retries_total: { type: 'counter', help: 'Connector step attempts after the first (Temporal retries), by app and operation.', labels: ['app', 'operation'] },
  jml_compensations_total: {
    type: 'counter',
    help: 'Compensating steps (saga undo) recorded by event workflows, by app and outcome; from the audit records the workflow writes.',
    labels: ['app', 'outcome'],
  },
  jml_guard_holds_total: { type: 'counter', help: 'Events the mass-change guard refused to admit (held for approve/reject), by kind (leaver, delete).', labels: ['kind'] },
} as const satisfies Record<string, MetricDefinition>;

/** Recorded by the worker's poll activity (the pollers role only keeps the poller workflows running). */
export const POLLER_METRICS = {
  jml_poller_last_success_timestamp_seconds: { type: 'gauge', help: 'Unix time of the last poll that succeeded, by source and tenant (configured).', labels: ['source', 'tenant'] },
  jml_poller_changes_total: { type: 'counter', help: 'Changes a poll observed (employees listed as changed, report rows), by source and tenant.', labels: ['source', 'tenant'] },
  jml_poller_events_produced_total: { type: 'counter', help: 'Events polls accepted onto jml.events.v1, by source and tenant.', labels: ['source', 'tenant'] },
  jml_poller_errors_total: { type: 'counter', help: 'Poll attempts that failed, by source, tenant and error code.', labels: ['source', 'tenant', 'code'] },
} as const satisfies Record<string, MetricDefinition>;

/** Set by the pollers role from the configuration: what the "poller silent" alert compares with. */
export const POLLER_SCHEDULE_METRICS = {
  jml_poller_interval_seconds: { type: 'gauge', help: 'Configured time between polls, by source and tenant.', labels: ['source', 'tenant'] },
} as const satisfies Record<string, MetricDefinition>;
