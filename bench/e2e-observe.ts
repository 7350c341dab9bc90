import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRedis } from '../services/connections/redis';
import type { RedisSecurity } from '../services/settings/connections';
import type { Admin } from 'kafkajs';
import { accountKey, effectsKey } from '../connectors/dev-redis';

/**
 * What bench/e2e.ts watches while the pipeline runs, at low cost to the machine it measures:
 * account state and effect counts in the dev-redis apps (one pipelined round trip per poll), CPU
 * time per process from /proc, and the dispatcher's Kafka lag.
 */

/** Watches the run's dev-redis apps: when a person is disabled everywhere, how many effects so far. */
export interface AppsObserver {
  /** Resolves with the epoch ms of the first poll that saw the person's account disabled in every app. */
  whenDisabled(personKey: string): Promise<number>;
  /** Effects recorded by every app so far (each real change appends one). */
  effects(): Promise<number>;
  /** How many of these people hold an enabled account in every app. */
  enabledEverywhere(personKeys: readonly string[]): Promise<number>;
  close(): void;
}

export function observeApps(opts: { redisUrl: string; security?: RedisSecurity; keyPrefix: string; appIds: readonly string[]; pollMs: number }): AppsObserver {
  const redis = createRedis(opts.redisUrl, opts.security ?? {}, { maxRetriesPerRequest: 2, commandTimeout: 10_000, connectTimeout: 5_000 });
  const config = { keyPrefix: opts.keyPrefix };
  const waiting = new Map<string, Array<(at: number) => void>>();
  /** Set while a poll is scheduled or running: one poll loop at a time. */
  let timer: NodeJS.Timeout | undefined;
  let active = false;
  let failures = 0;

  const enabledFlags = async (personKeys: readonly string[]): Promise<Array<Array<string | null>>> => {
    const pipeline = redis.pipeline();
    for (const personKey of personKeys) for (const appId of opts.appIds) pipeline.hget(accountKey(config, appId, personKey), 'enabled');
    const replies = (await pipeline.exec()) ?? [];
    return personKeys.map((_, i) => opts.appIds.map((__, j) => (replies[i * opts.appIds.length + j]?.[1] as string | null | undefined) ?? null));
  };

  const poll = async () => {
    const people = [...waiting.keys()];
    try {
      const flags = await enabledFlags(people);
      const at = Date.now();
      people.forEach((personKey, i) => {
        if (!flags[i]?.every((f) => f === '0')) return;
        for (const resolve of waiting.get(personKey) ?? []) resolve(at);
        waiting.delete(personKey);
      });
      failures = 0;
    } catch (err) {
      if (++failures > 50) throw err;
    }
    if (waiting.size > 0) timer = setTimeout(() => void poll(), opts.pollMs);
    else active = false;
  };

  return {
    whenDisabled(personKey) {
      return new Promise((resolve) => {
        waiting.set(personKey, [...(waiting.get(personKey) ?? []), resolve]);
        if (active) return;
        active = true;
        timer = setTimeout(() => void poll(), 0);
      });
    },
    async effects() {
      const pipeline = redis.pipeline();
      for (const appId of opts.appIds) pipeline.llen(effectsKey(config, appId));
      const replies = (await pipeline.exec()) ?? [];
      return replies.reduce((sum, [, n]) => sum + Number(n ?? 0), 0);
    },
    async enabledEverywhere(personKeys) {
      let count = 0;
      for (let i = 0; i < personKeys.length; i += 200) {
        const flags = await enabledFlags(personKeys.slice(i, i + 200));
        count += flags.filter((f) => f.every((x) => x === '1')).length;
      }
      return count;
    },
    close() {
      if (timer) clearTimeout(timer);
      redis.disconnect();
    },
  };
}

/** CPU time (seconds) of named processes and of the whole machine at one moment; Linux /proc only. */
export interface CpuSnapshot {
  at: number;
  processes: Record<string, number | undefined>;
  machine?: { busy: number; total: number };
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is [0], utime [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

function machineCpuSeconds(): CpuSnapshot['machine'] {
  try {
    const [user, nice, system, idle, iowait, irq, softirq, steal] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number) as number[];
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
    return { busy: busy / CLK_TCK, total: (busy + (idle ?? 0) + (iowait ?? 0)) / CLK_TCK };
  } catch {
    return undefined;
  }
}

export function cpuSnapshot(pids: Record<string, number | undefined>): CpuSnapshot {
  return {
    at: performance.now(),
    processes: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuSeconds(pid)])),
    machine: machineCpuSeconds(),
  };
}

/** Cores kept busy between two snapshots, per process, for the machine, and by everything else on it. */
export function coresBusy(a: CpuSnapshot, b: CpuSnapshot): { seconds: number; processes: Record<string, number | undefined>; machine?: number; others?: number } {
  const seconds = (b.at - a.at) / 1000;
  const processes: Record<string, number | undefined> = {};
  for (const name of Object.keys(b.processes)) {
    const [x, y] = [a.processes[name], b.processes[name]];
    processes[name] = x === undefined || y === undefined ? undefined : (y - x) / seconds;
  }
  if (!a.machine || !b.machine) return { seconds, processes };
  const machine = (b.machine.busy - a.machine.busy) / seconds;
  const ours = Object.values(processes).reduce<number>((sum, v) => sum + (v ?? 0), 0);
  return { seconds, processes, machine, others: Math.max(0, machine - ours) };
}

/** Each partition's end offset of a topic. */
export async function topicEnds(admin: Admin, topic: string): Promise<Map<number, number>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.offset)]));
}

/**
 * Records of `topic` produced since `base` (end offsets taken before the load) that the consumer
 * group has not committed yet: the events not yet handed to Temporal.
 */
export async function groupLag(admin: Admin, groupId: string, topic: string, base: Map<number, number>): Promise<number> {
  const [ends, committed] = await Promise.all([topicEnds(admin, topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  let lag = 0;
  for (const [partition, end] of ends) lag += Math.max(0, end - Math.max(done.get(partition) ?? -1, base.get(partition) ?? 0));
  return lag;
}
