/**
 * The label-budget curve as hand-written SVG: Dice vs M, mean ± std error bars over folds, one line per method, a
 * legend on the right. Element classes are stable for tests and styling: `line`, `point`, `errorbar`,
 * `legend-swatch`.
 */
import { compareBudgets, type Budget } from '../eval/protocol/budget.js';
import { categoricalColour, cssColour } from './colours.js';
import { FONT, checkSize, escapeXml, niceTicks, num, svgOpen, text, tickLabel } from './svg.js';
import type { ResultsTable } from './table.js';

export interface LinePoint {
  x: Budget;
  mean: number;
  /** error bar half-length (the std over folds); null or 0 for none */
  std: number | null;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
}

export interface LinePlotOptions {
  title?: string;
  /** default 'M (labelled patients)' */
  xLabel?: string;
  /** default 'Dice' */
  yLabel?: string;
  width?: number;
  height?: number;
  /**
   * 'categorical' (default): the M values equally spaced, as the papers' tables; 'log': positions log10(M), with
   * 'all' one average log-step to the right of the largest M
   */
  xScale?: 'categorical' | 'log';
  /** fixed y range; default the data's mean ± std range, widened to round ticks */
  yRange?: [number, number];
  /** header of 'all' on the x axis (default 'all') */
  allLabel?: string;
}

/** one series per table row (named `group · method` when grouped), from the cells that have results */
export function seriesFromTable(table: ResultsTable): LineSeries[] {
  return table.rows
    .map((row) => ({
      name: row.group !== undefined ? `${row.group} · ${row.method}` : row.method,
      points: row.cells.flatMap((c, j) => (c ? [{ x: table.budgets[j]!, mean: c.mean, std: c.std }] : [])),
    }))
    .filter((s) => s.points.length > 0);
}

/** checks every point (M > 0 or 'all', a finite mean, a std >= 0 or null, no M twice); returns the budgets by key */
function checkSeries(series: readonly LineSeries[]): Map<string, Budget> {
  if (series.length === 0) throw new Error('linePlotSvg: no series');
  const xs = new Map<string, Budget>();
  series.forEach((s, i) => {
    if (s.points.length === 0) throw new Error(`linePlotSvg: series[${i}] (${s.name}): no points`);
    const seen = new Set<string>();
    s.points.forEach((p, j) => {
      const where = `linePlotSvg: series[${i}] (${s.name}).points[${j}]`;
      if (p.x !== 'all' && !(Number.isInteger(p.x) && p.x > 0)) throw new Error(`${where}.x: expected M > 0 or 'all'`);
      if (!Number.isFinite(p.mean)) throw new Error(`${where}.mean: not a finite number (${p.mean})`);
      if (p.std !== null && !(Number.isFinite(p.std) && p.std >= 0)) {
        throw new Error(`${where}.std: expected a finite number >= 0 or null (${p.std})`);
      }
      if (seen.has(String(p.x))) throw new Error(`${where}.x: M = ${p.x} appears twice`);
      seen.add(String(p.x));
      xs.set(String(p.x), p.x);
    });
  });
  return xs;
}

/** The x axis: every budget's position (before mapping to pixels) and the padded range of positions. */
interface XAxis {
  budgets: Budget[];
  pos: Map<string, number>;
  pmin: number;
  pmax: number;
}

