import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { driftVerdict, median, parseCsv, rssOf, rssTree, SampleLog, type SampleRow, theilSen, toCsv } from './samples';

/** A seeded pseudo-random source (mulberry32), so every run judges the same series. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 30-minute soak sampled every 5 s: `value(t, rnd)` gives the series at t seconds. */
function soak(value: (t: number, rnd: () => number) => number, seed = 1, seconds = 1800, every = 5): SampleRow[] {
  const rnd = random(seed);
  return Array.from({ length: seconds / every + 1 }, (_, i) => ({ t: i * every, s: value(i * every, rnd) }));
}
/** Uniform noise of ± `spread` around 0. */
const noise = (rnd: () => number, spread: number) => (rnd() * 2 - 1) * spread;

describe('sample log', () => {
  it('CSV > header is the union of series in first-seen order, an empty cell where a row lacks one, and reads back equal', () => {
    let now = 1_000_000;
    const log = new SampleLog({ startedAt: now, now: () => now });
    log.record({ 'rss.worker': 151.25, lag: 0 });
    now += 5_004;
    log.record({ 'rss.worker': 152.5, 'leaver.p50': 812, lag: Number.NaN });
    now += 4_996;
    log.record({ lag: 3, 'rss.gateway': undefined, errors: -0.1 + 0.3 });
    const csv = log.toCsv();
    expect(csv.split('\n')).toEqual(['t,rss.worker,lag,leaver.p50,errors', '0,151.25,0,,', '5.004,152.5,,812,', `10,,3,,${String(-0.1 + 0.3)}`, '']);
    expect(parseCsv(csv)).toEqual(log.rows);
    expect(parseCsv(csv)[2]).toEqual({ t: 10, lag: 3, errors: -0.1 + 0.3 });
  });

  it('CSV > round-trips any finite doubles exactly', () => {
    const rnd = random(7);
    const rows = Array.from({ length: 50 }, (_, i) => ({ t: i * 2.5, a: (rnd() - 0.5) * 1e9, b: rnd() * 1e-9, c: Math.round(rnd() * 1e6) }));
    expect(parseCsv(toCsv(rows))).toEqual(rows);
  });

  it('writeCsv > creates the folder and writes what toCsv gives', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jml-samples-'));
    try {
      const log = new SampleLog();
      log.add({ t: 0, x: 1 });
      log.add({ t: 1, x: 2 });
      const path = join(dir, 'soak', 'samples.csv');
      await log.writeCsv(path);
      expect(await readFile(path, 'utf8')).toBe('t,x\n0,1\n1,2\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses names the CSV cannot carry, a "t" series and time going back', () => {
    const log = new SampleLog();
    expect(() => log.add({ t: 0, 'rss worker': 1 })).toThrow(/must match/);
    expect(() => log.add({ t: 0, 'a,b': 1 })).toThrow(/must match/);
    expect(() => toCsv([{ t: 0 }], ['t'])).toThrow(/not be "t"/);
    log.add({ t: 5, x: 1 });
    expect(() => log.add({ t: 4, x: 1 })).toThrow(/earlier/);
    expect(() => parseCsv('t,x\n0,1,2\n')).toThrow(/3 cells/);
    expect(() => parseCsv('t,x\n0,abc\n')).toThrow(/not a number/);
    expect(() => parseCsv('x,t\n0,1\n')).toThrow(/"t" column/);
  });
});

describe('drift verdict', () => {
  it('median and Theil–Sen > the middle value, and the slope of a line despite one wild point', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const line = Array.from({ length: 20 }, (_, i) => ({ t: i, v: 2 * i + 1 }));
    line[7] = { t: 7, v: 1e6 };
    expect(theilSen(line)).toBe(2);
  });

  it('memory flat with noise > ok', () => {
    const v = driftVerdict(soak((_, r) => 180 + noise(r, 6)), 's', { kind: 'memory' });
    expect(v.ok, v.why).toBe(true);
    expect(Math.abs(v.slopePerMin)).toBeLessThan(0.2);
    expect(v.firstLevel).toBeCloseTo(180, -1);
  });

  it('memory flat with fault spikes (single samples and a 30 s outage in the last third) > ok', () => {
    const spikeAt = new Set([100, 400, 705, 1000, 1200, 1400, 1405, 1410, 1415, 1420, 1425, 1700]);
    const v = driftVerdict(soak((t, r) => (spikeAt.has(t) ? 520 : 180) + noise(r, 6)), 's', { kind: 'memory' });
    expect(v.ok, v.why).toBe(true);
  });

  it('memory rising through warm-up then on a plateau > ok, said to have levelled off', () => {
    // Rises from 90 to 200 MB over the first 15 minutes: still rising for 9 minutes after the 6-minute warm-up.
    const v = driftVerdict(soak((t, r) => 90 + 110 * Math.min(1, t / 900) + noise(r, 4)), 's', { kind: 'memory' });
    expect(v.ok, v.why).toBe(true);
    expect(v.slopePerMin).toBeGreaterThan(0);
    expect(v.why).toMatch(/levelled off/);
  });

  it('memory in a GC sawtooth > ok', () => {
    const v = driftVerdict(soak((t, r) => 160 + ((t % 90) / 90) * 60 + noise(r, 3)), 's', { kind: 'memory' });
    expect(v.ok, v.why).toBe(true);
  });

  it('memory with a steady leak (+50 MB in 30 min) > not ok, keeps growing', () => {
    const v = driftVerdict(soak((t, r) => 150 + (50 * t) / 1800 + noise(r, 6)), 's', { kind: 'memory' });
    expect(v.ok, v.why).toBe(false);
    expect(v.why).toMatch(/^s keeps growing/);
    expect(v.slopePerMin).toBeCloseTo(50 / 30, 0);
    expect(v.lastLevel).toBeGreaterThan(v.firstLevel + 20);
  });

  it('memory rising ever more slowly but without end (a square root) > not ok', () => {
    const v = driftVerdict(soak((t, r) => 120 + 3 * Math.sqrt(t) + noise(r, 4)), 's', { kind: 'memory' });
    expect(v.ok, v.why).toBe(false);
  });

  it('memory with a leak even with fault spikes on top > not ok', () => {
    const v = driftVerdict(soak((t, r) => 150 + (50 * t) / 1800 + (t % 300 === 0 ? 400 : 0) + noise(r, 6)), 's', { kind: 'memory' });
    expect(v.ok, v.why).toBe(false);
  });

  it('latency drifting from 800 ms to 2 s (spiky) > not ok, drifts', () => {
    const v = driftVerdict(soak((t, r) => (800 + (1200 * t) / 1800) * (0.8 + 0.4 * r()) + (r() < 0.05 ? 20_000 : 0)), 's', { kind: 'latency' });
    expect(v.ok, v.why).toBe(false);
    expect(v.why).toMatch(/^s drifts/);
  });

  it('latency steady with fault outages > ok', () => {
    const v = driftVerdict(soak((_, r) => 900 * (0.8 + 0.4 * r()) + (r() < 0.08 ? 60_000 : 0)), 's', { kind: 'latency' });
    expect(v.ok, v.why).toBe(true);
  });

  it('small levels > the absolute tolerance keeps a few MB of growth ok; a tighter one catches it', () => {
    const rows = soak((t, r) => 20 + (8 * t) / 1800 + noise(r, 0.5));
    expect(driftVerdict(rows, 's', { kind: 'memory' }).ok).toBe(true);
    expect(driftVerdict(rows, 's', { kind: 'memory', absTolerance: 2 }).ok).toBe(false);
  });

  it('too few samples or a missing series > not ok with the reason', () => {
    const short = soak(() => 100, 1, 30, 5);
    expect(driftVerdict(short, 's', { kind: 'memory' })).toMatchObject({ ok: false, why: expect.stringMatching(/too few samples/) });
    expect(driftVerdict(soak(() => 100), 'other', { kind: 'memory' })).toMatchObject({ ok: false, why: 'other: no samples' });
  });

  it('warmupSeconds > a rise inside the stated warm-up is not judged', () => {
    const rows = soak((t, r) => (t < 1000 ? 100 + t / 10 : 200) + noise(r, 2));
    expect(driftVerdict(rows, 's', { kind: 'memory', warmupSeconds: 1000 }).ok).toBe(true);
  });
});

describe('resident memory', () => {
  it('rssOf > this process, close to what Node reports', async () => {
    const rss = await rssOf(process.pid);
    const node = process.memoryUsage().rss;
    expect(rss).toBeGreaterThan(node * 0.8);
    expect(rss).toBeLessThan(node * 1.25);
  });

  it('rssOf > rejects for a process that does not exist', async () => {
    await expect(rssOf(2 ** 22 + 12345)).rejects.toThrow(/ENOENT/);
  });

  it('rssTree > sums a shell and the node grandchild holding 64 MB', async () => {
    const holder = 'const b = Buffer.alloc(64 * 1024 * 1024, 1); console.log(process.pid); setInterval(() => b[0]++, 1000);';
    const shell = spawn('sh', ['-c', `"${process.execPath}" -e '${holder}'; exit 0`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let childPid: number | undefined;
    try {
      childPid = await new Promise<number>((resolve, reject) => {
        shell.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
        shell.once('exit', () => reject(new Error('the memory holder exited early')));
      });
      const [shellRss, childRss, treeRss] = [await rssOf(shell.pid as number), await rssOf(childPid), await rssTree(shell.pid as number)];
      expect(childRss).toBeGreaterThan(64 * 1024 * 1024);
      expect(shellRss).toBeLessThan(16 * 1024 * 1024);
      expect(treeRss).toBeGreaterThan(shellRss + 64 * 1024 * 1024);
      expect(Math.abs(treeRss - (shellRss + childRss))).toBeLessThan(4 * 1024 * 1024);
    } finally {
      // The grandchild first: killing the shell alone would leave it running.
      if (childPid !== undefined) process.kill(childPid, 'SIGKILL');
      shell.kill('SIGKILL');
    }
  });
});
