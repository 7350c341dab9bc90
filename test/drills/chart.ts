/**
 * The soak's chart: stacked panels (memory per process, leaver latency, lag, errors…) sharing one time
 * axis, a line per series with a legend, dashed vertical markers where faults were injected. Renders to
 * PNG with pngjs alone (no canvas, no native addon); text uses the 5×7 bitmap font below.
 */
import { PNG } from 'pngjs';
import type { SampleRow } from './samples';

export interface ChartPanel {
  title: string;
  /** Series names as in the sample rows; each gets the next colour of SERIES_COLOURS. */
  series: string[];
  /** Shown after the title: `MB`, `ms`, `records`. */
  unit: string;
  /**
   * Stop the y axis short of rare far spikes (a fault's outage) so the level and any drift of the rest
   * show; the title then says how many samples ran off the top and the highest. For latency, not counts.
   */
  clipSpikes?: boolean;
}

export interface ChartMarker {
  /** Seconds since the start, as the rows' `t`. */
  t: number;
  label: string;
}

export interface ChartOptions {
  title: string;
  rows: readonly SampleRow[];
  panels: ChartPanel[];
  /** Default 1200. */
  width?: number;
  /** Default: a 300-pixel band per panel plus the title (and the marker labels). */
  height?: number;
  /** Faults injected; those outside the rows' time range are left out. */
  markers?: ChartMarker[];
}

export type Rgb = readonly [number, number, number];

export const BACKGROUND: Rgb = [255, 255, 255];
/** Line colours in the order a panel's series take them. */
export const SERIES_COLOURS: readonly Rgb[] = [
  [31, 95, 191],
  [230, 124, 0],
  [34, 150, 60],
  [204, 40, 50],
  [128, 76, 196],
  [0, 150, 160],
  [140, 86, 40],
  [214, 80, 160],
  [130, 145, 20],
  [20, 40, 100],
];
export const MARKER_COLOUR: Rgb = [150, 150, 150];
const GRID: Rgb = [232, 232, 232];
const AXIS: Rgb = [70, 70, 70];
const INK: Rgb = [30, 30, 30];
const FAINT_INK: Rgb = [105, 105, 105];

// ---------------------------------------------------------------------------------------------------
// Font: 5 columns × 7 rows (an 8th for descenders), '#' lit, '.' dark, rows separated by '|'.

