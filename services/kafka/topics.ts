import kafkajs, { type Admin } from 'kafkajs';

// kafkajs is CommonJS and Node's ESM loader does not see this export by name (tsx and `node` fail
// with "does not provide an export named"), so take it from the default export.
const { ConfigResourceTypes } = kafkajs;

/** Kafka topics of the pipeline. Versioned by name: a breaking change is a new topic. */
export const TOPICS = Object.freeze({
  /** Every accepted webhook delivery as received (audit, re-normalization). */
  raw: 'hr.webhooks.raw.v1',
  /** Canonical JML events, key = personKey: the complete, ordered log of every accepted event. */
  events: 'jml.events.v1',
  /**
   * The leaver lane: a copy of every leaver, same key and record, so that a departure never waits
   * behind a backlog of joiners in a partition of `jml.events.v1`. The person workflow dedupes the
   * second copy by id and orders by HR entry time, so arriving early is safe.
   */
  priority: 'jml.events.priority.v1',
  /** Rejected input with the reason in headers: nothing is dropped silently. */
  dlq: 'jml.events.dlq.v1',
  /** One record per connector action outcome. */
  audit: 'jml.audit.v1',
  /** Reconciliation findings, key = appId: what each run found in each app (schemas/reconcile-finding.v1.ts). */
  reconcile: 'jml.reconcile.v1',
  /**
   * Security actions from the canonical API (schemas/security-action.v1.ts), key = personKey:
   * suspensions and their ends, dispatched by a consumer group of their own at leaver speed.
   */
  security: 'jml.security.v1',
});

/** A topic by its role in the pipeline (`raw`, `events`, …). */
export type TopicRole = keyof typeof TOPICS;

/** How the pipeline's topics are created and what an existing topic is checked against. */
export interface TopicSettings {
  partitions: number;
  /** Copies of each partition (KAFKA_REPLICATION_FACTOR); more than the cluster's brokers fails at boot. */
  replicationFactor: number;
  /** Copies that must have a record before an `acks: -1` produce is acknowledged (KAFKA_MIN_INSYNC_REPLICAS). */
  minInsyncReplicas: number;
  /** `retention.ms` of each topic (KAFKA_RETENTION_HOURS_*). */
  retentionMs: Readonly<Record<TopicRole, number>>;
}

/** What {@link ensureTopics} found. */
export interface TopicReport {
  /** Topics this call created. */
  created: string[];
  /** One line per setting of an existing topic that differs from {@link TopicSettings}; never altered here. */
  mismatches: string[];
  /** `max.message.bytes` of each topic: the largest record batch the broker accepts on it. */
  maxMessageBytes: Record<TopicRole, number>;
}

/** Boot-time refusal of a Kafka cluster or topic layout; `message` is one line naming the variable to change. */
export class TopicSetupError extends Error {
  readonly code = 'KAFKA_TOPICS_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'TopicSetupError';
  }
}

/**
 * Creates every missing topic with the configured replication, `min.insync.replicas` and retention
 * (kafkajs on KRaft cannot subscribe to a topic that does not exist), and reports how existing
 * topics differ from the settings without altering them: changing retention or replication of a
 * live topic is an operator's decision. Throws {@link TopicSetupError} when the cluster has fewer
 * brokers than the replication factor. `names` replaces topic names (tests use their own).
 */
