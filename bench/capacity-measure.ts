import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import protos from '@temporalio/proto';

/**
 * What bench/capacity.ts counts besides CPU: workflow histories (events and stored bytes), Kafka
 * records and bytes per topic, and the Temporal SDK's sticky cache. Counts, unlike CPU, do not
 * depend on what else the machine runs.
 */

const { HistoryEvent } = protos.temporal.api.history.v1;

/** Events and encoded bytes of one workflow's history (all pages); zeros when it does not exist. */
export async function historySize(client: Client, namespace: string, workflowId: string): Promise<{ events: number; bytes: number }> {
  let events = 0;
  let bytes = 0;
  let nextPageToken: Uint8Array | undefined;
  try {
    do {
      const page = await client.workflowService.getWorkflowExecutionHistory({ namespace, execution: { workflowId }, ...(nextPageToken ? { nextPageToken } : {}) });
      for (const e of page.history?.events ?? []) {
        events += 1;
        // The bytes the server stores and sends for it: payloads as sealed by the codec.
        bytes += HistoryEvent.encode(e).finish().length;
      }
      nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
    } while (nextPageToken);
  } catch (err) {
    if ((err as { code?: number }).code === 5 /* NOT_FOUND */) return { events: 0, bytes: 0 };
    throw err;
  }
  return { events, bytes };
}

/**
 * Bytes of the partition logs of `topics` under a broker's log dir: the `.log` segment files only
 * (index files are preallocated, so their size says nothing). Undefined when the dir is not readable.
 */
export async function topicLogBytes(logDir: string | undefined, topics: readonly string[]): Promise<Record<string, number> | undefined> {
  if (!logDir) return undefined;
  try {
    const dirs = await readdir(logDir);
    const out: Record<string, number> = {};
    for (const topic of topics) {
      let sum = 0;
      for (const d of dirs.filter((x) => x.startsWith(`${topic}-`) && /^\d+$/.test(x.slice(topic.length + 1)))) {
        for (const f of (await readdir(join(logDir, d))).filter((x) => x.endsWith('.log'))) sum += (await stat(join(logDir, d, f))).size;
      }
      out[topic] = sum;
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Sum of the Temporal SDK's `sticky_cache_size` gauges (one per worker) in a Prometheus scrape; undefined when it does not answer. */
export async function stickyCacheSize(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return undefined;
    let sum = 0;
    let seen = false;
    for (const line of (await res.text()).split('\n')) {
      const m = /^temporal_sticky_cache_size(?:\{[^}]*\})?\s+(\S+)/.exec(line);
      if (!m) continue;
      seen = true;
      sum += Number(m[1]);
    }
    return seen ? sum : undefined;
  } catch {
    return undefined;
  }
}