const GLYPHS: Record<string, string> = {
  ' ': '.....|.....|.....|.....|.....|.....|.....',
  '!': '..#..|..#..|..#..|..#..|..#..|.....|..#..',
  '"': '.#.#.|.#.#.|.#.#.|.....|.....|.....|.....',
  '#': '.#.#.|.#.#.|#####|.#.#.|#####|.#.#.|.#.#.',
  $: '..#..|.####|#.#..|.###.|..#.#|####.|..#..',
  '%': '##...|##..#|...#.|..#..|.#...|#..##|...##',
  '&': '.##..|#..#.|#.#..|.#...|#.#.#|#..#.|.##.#',
  "'": '..#..|..#..|.#...|.....|.....|.....|.....',
  '(': '...#.|..#..|.#...|.#...|.#...|..#..|...#.',
  ')': '.#...|..#..|...#.|...#.|...#.|..#..|.#...',
  '*': '.....|..#..|#.#.#|.###.|#.#.#|..#..|.....',
  '+': '.....|..#..|..#..|#####|..#..|..#..|.....',
  ',': '.....|.....|.....|.....|.....|.##..|..#..|.#...',
  '-': '.....|.....|.....|#####|.....|.....|.....',
  '.': '.....|.....|.....|.....|.....|.##..|.##..',
  '/': '.....|....#|...#.|..#..|.#...|#....|.....',
  '0': '.###.|#...#|#..##|#.#.#|##..#|#...#|.###.',
  '1': '..#..|.##..|..#..|..#..|..#..|..#..|.###.',
  '2': '.###.|#...#|....#|...#.|..#..|.#...|#####',
  '3': '#####|...#.|..#..|...#.|....#|#...#|.###.',
  '4': '...#.|..##.|.#.#.|#..#.|#####|...#.|...#.',
  '5': '#####|#....|####.|....#|....#|#...#|.###.',
  '6': '..##.|.#...|#....|####.|#...#|#...#|.###.',
  '7': '#####|....#|...#.|..#..|.#...|.#...|.#...',
  '8': '.###.|#...#|#...#|.###.|#...#|#...#|.###.',
  '9': '.###.|#...#|#...#|.####|....#|...#.|.##..',
  ':': '.....|.##..|.##..|.....|.##..|.##..|.....',
  ';': '.....|.##..|.##..|.....|.##..|..#..|.#...',
  '<': '...#.|..#..|.#...|#....|.#...|..#..|...#.',
  '=': '.....|.....|#####|.....|#####|.....|.....',
  '>': '.#...|..#..|...#.|....#|...#.|..#..|.#...',
  '?': '.###.|#...#|....#|...#.|..#..|.....|..#..',
  '@': '.###.|#...#|....#|.##.#|#.#.#|#.#.#|.###.',
  A: '.###.|#...#|#...#|#####|#...#|#...#|#...#',
  B: '####.|#...#|#...#|####.|#...#|#...#|####.',
  C: '.###.|#...#|#....|#....|#....|#...#|.###.',
  D: '###..|#..#.|#...#|#...#|#...#|#..#.|###..',
  E: '#####|#....|#....|####.|#....|#....|#####',
  F: '#####|#....|#....|####.|#....|#....|#....',
  G: '.###.|#...#|#....|#.###|#...#|#...#|.####',
  H: '#...#|#...#|#...#|#####|#...#|#...#|#...#',
  I: '.###.|..#..|..#..|..#..|..#..|..#..|.###.',
  J: '..###|...#.|...#.|...#.|...#.|#..#.|.##..',
  K: '#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#',
  L: '#....|#....|#....|#....|#....|#....|#####',
  M: '#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#',
  N: '#...#|#...#|##..#|#.#.#|#..##|#...#|#...#',
  O: '.###.|#...#|#...#|#...#|#...#|#...#|.###.',
  P: '####.|#...#|#...#|####.|#....|#....|#....',
  Q: '.###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#',
  R: '####.|#...#|#...#|####.|#.#..|#..#.|#...#',
  S: '.####|#....|#....|.###.|....#|....#|####.',
  T: '#####|..#..|..#..|..#..|..#..|..#..|..#..',
  U: '#...#|#...#|#...#|#...#|#...#|#...#|.###.',
  V: '#...#|#...#|#...#|#...#|#...#|.#.#.|..#..',
  W: '#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#.',
  X: '#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#',
  Y: '#...#|#...#|.#.#.|..#..|..#..|..#..|..#..',
  Z: '#####|....#|...#.|..#..|.#...|#....|#####',
  '[': '.###.|.#...|.#...|.#...|.#...|.#...|.###.',
  '\\': '.....|#....|.#...|..#..|...#.|....#|.....',
  ']': '.###.|...#.|...#.|...#.|...#.|...#.|.###.',
  '^': '..#..|.#.#.|#...#|.....|.....|.....|.....',
  _: '.....|.....|.....|.....|.....|.....|.....|#####',
  '`': '.#...|..#..|...#.|.....|.....|.....|.....',
  a: '.....|.....|.###.|....#|.####|#...#|.####',
  b: '#....|#....|#.##.|##..#|#...#|#...#|####.',
  c: '.....|.....|.###.|#....|#....|#...#|.###.',
  d: '....#|....#|.##.#|#..##|#...#|#...#|.####',
  e: '.....|.....|.###.|#...#|#####|#....|.###.',
  f: '..##.|.#..#|.#...|###..|.#...|.#...|.#...',
  g: '.....|.....|.####|#...#|#...#|.####|....#|.###.',
  h: '#....|#....|#.##.|##..#|#...#|#...#|#...#',
  i: '..#..|.....|.##..|..#..|..#..|..#..|.###.',
  j: '...#.|.....|..##.|...#.|...#.|...#.|#..#.|.##..',
  k: '#....|#....|#..#.|#.#..|##...|#.#..|#..#.',
  l: '.##..|..#..|..#..|..#..|..#..|..#..|.###.',
  m: '.....|.....|##.#.|#.#.#|#.#.#|#...#|#...#',
  n: '.....|.....|#.##.|##..#|#...#|#...#|#...#',
  o: '.....|.....|.###.|#...#|#...#|#...#|.###.',
  p: '.....|.....|####.|#...#|#...#|####.|#....|#....',
  q: '.....|.....|.####|#...#|#...#|.####|....#|....#',
  r: '.....|.....|#.##.|##..#|#....|#....|#....',
  s: '.....|.....|.####|#....|.###.|....#|####.',
  t: '.#...|.#...|###..|.#...|.#...|.#..#|..##.',
  u: '.....|.....|#...#|#...#|#...#|#..##|.##.#',
  v: '.....|.....|#...#|#...#|#...#|.#.#.|..#..',
  w: '.....|.....|#...#|#...#|#.#.#|#.#.#|.#.#.',
  x: '.....|.....|#...#|.#.#.|..#..|.#.#.|#...#',
  y: '.....|.....|#...#|#...#|#...#|.####|....#|.###.',
  z: '.....|.....|#####|...#.|..#..|.#...|#####',
  '{': '...#.|..#..|..#..|.#...|..#..|..#..|...#.',
  '|': '..#..|..#..|..#..|..#..|..#..|..#..|..#..',
  '}': '.#...|..#..|..#..|...#.|..#..|..#..|.#...',
  '~': '.....|.....|.#...|#.#.#|...#.|.....|.....',
};

