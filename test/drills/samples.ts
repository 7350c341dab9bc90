/**
 * What the soak samples every few seconds (RSS per process, consumer lag, history size, leaver latency,
 * error counts), how it is kept (a CSV with one column per series), and the verdict on whether a series
 * keeps growing (memory) or drifts (latency). Nothing here needs the stack.
 */
import { readdir, readFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One sample: `t` in seconds since the soak started, then one number per series sampled at that moment. */
export interface SampleRow {
  t: number;
  [series: string]: number;
}

/**
 * Series names go into the CSV header unquoted, so they are kept to letters, digits and `_ . : / -`,
 * starting with a letter (`rss.worker`, `lag.events`, `leaver.p50`); `t` is the time column.
 */
const SERIES_NAME = /^[A-Za-z][\w.:/-]*$/;

function checkSeriesName(name: string): void {
  if (name === 't' || !SERIES_NAME.test(name)) {
    throw new Error(`sample series name ${JSON.stringify(name)} must match ${SERIES_NAME.source} and not be "t"`);
  }
}

/**
 * The soak's samples, in time order. A series may be missing from a row (a process was down, a probe
 * failed): non-finite values (undefined, NaN, ±Infinity) are left out and show as empty CSV cells.
 */
export class SampleLog {
  readonly #rows: SampleRow[] = [];
  /** Series in the order they were first seen: the CSV's column order. */
  readonly #series = new Set<string>();
  readonly #startedAt: number;
  readonly #now: () => number;

  /** `startedAt` and `now` are epoch milliseconds (default: now, `Date.now`). */
  constructor(opts: { startedAt?: number; now?: () => number } = {}) {
    this.#now = opts.now ?? Date.now;
    this.#startedAt = opts.startedAt ?? this.#now();
  }

  /** Records `values` at the current time (seconds since the start, to the millisecond). */
  record(values: Record<string, number | undefined>): SampleRow {
    const t = Math.round(this.#now() - this.#startedAt) / 1000;
    return this.add({ t, ...values });
  }

  /** Adds a row with its own `t`; throws when `t` goes back in time or a series name is not allowed. */
  add(values: { t: number } & Record<string, number | undefined>): SampleRow {
    const { t } = values;
    if (!Number.isFinite(t)) throw new Error(`sample time ${t} is not a finite number`);
    const last = this.#rows.at(-1);
    if (last !== undefined && t < last.t) throw new Error(`sample at t=${t} s is earlier than the previous one (t=${last.t} s)`);
    const row: SampleRow = { t };
    for (const [name, value] of Object.entries(values)) {
      if (name === 't') continue;
      checkSeriesName(name);
      if (value === undefined || !Number.isFinite(value)) continue;
      row[name] = value;
      this.#series.add(name);
    }
    this.#rows.push(row);
    return row;
  }

  get rows(): readonly SampleRow[] {
    return this.#rows;
  }

  /** Every series seen so far, in first-seen order. */
  get series(): string[] {
    return [...this.#series];
  }

  /** The CSV: header `t,<series…>`, one line per row, an empty cell where a row lacks a series. */
  toCsv(): string {
    return toCsv(this.#rows, this.series);
  }

  /** Writes the CSV to `path`, creating its folder. */
  async writeCsv(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, this.toCsv());
  }
}

/**
 * Rows as CSV with the given column order (default: the union of the rows' series, first-seen order).
 * Numbers are written with `String`, which reads back to the same double.
 */
export function toCsv(rows: readonly SampleRow[], series?: string[]): string {
  const columns = series ?? [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => k !== 't')))];
  for (const name of columns) checkSeriesName(name);
  const lines = [['t', ...columns].join(',')];
  for (const row of rows) lines.push([String(row.t), ...columns.map((c) => (row[c] === undefined ? '' : String(row[c])))].join(','));
  return `${lines.join('\n')}\n`;
}

/** Reads back what `toCsv` wrote; empty cells become missing series. Throws on a malformed line. */
export function parseCsv(text: string): SampleRow[] {
  const [header, ...lines] = text.split('\n').filter((line) => line.length > 0);
  if (header === undefined) return [];
  const columns = header.split(',');
  if (columns[0] !== 't') throw new Error('sample CSV must start with a "t" column');
  for (const name of columns.slice(1)) checkSeriesName(name);
  return lines.map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== columns.length) throw new Error(`sample CSV line ${i + 2} has ${cells.length} cells, the header ${columns.length}`);
    const row: SampleRow = { t: Number.NaN };
    cells.forEach((cell, c) => {
      if (cell === '') return;
      const value = Number(cell);
      if (!Number.isFinite(value)) throw new Error(`sample CSV line ${i + 2}, column ${columns[c]}: ${JSON.stringify(cell)} is not a number`);
      row[columns[c] as string] = value;
    });
    if (!Number.isFinite(row.t)) throw new Error(`sample CSV line ${i + 2} has no time`);
    return row;
  });
}

