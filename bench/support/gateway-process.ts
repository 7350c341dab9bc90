/**
 * The gateway alone, in its own process, for benchmarks (so the load generator does not share its
 * event loop). Prints one JSON line `{"url": …}` on stdout once it listens.
 *
 * BENCH_GATEWAY_PROCESSES=N (default 1) runs N gateway processes sharing one port through
 * node:cluster (the primary only hands connections out), to see what a second core buys.
 */
import cluster from 'node:cluster';
import { loadConfig } from '../../services/config';
import { createLogger } from '../../services/log';
import { startPipeline } from '../../services/runtime';
import { reusedEndpoints } from './reused-endpoints';

const processes = Number(process.env.BENCH_GATEWAY_PROCESSES ?? 1);

if (processes > 1 && cluster.isPrimary) {
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === processes) process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
  });
  for (let i = 0; i < processes; i++) cluster.fork();
  process.once('SIGTERM', () => {
    const workers = Object.values(cluster.workers ?? {});
    let left = workers.length;
    for (const w of workers) {
      w?.once('exit', () => (left -= 1) === 0 && process.exit(0));
      w?.process.kill('SIGTERM');
    }
  });
} else {
  const config = loadConfig();
  const pipeline = await startPipeline({
    config,
    endpoints: reusedEndpoints(config),
    log: createLogger({ name: 'bench-gateway', level: 'warn' }),
    parts: { gateway: true, dispatcher: false, worker: false },
    gatewayPort: 0,
  });
  if (!cluster.isWorker) process.stdout.write(`${JSON.stringify({ url: pipeline.gatewayUrl })}\n`);
  process.once('SIGTERM', () => void pipeline.stop().then(() => process.exit(0)));
}