function xAxis(xs: Map<string, Budget>, xScale: LinePlotOptions['xScale'] = 'categorical'): XAxis {
  const budgets = [...xs.values()].sort(compareBudgets);
  const pos = new Map<string, number>();
  if (xScale === 'categorical') {
    budgets.forEach((b, i) => pos.set(String(b), i));
  } else if (xScale === 'log') {
    const nums = budgets.filter((b): b is number => b !== 'all').map((b) => Math.log10(b));
    nums.forEach((v, i) => pos.set(String(budgets[i]), v));
    if (xs.has('all')) {
      const gap = nums.length > 1 ? (nums[nums.length - 1]! - nums[0]!) / (nums.length - 1) : Math.log10(2);
      pos.set('all', (nums.length ? nums[nums.length - 1]! : 0) + Math.max(gap, Math.log10(1.5)));
    }
  } else {
    throw new Error(`linePlotSvg: xScale must be 'categorical' or 'log', got ${JSON.stringify(xScale)}`);
  }
  const pvals = [...pos.values()];
  const pmin = Math.min(...pvals);
  const pmax = Math.max(...pvals);
  const ppad =
    pmax > pmin ? (pmax - pmin) * (xScale === 'categorical' ? 0.5 / Math.max(1, budgets.length - 1) : 0.06) : 0.5;
  return { budgets, pos, pmin: pmin - ppad, pmax: pmax + ppad };
}

/** the y ticks and range: the given range, else mean ± std of every point widened to round ticks */
function yAxis(series: readonly LineSeries[], yRange: [number, number] | undefined) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      lo = Math.min(lo, p.mean - (p.std ?? 0));
      hi = Math.max(hi, p.mean + (p.std ?? 0));
    }
  }
  if (yRange) {
    [lo, hi] = yRange;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo))
      throw new Error('linePlotSvg: yRange must be [lo, hi], lo < hi');
  }
  const yTicks = yRange ? niceTicks(lo, hi).filter((t) => t >= lo - 1e-12 && t <= hi + 1e-12) : niceTicks(lo, hi);
  return { yTicks, ymin: yRange ? lo : yTicks[0]!, ymax: yRange ? hi : yTicks[yTicks.length - 1]! };
}

/** The plot area in pixels and the maps into it. */
interface Frame {
  m: { left: number; right: number; top: number; bottom: number };
  pw: number;
  ph: number;
  X: (p: number) => number;
  Y: (v: number) => number;
}

/** axes, grid, ticks and axis labels */
function axesSvg(f: Frame, x: XAxis, yTicks: number[], height: number, options: LinePlotOptions): string[] {
  const { m, pw, ph, X, Y } = f;
  const out: string[] = [];
  out.push(`<g class="axes" stroke="#333" stroke-width="1" fill="none">`);
  out.push(`<path d="M${num(m.left)} ${num(m.top)}V${num(m.top + ph)}H${num(m.left + pw)}"/>`);
  out.push('</g>');
  out.push(`<g class="yticks" font-family="${FONT}" font-size="11" fill="#333">`);
  for (const t of yTicks) {
    const y = Y(t);
    out.push(`<path d="M${num(m.left)} ${num(y)}H${num(m.left + pw)}" stroke="#e4e4e4" stroke-width="1"/>`);
    out.push(`<path d="M${num(m.left - 5)} ${num(y)}H${num(m.left)}" stroke="#333"/>`);
    out.push(text(m.left - 8, y + 4, tickLabel(t, yTicks), { anchor: 'end' }));
  }
  out.push('</g>');
  out.push(`<g class="xticks" font-family="${FONT}" font-size="11" fill="#333">`);
  for (const b of x.budgets) {
    const px = X(x.pos.get(String(b))!);
    out.push(`<path d="M${num(px)} ${num(m.top + ph)}V${num(m.top + ph + 5)}" stroke="#333"/>`);
    out.push(text(px, m.top + ph + 18, b === 'all' ? (options.allLabel ?? 'all') : String(b), { anchor: 'middle' }));
  }
  out.push('</g>');
  out.push(
    text(m.left + pw / 2, height - 12, options.xLabel ?? 'M (labelled patients)', { anchor: 'middle', size: 13 }),
  );
  out.push(
    `<text x="0" y="0" transform="translate(16 ${num(m.top + ph / 2)}) rotate(-90)" text-anchor="middle" ` +
      `font-family="${FONT}" font-size="13" fill="#222">${escapeXml(options.yLabel ?? 'Dice')}</text>`,
  );
  return out;
}

