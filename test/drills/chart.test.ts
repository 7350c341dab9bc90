import { mkdir, writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { BACKGROUND, chartLayout, type ChartOptions, FONT_CHARACTERS, GLYPH_ROWS, MARKER_COLOUR, type Rect, renderChart, type Rgb, SERIES_COLOURS } from './chart';
import type { SampleRow } from './samples';

/** A soak-shaped run: 30 minutes every 5 s, memory of six processes, leaver latency, lag and errors. */
function soakRows(): SampleRow[] {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: 361 }, (_, i) => {
    const t = i * 5;
    const outage = t >= 900 && t < 960;
    return {
      t,
      'rss.gateway': 95 + 10 * Math.min(1, t / 300) + rnd() * 4,
      'rss.dispatcher': 110 + ((t % 120) / 120) * 25 + rnd() * 3,
      'rss.worker': 180 + (40 * t) / 1800 + rnd() * 8,
      'rss.kafka': 620 + 60 * Math.min(1, t / 600) + rnd() * 10,
      'rss.temporal': 240 + rnd() * 12,
      'rss.redis': 12 + rnd(),
      'leaver.p50': outage ? 45_000 : 850 + rnd() * 300,
      'leaver.p95': outage ? 62_000 : 1_500 + rnd() * 900,
      lag: outage ? Math.round(((t - 900) / 60) * 1800) : Math.round(rnd() * 20),
      ...(t >= 400 && t < 430 ? {} : { errors: Math.floor(t / 450) + (outage ? 12 : 0) }),
    };
  });
}

const SOAK: ChartOptions = {
  title: 'soak: 30 min, 2 events/s, faults every 7.5 min',
  rows: soakRows(),
  panels: [
    { title: 'memory per process', series: ['rss.gateway', 'rss.dispatcher', 'rss.worker', 'rss.kafka', 'rss.temporal', 'rss.redis'], unit: 'MB' },
    { title: 'leaver latency', series: ['leaver.p50', 'leaver.p95'], unit: 'ms', clipSpikes: true },
    { title: 'consumer lag', series: ['lag'], unit: 'records' },
    { title: 'errors', series: ['errors'], unit: 'total' },
  ],
  markers: [
    { t: 450, label: 'kill -9 worker' },
    { t: 900, label: 'scim app down 60 s' },
    { t: 930, label: 'redis restart' },
    { t: 1350, label: 'kafka restart' },
  ],
};

const decode = (png: Buffer) => PNG.sync.read(png);
type Image = ReturnType<typeof decode>;
const pixel = (img: Image, x: number, y: number): Rgb => {
  const i = (y * img.width + x) * 4;
  return [img.data[i] as number, img.data[i + 1] as number, img.data[i + 2] as number];
};
const same = (a: Rgb, b: Rgb) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
/** How many pixels of `rect` have `colour` (any non-background colour when omitted). */
function count(img: Image, rect: Rect, colour?: Rgb): number {
  let n = 0;
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    for (let x = rect.x; x < rect.x + rect.w; x++) {
      const p = pixel(img, x, y);
      if (colour === undefined ? !same(p, BACKGROUND) : same(p, colour)) n++;
    }
  }
  return n;
}

