import type { Client } from '@temporalio/client';
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { MetricSet } from './metric-set';

/** The ages a running leaver is counted past (`older_than` label); the alert picks one. */
export const LEAVER_AGES = { '5m': 5 * 60_000, '15m': 15 * 60_000, '60m': 60 * 60_000 } as const;

export interface Watch {
  /** Resolves once the first reading is done (whatever it found). */
  readonly first: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Figures no code path counts, read every `everyMs` (30 s by default) into WATCH_METRICS gauges: the
 * DLQ topic's end offsets (records ever dead-lettered), and from Temporal visibility the event
 * workflows flagged NeedsAttention and the leavers still running past each age. Reading state,
 * rather than counting inside workflows, keeps workflow code free of metrics and gives the same
 * figure whichever dispatcher replica is scraped. A failed read counts `jml_watch_errors_total`
 * and leaves the gauge at its last value.
 */
export function startWatch(opts: { kafka: Kafka; temporal: Client; dlqTopic: string; metrics: MetricSet; log: Logger; everyMs?: number; now?: () => number; taskQueues?: readonly string[] }): Watch {
  const { metrics, log } = opts;
  const now = opts.now ?? Date.now;
  let admin: Admin | undefined;
  let stopped = false;
  // Only this deployment's workflows: others may share the namespace (their own dispatchers count theirs).
  const scope = opts.taskQueues?.length ? ` AND TaskQueue IN (${opts.taskQueues.map((q) => `'${q.replace(/'/g, "\\'")}'`).join(', ')})` : '';
  const count = async (query: string) => Number((await opts.temporal.workflow.count(`${query}${scope}`)).count);
  const read = async (figure: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      metrics.inc('jml_watch_errors_total', { figure });
      log.debug({ figure, err: (err as Error).message }, 'could not read a watched figure');
    }
  };
  const once = async () => {
    await Promise.all([
      read('dlq', async () => {
        if (!admin) {
          const a = opts.kafka.admin();
          await a.connect();
          admin = a;
        }
        const offsets = await admin.fetchTopicOffsets(opts.dlqTopic);
        metrics.set('jml_dlq_end_offset', {}, offsets.reduce((sum, p) => sum + Number(p.high), 0));
      }),
      read('needs-attention', async () => {
        const [running, closed] = await Promise.all([
          count(`NeedsAttention = true AND ExecutionStatus = 'Running'`),
          count(`NeedsAttention = true AND ExecutionStatus != 'Running'`),
        ]);
        metrics.set('jml_needs_attention_workflows', { status: 'running' }, running);
        metrics.set('jml_needs_attention_workflows', { status: 'closed' }, closed);
      }),
      read('leavers', async () => {
        for (const [label, ageMs] of Object.entries(LEAVER_AGES)) {
          const before = new Date(now() - ageMs).toISOString();
          metrics.set('jml_leaver_events_running', { older_than: label }, await count(`JmlKind = 'leaver' AND ExecutionStatus = 'Running' AND StartTime < '${before}'`));
        }
      }),
    ]);
  };
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    await once();
    if (!stopped) timer = setTimeout(() => void loop(), opts.everyMs ?? 30_000);
    timer?.unref();
  };
  const first = loop();
  return {
    first,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await first.catch(() => undefined);
      await admin?.disconnect().catch(() => undefined);
    },
  };
}