/** Glyph rows as bit masks (bit 4 = leftmost column), 8 rows each. */
const FONT = new Map<string, number[]>(
  Object.entries(GLYPHS).map(([ch, art]) => {
    const rows = art.split('|').map((row) => [...row].reduce((bits, c) => (bits << 1) | (c === '#' ? 1 : 0), 0));
    return [ch, [...rows, ...Array<number>(8 - rows.length).fill(0)]];
  }),
);

/** The printable ASCII characters the font draws; anything else prints as '?'. */
export const FONT_CHARACTERS = [...FONT.keys()].join('');
/** The glyph drawings as written above, for the test that checks their shape. */
export const GLYPH_ROWS = Object.values(GLYPHS);

/** Text scale: each font pixel is a SCALE×SCALE block; a character advances 6 font pixels. */
const SCALE = 2;
const CHAR_W = 6 * SCALE;
const LINE_H = 10 * SCALE;

/** Pixel width of `text` as drawn. */
export function textWidth(text: string): number {
  return text.length * CHAR_W - SCALE;
}

// ---------------------------------------------------------------------------------------------------
// Layout

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ChartLayout {
  width: number;
  height: number;
  panels: Array<{ block: Rect; plot: Rect; legend: Rect }>;
  /** Lines of marker labels above the first panel (labels that would overlap take the next line). */
  markerRows: number;
  /** The markers inside the time range (others are not drawn), each with its column and its label's place. */
  markers: Array<{ marker: ChartMarker; x: number; labelX: number; row: number }>;
  tMin: number;
  tMax: number;
  /** The pixel column of time `t` in every plot. */
  xOf(t: number): number;
}

const MARGIN = 16;
const HEADER_H = 44;
const PANEL_H = 300;
const PANEL_TITLE_H = 26;
const X_LABELS_H = 30;
const Y_LABELS_W = 7 * CHAR_W;
const LEGEND_W = 20 * CHAR_W + 36;
const MARKER_LABEL_ROWS = 3;
const MARKER_LABEL_CHARS = 28;