describe('soak chart', () => {
  it('font > one 5-column glyph of 7 rows (8 with a descender) for each printable ASCII character', () => {
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
    expect([...FONT_CHARACTERS].sort().join('')).toBe([...printable].sort().join(''));
    for (const art of GLYPH_ROWS) {
      const rows = art.split('|');
      expect([7, 8]).toContain(rows.length);
      for (const row of rows) expect(row).toMatch(/^[#.]{5}$/);
    }
    // Distinct characters look distinct.
    expect(new Set(GLYPH_ROWS).size).toBe(GLYPH_ROWS.length);
  });

  it('decodes as a PNG of the requested size, or 1200 wide with a band per panel by default', () => {
    const byDefault = decode(renderChart(SOAK));
    const layout = chartLayout(SOAK);
    expect([byDefault.width, byDefault.height]).toEqual([1200, layout.height]);
    expect(layout.height).toBeGreaterThan(4 * 300);
    const sized = decode(renderChart({ ...SOAK, width: 1000, height: 900 }));
    expect([sized.width, sized.height]).toEqual([1000, 900]);
  });

  it('each panel > its series drawn in the plot in their colours, each named in the legend', () => {
    const img = decode(renderChart(SOAK));
    const layout = chartLayout(SOAK);
    SOAK.panels.forEach((panel, p) => {
      const { plot, legend } = layout.panels[p] as (typeof layout.panels)[number];
      expect(count(img, plot)).toBeGreaterThan(plot.w);
      panel.series.forEach((_, k) => {
        const colour = SERIES_COLOURS[k] as Rgb;
        expect(count(img, plot, colour), `${panel.title} series ${k} in the plot`).toBeGreaterThan(100);
        // The legend row of series k: its colour swatch, and text beside it.
        const row = { x: legend.x, y: legend.y + 4 + k * 20, w: legend.w, h: 20 };
        expect(count(img, row, colour), `${panel.title} series ${k} swatch`).toBeGreaterThanOrEqual(24 * 4);
        expect(count(img, { ...row, x: legend.x + 32, w: legend.w - 32 }), `${panel.title} series ${k} name`).toBeGreaterThan(40);
      });
    });
  });

  it('clipSpikes > the axis stops short of an outage, so the level of the rest fills the plot', () => {
    /** Height of the median pixel of series 0 above the bottom of the latency plot, as a fraction of the plot. */
    const level = (clipSpikes: boolean) => {
      const options: ChartOptions = { ...SOAK, panels: [{ ...(SOAK.panels[1] as ChartOptions['panels'][number]), clipSpikes }] };
      const img = decode(renderChart(options));
      const { plot } = chartLayout(options).panels[0] as ReturnType<typeof chartLayout>['panels'][number];
      const rows: number[] = [];
      for (let y = plot.y; y < plot.y + plot.h; y++) for (let x = plot.x; x < plot.x + plot.w; x++) if (same(pixel(img, x, y), SERIES_COLOURS[0] as Rgb)) rows.push(y);
      rows.sort((p, q) => p - q);
      return (plot.y + plot.h - (rows[rows.length >> 1] as number)) / plot.h;
    };
    expect(level(false)).toBeLessThan(0.04);
    expect(level(true)).toBeGreaterThan(0.12);
  });

  it('a missing series > the panel says no samples instead of failing', () => {
    const options: ChartOptions = { ...SOAK, panels: [{ title: 'absent', series: ['nothing'], unit: '' }], markers: [] };
    const img = decode(renderChart(options));
    const { plot } = chartLayout(options).panels[0] as ReturnType<typeof chartLayout>['panels'][number];
    expect(count(img, plot, SERIES_COLOURS[0])).toBe(0);
    expect(count(img, { x: plot.x + plot.w / 2 - 80, y: plot.y + plot.h / 2 - 10, w: 160, h: 20 })).toBeGreaterThan(50);
    // No rows at all, or one: still a chart.
    expect(decode(renderChart({ ...options, rows: [] })).width).toBe(1200);
    // A lone sample (here at the right edge, so the dot's right half is clipped) still shows as a dot, not 2 pixels.
    expect(count(decode(renderChart({ ...options, rows: [{ t: 3, nothing: 5 }] })), plot, SERIES_COLOURS[0])).toBeGreaterThanOrEqual(9);
  });

  it('a marker > a dashed vertical line at its time through every plot, and only there', () => {
    const without = decode(renderChart({ ...SOAK, markers: [] }));
    const marked: ChartOptions = { ...SOAK, markers: [{ t: 1111, label: 'kill -9 dispatcher' }] };
    const withOne = decode(renderChart(marked));
    const layout = chartLayout(marked);
    // The marker's label row shifts the panels down: compare each plot by its own rectangle.
    const layoutWithout = chartLayout({ ...SOAK, markers: [] });
    const x = layout.xOf(1111);
    layout.panels.forEach(({ plot }, p) => {
      const before = layoutWithout.panels[p]?.plot as Rect;
      let dashed = 0;
      let changedElsewhere = 0;
      for (let dy = 0; dy < plot.h; dy++) {
        if (same(pixel(withOne, x, plot.y + dy), MARKER_COLOUR)) dashed++;
        for (const off of [-30, 30]) if (!same(pixel(withOne, x + off, plot.y + dy), pixel(without, x + off, before.y + dy))) changedElsewhere++;
      }
      expect(dashed, `panel ${p}`).toBeGreaterThan(plot.h * 0.4);
      expect(dashed, `panel ${p}`).toBeLessThan(plot.h * 0.7);
      expect(changedElsewhere, `panel ${p}`).toBe(0);
    });
  });

  it('a marker outside the time range > not drawn (it would land in the legend)', () => {
    const layout = chartLayout({ ...SOAK, markers: [{ t: 5000, label: 'late' }, { t: 600, label: 'in' }] });
    expect(layout.markers.map((m) => m.marker.label)).toEqual(['in']);
  });

  it('writes a soak-like sample to .jml/chart-sample.png to look at', async () => {
    const png = renderChart(SOAK);
    await mkdir('.jml', { recursive: true });
    await writeFile('.jml/chart-sample.png', png);
    expect(decode(png).width).toBe(1200);
  });
});