// ---------------------------------------------------------------------------------------------------
// Drift verdict

/** Whether a series held steady over the soak, with the figures behind the answer. */
export interface DriftVerdict {
  series: string;
  ok: boolean;
  /** Median of the first third of the samples after warm-up. */
  firstLevel: number;
  /** Median of the last third of the samples after warm-up. */
  lastLevel: number;
  /** Theil–Sen slope over the samples after warm-up, in the series' unit per minute. */
  slopePerMin: number;
  /** One line a reader can check: the levels, the slope, the tolerance and the reason. */
  why: string;
}

export interface DriftOptions {
  /** Memory "keeps growing", latency "drifts": only the wording and the default tolerances differ. */
  kind: 'memory' | 'latency';
  /** Growth over the judged window allowed, as a fraction of the level (memory 0.10, latency 0.25). */
  relTolerance?: number;
  /** Growth always allowed, in the series' unit, for small levels (memory 16 — MB, latency 50 — ms). */
  absTolerance?: number;
  /** Samples before this many seconds are not judged (default: the first fifth of the run). */
  warmupSeconds?: number;
}

/** Default tolerances per kind; they assume memory in MB and latency in ms. */
export const DRIFT_DEFAULTS = {
  memory: { relTolerance: 0.1, absTolerance: 16 },
  latency: { relTolerance: 0.25, absTolerance: 50 },
} as const;

/** Fewest samples after warm-up the verdict accepts (three per third). */
export const MIN_JUDGED_SAMPLES = 9;
/** Theil–Sen looks at every pair of at most this many samples (evenly thinned beyond it). */
const MAX_SLOPE_POINTS = 400;

/**
 * Decides whether `series` keeps growing (memory) or drifts (latency) over the rows.
 *
 * The rule, with W the window after warm-up (default: the first fifth of the run is warm-up) split by
 * time into thirds A, B, C:
 * 1. tolerance = max(relTolerance × median(B), absTolerance);
 * 2. trend: the Theil–Sen slope s (the median of the slopes between every pair of samples) projected
 *    over the window, s × W, exceeds the tolerance;
 * 3. still rising at the end: median(C) − median(B) exceeds half of what the trend predicts for one
 *    third, s × W / 6 (so a series that rose early and then levelled off is not growing).
 * The series fails when 2 and 3 both hold. Medians and Theil–Sen each ignore up to about a quarter of
 * the samples being anything at all, so the spikes that injected faults cause on purpose do not move the
 * verdict unless they last for a large part of the run. Fewer than MIN_JUDGED_SAMPLES samples after
 * warm-up (or fewer than three in a third) fail: a run too short to judge proves nothing.
 */
