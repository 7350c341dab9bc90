import type { Admin } from 'kafkajs';

/** How {@link kafkaReadiness} probes and how long it trusts an answer. */
export interface KafkaReadinessOptions {
  /** One cheap round trip to the cluster; resolves when Kafka answered. */
  probe: () => Promise<unknown>;
  /** A probe that has not answered by then counts as failed. Default 1,500 ms. */
  timeoutMs?: number;
  /** A probe's answer is reused this long, so that frequent /readyz calls cost one probe. Default 2,000 ms. */
  maxAgeMs?: number;
  now?: () => number;
}

/** Whether Kafka answers now: probed for real, with a deadline, cached briefly. */
export interface KafkaReadiness {
  /** Resolves within `timeoutMs` (plus scheduling): true when the last probe, at most `maxAgeMs` old, was answered. */
  ready(): Promise<boolean>;
}

/**
 * Readiness of the gateway's Kafka: a real request rather than the client's connection events
 * (kafkajs reports CONNECT/DISCONNECT for its sockets, and a frozen broker keeps its sockets open).
 * Concurrent callers share one probe; a probe that hangs is abandoned at `timeoutMs` (the request
 * itself ends at the client's own request timeout) and the next caller after `maxAgeMs` starts another.
 */
export function kafkaReadiness(opts: KafkaReadinessOptions): KafkaReadiness {
  const timeoutMs = opts.timeoutMs ?? 1_500;
  const maxAgeMs = opts.maxAgeMs ?? 2_000;
  const now = opts.now ?? Date.now;
  let last: { ok: boolean; at: number } | undefined;
  let inflight: Promise<boolean> | undefined;

  const probeOnce = async (): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const answered = opts.probe().then(
      () => true,
      () => false,
    );
    const ok = await Promise.race([answered, deadline]);
    clearTimeout(timer);
    last = { ok, at: now() };
    return ok;
  };

  return {
    ready() {
      if (last && now() - last.at < maxAgeMs) return Promise.resolve(last.ok);
      inflight ??= probeOnce().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
  };
}

/** The probe {@link kafkaReadiness} uses in the services: a metadata request naming the cluster's brokers. */
export function describeClusterProbe(admin: Admin): () => Promise<unknown> {
  return async () => {
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('the cluster reports no broker');
  };
}
