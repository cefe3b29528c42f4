import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { compareBudgets, type Budget } from '../eval/protocol/budget.js';
import { categoricalColour, cssColour, viridis } from './colours.js';
import { escapeXml, niceTicks, num, tickLabel } from './svg.js';
import type { ResultsTable } from './table.js';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';

/**
 * Hand-written SVG plots: the label-budget curve (Dice vs M, mean ± std error bars over folds, one line per method)
 * and a scatter plot (t-SNE embeddings coloured by a category with a legend, or by a continuous value with a colour
 * bar). PNG via sharp (librsvg). Element classes are stable for tests and styling: `line`, `point`, `errorbar`,
 * `legend-swatch`.
 */

const FONT = 'DejaVu Sans, Arial, Helvetica, sans-serif';

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

/** The label-budget line plot as an SVG document. */
export function linePlotSvg(series: readonly LineSeries[], options: LinePlotOptions = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 420;
  checkSize(width, height);
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
  const budgets = [...xs.values()].sort(compareBudgets);

  // x position (0..1 units before mapping) of every budget
  const xScale = options.xScale ?? 'categorical';
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
  let pmin = Math.min(...pvals);
  let pmax = Math.max(...pvals);
  const ppad =
    pmax > pmin ? (pmax - pmin) * (xScale === 'categorical' ? 0.5 / Math.max(1, budgets.length - 1) : 0.06) : 0.5;
  pmin -= ppad;
  pmax += ppad;

  // y range over mean ± std
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      lo = Math.min(lo, p.mean - (p.std ?? 0));
      hi = Math.max(hi, p.mean + (p.std ?? 0));
    }
  }
  if (options.yRange) {
    [lo, hi] = options.yRange;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo))
      throw new Error('linePlotSvg: yRange must be [lo, hi], lo < hi');
  }
  const yTicks = options.yRange
    ? niceTicks(lo, hi).filter((t) => t >= lo - 1e-12 && t <= hi + 1e-12)
    : niceTicks(lo, hi);
  const ymin = options.yRange ? lo : yTicks[0]!;
  const ymax = options.yRange ? hi : yTicks[yTicks.length - 1]!;

  // layout: legend on the right
  const legendW = 34 + 7 * Math.max(...series.map((s) => s.name.length));
  const m = { left: 64, right: Math.min(legendW + 16, width * 0.45), top: options.title ? 40 : 16, bottom: 54 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  if (pw < 40 || ph < 40) throw new Error(`linePlotSvg: ${width}x${height} is too small for the plot and legend`);
  const X = (p: number) => m.left + ((p - pmin) / (pmax - pmin)) * pw;
  const Y = (v: number) => m.top + (1 - (v - ymin) / (ymax - ymin)) * ph;

  const out: string[] = [];
  out.push(svgOpen(width, height));
  if (options.title) out.push(text(width / 2, 24, options.title, { anchor: 'middle', size: 15, weight: 'bold' }));
  // axes and grid
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
  for (const b of budgets) {
    const x = X(pos.get(String(b))!);
    out.push(`<path d="M${num(x)} ${num(m.top + ph)}V${num(m.top + ph + 5)}" stroke="#333"/>`);
    out.push(text(x, m.top + ph + 18, b === 'all' ? (options.allLabel ?? 'all') : String(b), { anchor: 'middle' }));
  }
  out.push('</g>');
  out.push(
    text(m.left + pw / 2, height - 12, options.xLabel ?? 'M (labelled patients)', { anchor: 'middle', size: 13 }),
  );
  out.push(
    `<text x="0" y="0" transform="translate(16 ${num(m.top + ph / 2)}) rotate(-90)" text-anchor="middle" ` +
      `font-family="${FONT}" font-size="13" fill="#222">${escapeXml(options.yLabel ?? 'Dice')}</text>`,
  );

  // series
  series.forEach((s, i) => {
    const colour = cssColour(categoricalColour(i));
    const pts = s.points
      .slice()
      .sort((a, b) => pos.get(String(a.x))! - pos.get(String(b.x))!)
      .map((p) => ({ ...p, px: X(pos.get(String(p.x))!), py: Y(p.mean) }));
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    out.push(
      `<path class="line" d="${pts.map((p, k) => `${k ? 'L' : 'M'}${num(p.px)} ${num(p.py)}`).join('')}" ` +
        `fill="none" stroke="${colour}" stroke-width="2"/>`,
    );
    for (const p of pts) {
      if (p.std && p.std > 0) {
        const y0 = Y(p.mean - p.std);
        const y1 = Y(p.mean + p.std);
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
  });

  // legend
  out.push(`<g class="legend" font-family="${FONT}" font-size="12" fill="#222">`);
  series.forEach((s, i) => {
    const y = m.top + 8 + i * 18;
    const x = width - m.right + 14;
    const colour = cssColour(categoricalColour(i));
    out.push(`<rect class="legend-swatch" x="${num(x)}" y="${num(y - 1)}" width="18" height="3" fill="${colour}"/>`);
    out.push(text(x + 24, y + 4, s.name, {}));
  });
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export interface ScatterOptions {
  title?: string;
  width?: number;
  height?: number;
  /** point radius in px (default 3) */
  radius?: number;
  /** colour by category (one per point; e.g. the patient id): palette + legend */
  categories?: readonly (string | number)[];
  /** colour by a continuous value (one per point; e.g. slice position): viridis + colour bar */
  values?: ArrayLike<number>;
  /** title of the legend or colour bar */
  colourLabel?: string;
  /** legend rows shown before "… and N more" (default 20) */
  maxLegendEntries?: number;
}

/**
 * A scatter plot of n points given as an interleaved n×2 array [x0, y0, x1, y1, …] (e.g. a t-SNE embedding).
 * Colour by `categories` (legend) or `values` (colour bar), not both; neither gives one colour.
 */
export function scatterSvg(points: ArrayLike<number>, options: ScatterOptions = {}): string {
  const width = options.width ?? 560;
  const height = options.height ?? 480;
  checkSize(width, height);
  if (points.length % 2 !== 0)
    throw new Error(`scatterSvg: points must be n×2 interleaved, got length ${points.length}`);
  const n = points.length / 2;
  if (n === 0) throw new Error('scatterSvg: no points');
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i]!)) throw new Error(`scatterSvg: point ${i >> 1} has a non-finite coordinate`);
  }
  const { categories, values } = options;
  if (categories && values) throw new Error('scatterSvg: give categories or values, not both');
  if (categories && categories.length !== n) {
    throw new Error(`scatterSvg: categories has ${categories.length} entries for ${n} points`);
  }
  if (values) {
    if (values.length !== n) throw new Error(`scatterSvg: values has ${values.length} entries for ${n} points`);
    for (let i = 0; i < n; i++)
      if (!Number.isFinite(values[i]!)) throw new Error(`scatterSvg: values[${i}] is not finite`);
  }
  const radius = options.radius ?? 3;

  // colours
  let colourOf: (i: number) => string = () => cssColour(categoricalColour(0));
  let cats: (string | number)[] = [];
  let vmin = 0;
  let vmax = 1;
  if (categories) {
    cats = [...new Set(categories)];
    const allNumbers = cats.every((c) => typeof c === 'number');
    cats.sort((a, b) =>
      allNumbers ? (a as number) - (b as number) : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0,
    );
    const index = new Map(cats.map((c, i) => [c, i]));
    colourOf = (i) => cssColour(categoricalColour(index.get(categories[i]!)!));
  } else if (values) {
    vmin = Infinity;
    vmax = -Infinity;
    for (let i = 0; i < n; i++) {
      vmin = Math.min(vmin, values[i]!);
      vmax = Math.max(vmax, values[i]!);
    }
    const span = vmax > vmin ? vmax - vmin : 1;
    colourOf = (i) => cssColour(viridis((values[i]! - vmin) / span));
  }

  const maxLegend = options.maxLegendEntries ?? 20;
  const legendW = categories
    ? 40 + 7 * Math.max(options.colourLabel?.length ?? 0, ...cats.slice(0, maxLegend).map((c) => String(c).length), 12)
    : values
      ? 90
      : 0;
  const m = { left: 56, right: Math.min(legendW + 10, width * 0.45), top: options.title ? 40 : 16, bottom: 40 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  if (pw < 40 || ph < 40) throw new Error(`scatterSvg: ${width}x${height} is too small for the plot and legend`);

  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, points[2 * i]!);
    x1 = Math.max(x1, points[2 * i]!);
    y0 = Math.min(y0, points[2 * i + 1]!);
    y1 = Math.max(y1, points[2 * i + 1]!);
  }
  // data range plus 5% each side; ticks inside it
  const padX = x1 > x0 ? 0.05 * (x1 - x0) : 1;
  const padY = y1 > y0 ? 0.05 * (y1 - y0) : 1;
  const [xa, xb] = [x0 - padX, x1 + padX];
  const [ya, yb] = [y0 - padY, y1 + padY];
  const xt = niceTicks(xa, xb, 6).filter((t) => t >= xa && t <= xb);
  const yt = niceTicks(ya, yb, 6).filter((t) => t >= ya && t <= yb);
  const X = (v: number) => m.left + ((v - xa) / (xb - xa)) * pw;
  const Y = (v: number) => m.top + (1 - (v - ya) / (yb - ya)) * ph;

  const out: string[] = [svgOpen(width, height)];
  if (options.title) out.push(text(width / 2, 24, options.title, { anchor: 'middle', size: 15, weight: 'bold' }));
  out.push(`<g class="axes" font-family="${FONT}" font-size="10" fill="#333">`);
  out.push(
    `<rect x="${num(m.left)}" y="${num(m.top)}" width="${num(pw)}" height="${num(ph)}" fill="none" stroke="#333"/>`,
  );
  for (const t of xt) {
    out.push(`<path d="M${num(X(t))} ${num(m.top + ph)}v5" stroke="#333"/>`);
    out.push(text(X(t), m.top + ph + 17, tickLabel(t, xt), { anchor: 'middle' }));
  }
  for (const t of yt) {
    out.push(`<path d="M${num(m.left - 5)} ${num(Y(t))}h5" stroke="#333"/>`);
    out.push(text(m.left - 8, Y(t) + 3, tickLabel(t, yt), { anchor: 'end' }));
  }
  out.push('</g>');
  out.push('<g class="points" fill-opacity="0.85">');
  for (let i = 0; i < n; i++) {
    out.push(
      `<circle class="point" cx="${num(X(points[2 * i]!))}" cy="${num(Y(points[2 * i + 1]!))}" r="${num(radius)}" fill="${colourOf(i)}"/>`,
    );
  }
  out.push('</g>');

  const lx = width - m.right + 12;
  if (categories) {
    out.push(`<g class="legend" font-family="${FONT}" font-size="11" fill="#222">`);
    let y = m.top + 6;
    if (options.colourLabel) {
      out.push(text(lx, y + 4, options.colourLabel, { weight: 'bold' }));
      y += 18;
    }
    cats.slice(0, maxLegend).forEach((c, i) => {
      out.push(
        `<rect class="legend-swatch" x="${num(lx)}" y="${num(y - 4)}" width="9" height="9" fill="${cssColour(categoricalColour(i))}"/>`,
      );
      out.push(text(lx + 15, y + 4, String(c), {}));
      y += 15;
    });
    if (cats.length > maxLegend) out.push(text(lx, y + 4, `… and ${cats.length - maxLegend} more`, {}));
    out.push('</g>');
  } else if (values) {
    const barH = Math.min(ph - 24, 240);
    const by = m.top + 22;
    out.push(`<defs><linearGradient id="colourbar" x1="0" y1="1" x2="0" y2="0">`);
    for (let k = 0; k <= 8; k++) out.push(`<stop offset="${k / 8}" stop-color="${cssColour(viridis(k / 8))}"/>`);
    out.push('</linearGradient></defs>');
    out.push(`<g class="colourbar" font-family="${FONT}" font-size="10" fill="#222">`);
    if (options.colourLabel) out.push(text(lx, m.top + 10, options.colourLabel, { weight: 'bold' }));
    out.push(
      `<rect x="${num(lx)}" y="${num(by)}" width="14" height="${num(barH)}" fill="url(#colourbar)" stroke="#333"/>`,
    );
    const span = vmax > vmin ? vmax - vmin : 1;
    const ticks = niceTicks(vmin, vmax).filter((t) => t >= vmin - 1e-9 * span && t <= vmax + 1e-9 * span);
    for (const t of ticks.length >= 2 ? ticks : [vmin, vmax]) {
      const y = by + (1 - (t - vmin) / span) * barH;
      out.push(`<path d="M${num(lx + 14)} ${num(y)}h4" stroke="#333"/>`);
      out.push(text(lx + 21, y + 3, tickLabel(t, ticks.length >= 2 ? ticks : [vmin, vmax]), {}));
    }
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/**
 * Renders an SVG document to PNG with sharp (librsvg); `scale` multiplies the pixel size (density 72 × scale).
 * Writes `file` when given (creating its folder) and returns the PNG bytes.
 */
export async function svgToPng(svg: string, file?: string, options: { scale?: number } = {}): Promise<Buffer> {
  const scale = options.scale ?? 1;
  if (!(scale > 0 && scale <= 8)) throw new Error(`svgToPng: scale must be in (0, 8], got ${scale}`);
  const png = await sharp(Buffer.from(svg), { density: 72 * scale })
    .png()
    .toBuffer();
  if (file) {
    ensureDir(dirname(file));
    await writeFile(file, png);
  }
  return png;
}

function checkSize(width: number, height: number): void {
  if (!(
    Number.isInteger(width) &&
    Number.isInteger(height) &&
    width >= 100 &&
    height >= 100 &&
    width <= 10000 &&
    height <= 10000
  )) {
    throw new Error(`plot size must be integers in [100, 10000], got ${width}x${height}`);
  }
}

function svgOpen(width: number, height: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n` +
    `<rect width="100%" height="100%" fill="#ffffff"/>`
  );
}

function text(
  x: number,
  y: number,
  s: string,
  o: { anchor?: 'start' | 'middle' | 'end'; size?: number; weight?: string },
): string {
  const attrs = [
    `x="${num(x)}"`,
    `y="${num(y)}"`,
    o.anchor && o.anchor !== 'start' ? `text-anchor="${o.anchor}"` : '',
    o.size ? `font-size="${o.size}"` : '',
    o.weight ? `font-weight="${o.weight}"` : '',
    o.size || o.weight ? `font-family="${FONT}"` : '',
  ].filter(Boolean);
  return `<text ${attrs.join(' ')}>${escapeXml(s)}</text>`;
}