/** Where everything goes; renderChart draws into it, tests find the plots, legends and markers by it. */
export function chartLayout(opts: ChartOptions): ChartLayout {
  const width = opts.width ?? 1200;
  const tMin = opts.rows.reduce((m, r) => Math.min(m, r.t), 0);
  const tMax = opts.rows.reduce((m, r) => Math.max(m, r.t), tMin + 1);
  const plotX = MARGIN + Y_LABELS_W + 8;
  const plotW = width - plotX - LEGEND_W - MARGIN;
  if (plotW < 100 || opts.panels.length === 0) throw new Error(`chart needs at least one panel and a width above ${plotX + LEGEND_W + MARGIN + 100} px (got ${width})`);
  const xOf = (t: number) => Math.round(plotX + ((t - tMin) / (tMax - tMin)) * (plotW - 1));

  // Marker labels: each starts at its line and takes the first row where it does not overlap the last label.
  const rowEnds = Array<number>(MARKER_LABEL_ROWS).fill(-Infinity);
  const inRange = (opts.markers ?? []).filter((m) => m.t >= tMin && m.t <= tMax).sort((a, b) => a.t - b.t);
  const markers = inRange.map((marker) => {
    const x = xOf(marker.t);
    const labelX = Math.min(x + 4, width - MARGIN - textWidth(markerText(marker)));
    let row = rowEnds.findIndex((end) => end + CHAR_W <= labelX);
    if (row < 0) row = rowEnds.indexOf(Math.min(...rowEnds));
    rowEnds[row] = labelX + textWidth(markerText(marker));
    return { marker, x, labelX, row };
  });
  const markerRows = markers.length === 0 ? 0 : Math.max(...markers.map((m) => m.row)) + 1;

  const top = HEADER_H + markerRows * LINE_H + (markerRows > 0 ? 6 : 0);
  const height = opts.height ?? top + opts.panels.length * PANEL_H + MARGIN;
  const bandH = Math.floor((height - top - MARGIN) / opts.panels.length);
  if (bandH < PANEL_TITLE_H + X_LABELS_H + 60) throw new Error(`chart height ${height} leaves ${bandH} px per panel; need ${PANEL_TITLE_H + X_LABELS_H + 60}`);
  const panels = opts.panels.map((_, i) => {
    const block = { x: 0, y: top + i * bandH, w: width, h: bandH };
    const plot = { x: plotX, y: block.y + PANEL_TITLE_H, w: plotW, h: bandH - PANEL_TITLE_H - X_LABELS_H };
    const legend = { x: plotX + plotW + 16, y: plot.y, w: LEGEND_W - 16, h: plot.h };
    return { block, plot, legend };
  });
  return { width, height, panels, markerRows, markers, tMin, tMax, xOf };
}

function markerText(m: ChartMarker): string {
  return m.label.length > MARKER_LABEL_CHARS ? `${m.label.slice(0, MARKER_LABEL_CHARS - 1)}~` : m.label;
}

// ---------------------------------------------------------------------------------------------------
// Drawing

class Canvas {
  readonly png: PNG;
  constructor(readonly width: number, readonly height: number) {
    this.png = new PNG({ width, height });
    const data = this.png.data;
    for (let i = 0; i < data.length; i += 4) {
      data[i] = BACKGROUND[0];
      data[i + 1] = BACKGROUND[1];
      data[i + 2] = BACKGROUND[2];
      data[i + 3] = 255;
    }
  }

  set(x: number, y: number, c: Rgb, clip?: Rect): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    if (clip !== undefined && (x < clip.x || y < clip.y || x >= clip.x + clip.w || y >= clip.y + clip.h)) return;
    const i = (y * this.width + x) * 4;
    this.png.data[i] = c[0];
    this.png.data[i + 1] = c[1];
    this.png.data[i + 2] = c[2];
  }

  fill(r: Rect, c: Rgb): void {
    for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) this.set(x, y, c);
  }

  hline(x0: number, x1: number, y: number, c: Rgb): void {
    for (let x = x0; x <= x1; x++) this.set(x, y, c);
  }

  vline(x: number, y0: number, y1: number, c: Rgb, dash?: { on: number; off: number }): void {
    for (let y = y0; y <= y1; y++) if (dash === undefined || (y - y0) % (dash.on + dash.off) < dash.on) this.set(x, y, c);
  }

  /** A 2-pixel-thick line (Bresenham), kept inside `clip`. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, clip: Rect): void {
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    for (;;) {
      this.set(x0, y0, c, clip);
      this.set(x0 + 1, y0, c, clip);
      this.set(x0, y0 + 1, c, clip);
      this.set(x0 + 1, y0 + 1, c, clip);
      if (x0 === x1 && y0 === y1) return;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }

  /** Text with its top-left corner at (x, y). */
  text(text: string, x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    [...text].forEach((ch, i) => {
      const rows = FONT.get(ch) ?? (FONT.get('?') as number[]);
      rows.forEach((bits, row) => {
        for (let col = 0; col < 5; col++) {
          if ((bits & (1 << (4 - col))) === 0) continue;
          for (let dy = 0; dy < SCALE; dy++) for (let dx = 0; dx < SCALE; dx++) this.set(x + i * CHAR_W + col * SCALE + dx, y + row * SCALE + dy, c);
        }
      });
    });
  }
}