export async function ensureTopics(admin: Admin, settings: TopicSettings, names: Readonly<Record<TopicRole, string>> = TOPICS): Promise<TopicReport> {
  const cluster = await admin.describeCluster();
  if (cluster.brokers.length < settings.replicationFactor) {
    throw new TopicSetupError(
      `KAFKA_REPLICATION_FACTOR is ${settings.replicationFactor} but the Kafka cluster has ${cluster.brokers.length} broker(s); lower KAFKA_REPLICATION_FACTOR (and KAFKA_MIN_INSYNC_REPLICAS) or add brokers`,
    );
  }
  const roles = Object.keys(names) as TopicRole[];
  const existing = new Set(await admin.listTopics());
  const missing = roles.filter((role) => !existing.has(names[role]));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((role) => ({
        topic: names[role],
        numPartitions: settings.partitions,
        replicationFactor: settings.replicationFactor,
        configEntries: [
          { name: 'min.insync.replicas', value: String(settings.minInsyncReplicas) },
          { name: 'retention.ms', value: String(settings.retentionMs[role]) },
          { name: 'cleanup.policy', value: 'delete' },
        ],
      })),
    });
  }

  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: roles.map((role) => ({ type: ConfigResourceTypes.TOPIC, name: names[role], configNames: ['retention.ms', 'min.insync.replicas', 'max.message.bytes'] })),
  });
  const byName = new Map(configs.resources.map((r) => [r.resourceName, new Map(r.configEntries.map((e) => [e.configName, e.configValue]))]));
  const metadata = await admin.fetchTopicMetadata({ topics: roles.filter((role) => existing.has(names[role])).map((role) => names[role]) });
  const replicas = new Map(metadata.topics.map((t) => [t.name, Math.min(...t.partitions.map((p) => p.replicas.length))]));

  const mismatches: string[] = [];
  const maxMessageBytes = {} as Record<TopicRole, number>;
  for (const role of roles) {
    const topic = names[role];
    const entries = byName.get(topic);
    maxMessageBytes[role] = Number(entries?.get('max.message.bytes') ?? 1_048_588);
    if (!existing.has(topic)) continue;
    const differs = (setting: string, actual: number | undefined, wanted: number, variable: string) => {
      if (actual !== wanted) mismatches.push(`${topic}: ${setting} is ${actual ?? 'unknown'}, ${variable} says ${wanted}`);
    };
    differs('replication factor', replicas.get(topic), settings.replicationFactor, 'KAFKA_REPLICATION_FACTOR');
    differs('min.insync.replicas', numberOrUndefined(entries?.get('min.insync.replicas')), settings.minInsyncReplicas, 'KAFKA_MIN_INSYNC_REPLICAS');
    differs('retention.ms', numberOrUndefined(entries?.get('retention.ms')), settings.retentionMs[role], `KAFKA_RETENTION_HOURS_${role.toUpperCase()}`);
  }
  return { created: missing.map((role) => names[role]), mismatches, maxMessageBytes };
}

function numberOrUndefined(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

/** Bytes a raw-archive or dead-letter record may carry besides the body: our headers (a DLQ reason is up to 4,000 characters) and Kafka's framing. */
export const RECORD_HEADROOM_BYTES = 16 * 1024;

/**
 * Refuses, at boot, size limits that let the gateway accept what Kafka would refuse: a body (archived
 * whole, or dead-lettered with its reason) must fit the raw and DLQ topics with {@link RECORD_HEADROOM_BYTES}
 * to spare, and an event the event topics. Returns one line per problem, naming the variable.
 */
export function sizeLimitProblems(limits: { bodyLimitBytes: number; maxEventBytes: number }, maxMessageBytes: Readonly<Record<TopicRole, number>>): string[] {
  const problems: string[] = [];
  const bodyRoom = Math.min(maxMessageBytes.raw, maxMessageBytes.dlq) - RECORD_HEADROOM_BYTES;
  if (limits.bodyLimitBytes > bodyRoom) {
    problems.push(
      `GATEWAY_BODY_LIMIT_BYTES is ${limits.bodyLimitBytes} but ${TOPICS.raw} and ${TOPICS.dlq} accept records of ${Math.min(maxMessageBytes.raw, maxMessageBytes.dlq)} bytes (max.message.bytes); set it to at most ${bodyRoom}`,
    );
  }
  const eventRoom = Math.min(maxMessageBytes.events, maxMessageBytes.priority) - RECORD_HEADROOM_BYTES;
  if (limits.maxEventBytes > eventRoom) {
    problems.push(`GATEWAY_MAX_EVENT_BYTES is ${limits.maxEventBytes} but the event topics accept records of ${eventRoom + RECORD_HEADROOM_BYTES} bytes; set it to at most ${eventRoom}`);
  }
  return problems;
}
