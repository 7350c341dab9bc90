/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export interface PhaseResult {
  name: string;
  count: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/**
 * Runs `op` from `concurrency` loops until `durationMs` passes; each loop awaits its previous call.
 * `op` returns how many events the call carried.
 */
export async function closedLoop(name: string, opts: { concurrency: number; durationMs: number }, op: (i: number) => Promise<number>): Promise<PhaseResult> {
  const latencies: number[] = [];
  let count = 0;
  let errors = 0;
  let firstError: unknown;
  let seq = 0;
  const started = performance.now();
  const deadline = started + opts.durationMs;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          // Not `count += await …`: that reads count before the await and loses concurrent updates.
          const carried = await op(seq++);
          count += carried;
          latencies.push(performance.now() - t0);
        } catch (err) {
          errors += 1;
          firstError ??= err;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (firstError) console.error(`[bench] ${name}: ${errors} errors, first: ${firstError instanceof Error ? firstError.message : String(firstError)}`);
  return { name, count, seconds, perSecond: count / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), errors };
}

export function formatRow(r: PhaseResult): string {
  return `${r.name.padEnd(44)} ${r.perSecond.toFixed(0).padStart(8)} ev/s   p50 ${r.p50Ms.toFixed(1).padStart(6)} ms   p99 ${r.p99Ms
    .toFixed(1)
    .padStart(6)} ms   n=${r.count}${r.errors ? `   errors=${r.errors}` : ''}`;
}