/** Tick step of about `span / target` rounded to 1, 2 or 5 × a power of ten. */
function niceStep(span: number, target: number): number {
  const raw = span / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * magnitude;
}

/** Tick labels of one axis: a k/M/G suffix picked from the largest tick, decimals from the step. */
function tickFormatter(maxAbs: number, step: number): (v: number) => string {
  const [div, suffix] = maxAbs >= 1e9 ? [1e9, 'G'] : maxAbs >= 1e6 ? [1e6, 'M'] : maxAbs >= 1e4 ? [1e3, 'k'] : [1, ''];
  const decimals = Math.max(0, Math.ceil(-Math.log10(step / div) - 1e-9));
  return (v) => (v === 0 ? '0' : `${(v / div).toFixed(decimals)}${suffix}`);
}

/** Time ticks in seconds (runs up to 3 minutes) or minutes. */
function timeTicks(tMin: number, tMax: number): Array<{ t: number; label: string }> {
  const span = tMax - tMin;
  const inMinutes = span > 180;
  const steps = inMinutes ? [30, 60, 120, 300, 600, 900, 1800, 3600, 7200] : [1, 2, 5, 10, 15, 30, 60];
  const step = steps.find((s) => span / s <= 10) ?? (steps.at(-1) as number);
  const ticks: Array<{ t: number; label: string }> = [];
  for (let t = Math.ceil(tMin / step) * step; t <= tMax + 1e-9; t += step) {
    ticks.push({ t, label: inMinutes ? `${Number((t / 60).toFixed(1))}m` : `${t}s` });
  }
  return ticks;
}

