/**
 * The whole pipeline (gateway, both dispatcher lanes, worker) in one process, as `npm start` runs it,
 * for bench/e2e.ts: the load generator and the observers stay out of its event loop.
 *
 * Configured like any deployment through the environment (KAFKA_BROKERS, TEMPORAL_ADDRESS,
 * REDIS_URL, JML_CONFIG_FILE, TEMPORAL_TASK_QUEUE, JML_CANONICAL_SECRET); the benchmark's own knob
 * is argv: `--group <dispatcher consumer group>`. Dispatchers start at the topics' current end, so
 * earlier runs' events on a long-lived broker are not replayed. Prints one JSON line
 * `{"url": …, "pid": …}` on stdout once the gateway listens. A `loop` line on stdin prints the
 * event-loop delay since the previous one (`{"loopDelay": {p50, p99, max, rssMb}}`, ms; rss in MiB) and starts over (not a
 * signal: the Temporal runtime shuts its workers down on SIGUSR2). A `mem` line (for bench/capacity.ts)
 * collects garbage first when node runs with --expose-gc, then prints
 * `{"mem": {rssMb, heapUsedMb, heapLimitMb}}`. `--temporal-metrics host:port` serves the Temporal SDK's
 * Prometheus metrics there (sticky cache size). SIGTERM, or stdin closing because the benchmark went
 * away, stops it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../services/config';
import { createLogger } from '../services/log';
import { startPipeline } from '../services/runtime';
import { reusedEndpoints } from './support/reused-endpoints';

const { values } = parseArgs({ options: { group: { type: 'string' }, 'temporal-metrics': { type: 'string' } } });
if (!values.group) throw new Error('usage: e2e-pipeline --group <consumer group>');

const config = loadConfig();
const pipeline = await startPipeline({
  config,
  endpoints: reusedEndpoints(config),
  log: createLogger({ name: 'bench-pipeline', level: config.logLevel }),
  parts: { gateway: true, dispatcher: true, worker: true, pollers: false },
  gatewayPort: 0,
  dispatcherGroupId: values.group,
  dispatcherStartAt: 'now',
  ...(values['temporal-metrics'] ? { temporalMetricsAddress: values['temporal-metrics'] } : {}),
});
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const ms = (ns: number) => Math.round(ns / 1e5) / 10;
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void pipeline.stop().then(() => process.exit(0));
};
createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.trim() === 'mem') {
      (globalThis as { gc?: () => void }).gc?.();
      const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
      process.stdout.write(`${JSON.stringify({ mem: { rssMb: mb(process.memoryUsage().rss), heapUsedMb: mb(process.memoryUsage().heapUsed), heapLimitMb: mb(getHeapStatistics().heap_size_limit) } })}\n`);
      return;
    }
    if (line.trim() !== 'loop') return;
    process.stdout.write(`${JSON.stringify({ loopDelay: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max), rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) } })}\n`);
    loop.reset();
  })
  .on('close', stop);
process.stdout.write(`${JSON.stringify({ url: pipeline.gatewayUrl, pid: process.pid })}\n`);
process.once('SIGTERM', stop);