export function driftVerdict(rows: readonly SampleRow[], series: string, opts: DriftOptions): DriftVerdict {
  const { relTolerance, absTolerance } = { ...DRIFT_DEFAULTS[opts.kind], ...definedOnly(opts) };
  const points = rows.filter((r) => r[series] !== undefined).map((r) => ({ t: r.t, v: r[series] as number }));
  const growing = opts.kind === 'memory' ? 'keeps growing' : 'drifts';
  const none = (why: string): DriftVerdict => ({ series, ok: false, firstLevel: Number.NaN, lastLevel: Number.NaN, slopePerMin: Number.NaN, why: `${series}: ${why}` });
  if (points.length === 0) return none('no samples');

  const start = rows.reduce((m, r) => Math.min(m, r.t), Infinity);
  const end = rows.reduce((m, r) => Math.max(m, r.t), -Infinity);
  const from = start + (opts.warmupSeconds ?? (end - start) / 5);
  const judged = points.filter((p) => p.t >= from);
  const windowS = end - from;
  if (judged.length < MIN_JUDGED_SAMPLES || windowS <= 0) return none(`too few samples after warm-up to judge (${judged.length}, need ${MIN_JUDGED_SAMPLES})`);
  const third = (k: number) => judged.filter((p) => p.t >= from + (k * windowS) / 3 && (k === 2 || p.t < from + ((k + 1) * windowS) / 3)).map((p) => p.v);
  const [a, b, c] = [third(0), third(1), third(2)];
  const thinnest = Math.min(a.length, b.length, c.length);
  if (thinnest < 3) return none(`too few samples in a third of the window to judge (${thinnest}, need 3)`);

  const firstLevel = median(a);
  const middle = median(b);
  const lastLevel = median(c);
  const slopePerS = theilSen(judged);
  const slopePerMin = slopePerS * 60;
  const tolerance = Math.max(relTolerance * Math.abs(middle), absTolerance);
  const trendRise = slopePerS * windowS;
  const lateRise = lastLevel - middle;
  const trending = trendRise > tolerance;
  const stillRising = lateRise > trendRise / 6;
  const ok = !(trending && stillRising);

  const f = (x: number) => formatNumber(x);
  const figures =
    `first third ${f(firstLevel)}, middle ${f(middle)}, last ${f(lastLevel)}; slope ${f(slopePerMin)}/min = ${f(trendRise)} over the ${f(windowS / 60)} min judged ` +
    `(tolerance ${f(tolerance)} = max(${Math.round(relTolerance * 100)} % of ${f(middle)}, ${f(absTolerance)}))`;
  const reason = !trending
    ? 'steady: the trend is within tolerance'
    : !stillRising
      ? `levelled off: the last third rose only ${f(lateRise)} over the middle one`
      : `the trend exceeds tolerance and the last third is still ${f(lateRise)} above the middle one`;
  return { series, ok, firstLevel, lastLevel, slopePerMin, why: `${series} ${ok ? 'ok' : growing}: ${reason}; ${figures}` };
}

function definedOnly(opts: DriftOptions): Partial<{ relTolerance: number; absTolerance: number }> {
  const out: Partial<{ relTolerance: number; absTolerance: number }> = {};
  if (opts.relTolerance !== undefined) out.relTolerance = opts.relTolerance;
  if (opts.absTolerance !== undefined) out.absTolerance = opts.absTolerance;
  return out;
}

/** Median (mean of the two middle values for an even count); NaN for none. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Theil–Sen estimate of dv/dt: the median slope over all pairs of points at distinct times. */
export function theilSen(points: Array<{ t: number; v: number }>): number {
  const step = Math.max(1, points.length / MAX_SLOPE_POINTS);
  const used: Array<{ t: number; v: number }> = [];
  for (let i = 0; i < points.length; i += step) used.push(points[Math.floor(i)] as { t: number; v: number });
  const slopes: number[] = [];
  for (let i = 0; i < used.length; i++) {
    for (let j = i + 1; j < used.length; j++) {
      const p = used[i] as { t: number; v: number };
      const q = used[j] as { t: number; v: number };
      if (q.t !== p.t) slopes.push((q.v - p.v) / (q.t - p.t));
    }
  }
  return slopes.length === 0 ? 0 : median(slopes);
}

/** Up to four significant digits, no exponent for the sizes a soak meets. */
function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : Math.abs(x) >= 1 ? 2 : 3;
  const text = x.toFixed(digits);
  return digits === 0 ? text : text.replace(/\.?0+$/, '');
}

// ---------------------------------------------------------------------------------------------------
// Resident memory (Linux /proc)

/**
 * Resident set size of one process in bytes, from `VmRSS` in /proc/<pid>/status (0 for a process that
 * has none, such as a zombie). Rejects when the process does not exist.
 */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  return kb === undefined ? 0 : Number(kb) * 1024;
}

/**
 * Resident memory of a process and all its descendants, in bytes: for `npm start`-like trees (npm → sh
 * → node). Shared pages count once per process, so the sum overstates the tree's footprint; the trend
 * is what the soak judges. Descendants that exit while this reads are skipped; rejects when `pid` itself
 * does not exist.
 */
export async function rssTree(pid: number): Promise<number> {
  const own = await rssOf(pid);
  const tree = descendants(pid, await parentsByPid());
  const theirs = await Promise.all(tree.map((child) => rssOf(child).catch(() => 0)));
  return theirs.reduce((sum, x) => sum + x, own);
}

/** Every process's parent, read from /proc/<pid>/stat (field 4, after the parenthesised command name). */
async function parentsByPid(): Promise<Map<number, number>> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const parents = new Map<number, number>();
  await Promise.all(
    pids.map(async (name) => {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
      // The command name may hold spaces and parentheses: the fields after it start at the last ')'.
      const ppid = Number(stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (Number.isInteger(ppid)) parents.set(Number(name), ppid);
    }),
  );
  return parents;
}

function descendants(root: number, parents: Map<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}