/** The y range of a panel: from 0 when nothing is negative; far spikes clipped when asked. */
function yRange(values: number[], clipSpikes: boolean): { lo: number; hi: number; clipped: number; max: number } {
  if (values.length === 0) return { lo: 0, hi: 1, clipped: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const min = sorted[0] as number;
  const max = sorted.at(-1) as number;
  // A fault's outage can put a few samples 50× above the rest; at full height they would flatten
  // everything else (a drift would not show). When the top exceeds 4× the 90th percentile, the axis
  // stops at 2× that percentile and the outage runs off the top of the plot.
  const p90 = sorted[Math.floor(0.9 * (sorted.length - 1))] as number;
  const top = clipSpikes && p90 > 0 && max > 4 * p90 ? p90 * 2 : max;
  const lo = min >= 0 ? 0 : min;
  const hi = top > lo ? top : lo + 1;
  return { lo, hi, clipped: values.filter((v) => v > hi).length, max };
}

/** Renders the chart as PNG bytes. */
export function renderChart(opts: ChartOptions): Buffer {
  const layout = chartLayout(opts);
  const canvas = new Canvas(layout.width, layout.height);
  canvas.text(opts.title, MARGIN, 14, INK);
  const axisNote = 'time since start';
  const noteX = layout.width - MARGIN - textWidth(axisNote);
  if (MARGIN + textWidth(opts.title) + 2 * CHAR_W <= noteX) canvas.text(axisNote, noteX, 14, FAINT_INK);

  for (const { marker, x, labelX, row } of layout.markers) {
    const y = HEADER_H + row * LINE_H;
    canvas.vline(x, y, y + LINE_H - 2, MARKER_COLOUR);
    canvas.text(markerText(marker), labelX, y + 2, FAINT_INK);
  }

  const xTicks = timeTicks(layout.tMin, layout.tMax);
  opts.panels.forEach((panel, p) => {
    const { plot, legend } = layout.panels[p] as ChartLayout['panels'][number];
    const values = opts.rows.flatMap((r) => panel.series.map((s) => r[s]).filter((v): v is number => v !== undefined));
    const { lo, hi, clipped, max } = yRange(values, panel.clipSpikes === true);
    const step = niceStep(hi - lo, Math.max(2, Math.floor(plot.h / 50)));
    const yLo = Math.floor(lo / step) * step;
    const yHi = Math.max(Math.ceil(hi / step) * step, yLo + step);
    const yOf = (v: number) => Math.round(plot.y + plot.h - 1 - ((Math.min(v, yHi) - yLo) / (yHi - yLo)) * (plot.h - 1));
    const format = tickFormatter(Math.max(Math.abs(yLo), Math.abs(yHi)), step);

    const above = clipped > 0 ? `; ${clipped} sample${clipped === 1 ? '' : 's'} above the axis, highest ${tickFormatter(max, max / 100)(max)}` : '';
    const title = `${panel.title}${panel.unit === '' ? '' : ` (${panel.unit})`}${above}`;
    canvas.text(title, plot.x, plot.y - PANEL_TITLE_H + 4, INK);

    for (let i = 0; yLo + i * step <= yHi + step / 1e6; i++) {
      const v = yLo + i * step;
      const y = yOf(v);
      canvas.hline(plot.x, plot.x + plot.w - 1, y, GRID);
      canvas.hline(plot.x - 5, plot.x - 1, y, AXIS);
      const label = format(v);
      canvas.text(label, plot.x - 8 - textWidth(label), y - 7, INK);
    }
    for (const tick of xTicks) {
      const x = layout.xOf(tick.t);
      canvas.vline(x, plot.y, plot.y + plot.h - 1, GRID);
      canvas.vline(x, plot.y + plot.h, plot.y + plot.h + 4, AXIS);
      const left = Math.max(plot.x - 6, Math.min(x - textWidth(tick.label) / 2, plot.x + plot.w - textWidth(tick.label)));
      canvas.text(tick.label, Math.round(left), plot.y + plot.h + 8, INK);
    }
    for (const { x } of layout.markers) canvas.vline(x, plot.y, plot.y + plot.h - 1, MARKER_COLOUR, { on: 6, off: 4 });

    panel.series.forEach((s, k) => {
      const colour = SERIES_COLOURS[k % SERIES_COLOURS.length] as Rgb;
      let last: { x: number; y: number } | undefined;
      opts.rows.forEach((row, i) => {
        const v = row[s];
        if (v === undefined) {
          last = undefined; // a missing sample breaks the line rather than bridging the gap
          return;
        }
        const point = { x: layout.xOf(row.t), y: yOf(v) };
        if (last === undefined && opts.rows[i + 1]?.[s] === undefined) {
          // A sample with no neighbour to join: a dot, so it shows.
          for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) canvas.set(point.x + dx, point.y + dy, colour, plot);
        }
        canvas.line(last?.x ?? point.x, last?.y ?? point.y, point.x, point.y, colour, plot);
        last = point;
      });
      const y = legend.y + 4 + k * LINE_H;
      if (y + LINE_H > legend.y + legend.h) return; // more series than the legend has room for
      canvas.fill({ x: legend.x, y: y + 6, w: 24, h: 4 }, colour);
      const name = s.length > 20 ? `${s.slice(0, 19)}~` : s;
      canvas.text(name, legend.x + 32, y, INK);
    });
    if (values.length === 0) canvas.text('no samples', plot.x + plot.w / 2 - textWidth('no samples') / 2, plot.y + plot.h / 2 - 8, FAINT_INK);

    canvas.vline(plot.x - 1, plot.y, plot.y + plot.h, AXIS);
    canvas.hline(plot.x - 1, plot.x + plot.w - 1, plot.y + plot.h, AXIS);
  });
  return PNG.sync.write(canvas.png);
}