/** one series: its line, error bars and points (with a tooltip each) */
function seriesSvg(s: LineSeries, i: number, f: Frame, pos: Map<string, number>): string[] {
  const colour = cssColour(categoricalColour(i));
  const pts = s.points
    .slice()
    .sort((a, b) => pos.get(String(a.x))! - pos.get(String(b.x))!)
    .map((p) => ({ ...p, px: f.X(pos.get(String(p.x))!), py: f.Y(p.mean) }));
  const out = [`<g class="series" data-name="${escapeXml(s.name)}">`];
  out.push(
    `<path class="line" d="${pts.map((p, k) => `${k ? 'L' : 'M'}${num(p.px)} ${num(p.py)}`).join('')}" ` +
      `fill="none" stroke="${colour}" stroke-width="2"/>`,
  );
  for (const p of pts) {
    if (p.std && p.std > 0) {
      const y0 = f.Y(p.mean - p.std);
      const y1 = f.Y(p.mean + p.std);
      out.push(
        `<path class="errorbar" d="M${num(p.px)} ${num(y0)}V${num(y1)}M${num(p.px - 4)} ${num(y0)}H${num(p.px + 4)}` +
          `M${num(p.px - 4)} ${num(y1)}H${num(p.px + 4)}" stroke="${colour}" stroke-width="1.2" fill="none"/>`,
      );
    }
  }
  for (const p of pts) {
    const tip = `${s.name}, M = ${p.x}: ${p.mean.toFixed(4)}${p.std !== null ? ` ± ${p.std.toFixed(4)}` : ''}`;
    out.push(
      `<circle class="point" cx="${num(p.px)}" cy="${num(p.py)}" r="3.5" fill="${colour}"><title>${escapeXml(tip)}</title></circle>`,
    );
  }
  out.push('</g>');
  return out;
}

/** the legend on the right: a swatch and the name of each series */
function legendSvg(series: readonly LineSeries[], f: Frame, width: number): string[] {
  const out = [`<g class="legend" font-family="${FONT}" font-size="12" fill="#222">`];
  series.forEach((s, i) => {
    const y = f.m.top + 8 + i * 18;
    const x = width - f.m.right + 14;
    const colour = cssColour(categoricalColour(i));
    out.push(`<rect class="legend-swatch" x="${num(x)}" y="${num(y - 1)}" width="18" height="3" fill="${colour}"/>`);
    out.push(text(x + 24, y + 4, s.name, {}));
  });
  out.push('</g>');
  return out;
}

/** The label-budget line plot as an SVG document. */
export function linePlotSvg(series: readonly LineSeries[], options: LinePlotOptions = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 420;
  checkSize(width, height);
  const x = xAxis(checkSeries(series), options.xScale);
  const { yTicks, ymin, ymax } = yAxis(series, options.yRange);
  // layout: legend on the right
  const legendW = 34 + 7 * Math.max(...series.map((s) => s.name.length));
  const m = { left: 64, right: Math.min(legendW + 16, width * 0.45), top: options.title ? 40 : 16, bottom: 54 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  if (pw < 40 || ph < 40) throw new Error(`linePlotSvg: ${width}x${height} is too small for the plot and legend`);
  const X = (p: number) => m.left + ((p - x.pmin) / (x.pmax - x.pmin)) * pw;
  const Y = (v: number) => m.top + (1 - (v - ymin) / (ymax - ymin)) * ph;
  const f: Frame = { m, pw, ph, X, Y };
  const out: string[] = [svgOpen(width, height)];
  if (options.title) out.push(text(width / 2, 24, options.title, { anchor: 'middle', size: 15, weight: 'bold' }));
  out.push(...axesSvg(f, x, yTicks, height, options));
  series.forEach((s, i) => out.push(...seriesSvg(s, i, f, x.pos)));
  out.push(...legendSvg(series, f, width), '</svg>');
  return out.join('\n') + '\n';
}
