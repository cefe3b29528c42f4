/**
 * A scatter plot as hand-written SVG (t-SNE embeddings): coloured by a category with a legend, or by a continuous
 * value with a colour bar. Element classes are stable for tests and styling: `point`, `legend-swatch`.
 */
import { categoricalColour, cssColour, viridis } from './colours.js';
import { FONT, checkSize, niceTicks, num, svgOpen, text, tickLabel } from './svg.js';

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

/** checks the points (n×2, finite) and the colouring (one of categories or values, one per point); returns n */
function checkScatter(points: ArrayLike<number>, options: ScatterOptions): number {
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
  return n;
}

/** Each point's colour; the sorted categories (legend) or the values' range (colour bar). */
interface Colouring {
  colourOf: (i: number) => string;
  cats: (string | number)[];
  vmin: number;
  vmax: number;
}

function colouring(n: number, { categories, values }: ScatterOptions): Colouring {
  if (categories) {
    const cats = [...new Set(categories)];
    const allNumbers = cats.every((c) => typeof c === 'number');
    cats.sort((a, b) =>
      allNumbers ? (a as number) - (b as number) : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0,
    );
    const index = new Map(cats.map((c, i) => [c, i]));
    return { colourOf: (i) => cssColour(categoricalColour(index.get(categories[i]!)!)), cats, vmin: 0, vmax: 1 };
  }
  if (values) {
    let vmin = Infinity;
    let vmax = -Infinity;
    for (let i = 0; i < n; i++) {
      vmin = Math.min(vmin, values[i]!);
      vmax = Math.max(vmax, values[i]!);
    }
    const span = vmax > vmin ? vmax - vmin : 1;
    return { colourOf: (i) => cssColour(viridis((values[i]! - vmin) / span)), cats: [], vmin, vmax };
  }
  return { colourOf: () => cssColour(categoricalColour(0)), cats: [], vmin: 0, vmax: 1 };
}

/** The plot area in pixels, the data's padded range with its ticks, and the maps into it. */
interface Frame {
  m: { left: number; right: number; top: number; bottom: number };
  pw: number;
  ph: number;
  xt: number[];
  yt: number[];
  X: (v: number) => number;
  Y: (v: number) => number;
}

/** the frame of the points inside margins `m`: the data range plus 5% each side, ticks inside it */
function frameOf(points: ArrayLike<number>, n: number, m: Frame['m'], width: number, height: number): Frame {
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
  const padX = x1 > x0 ? 0.05 * (x1 - x0) : 1;
  const padY = y1 > y0 ? 0.05 * (y1 - y0) : 1;
  const [xa, xb] = [x0 - padX, x1 + padX];
  const [ya, yb] = [y0 - padY, y1 + padY];
  const xt = niceTicks(xa, xb, 6).filter((t) => t >= xa && t <= xb);
  const yt = niceTicks(ya, yb, 6).filter((t) => t >= ya && t <= yb);
  const X = (v: number) => m.left + ((v - xa) / (xb - xa)) * pw;
  const Y = (v: number) => m.top + (1 - (v - ya) / (yb - ya)) * ph;
  return { m, pw, ph, xt, yt, X, Y };
}

/** the frame with its ticks, then the points */
function axesAndPoints(f: Frame, points: ArrayLike<number>, n: number, radius: number, c: Colouring): string[] {
  const { m, pw, ph, xt, yt, X, Y } = f;
  const out = [`<g class="axes" font-family="${FONT}" font-size="10" fill="#333">`];
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
      `<circle class="point" cx="${num(X(points[2 * i]!))}" cy="${num(Y(points[2 * i + 1]!))}" r="${num(radius)}" fill="${c.colourOf(i)}"/>`,
    );
  }
  out.push('</g>');
  return out;
}

/** the categories' legend at x = `lx`: a swatch and a name each, the first `maxLegend` of them */
function legendSvg(cats: readonly (string | number)[], lx: number, top: number, o: ScatterOptions): string[] {
  const maxLegend = o.maxLegendEntries ?? 20;
  const out = [`<g class="legend" font-family="${FONT}" font-size="11" fill="#222">`];
  let y = top + 6;
  if (o.colourLabel) {
    out.push(text(lx, y + 4, o.colourLabel, { weight: 'bold' }));
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
  return out;
}

/** the values' colour bar at x = `lx` with round ticks (the range's ends when fewer than two fit) */
function colourBarSvg(c: Colouring, lx: number, f: Frame, colourLabel: string | undefined): string[] {
  const { vmin, vmax } = c;
  const barH = Math.min(f.ph - 24, 240);
  const by = f.m.top + 22;
  const out = [`<defs><linearGradient id="colourbar" x1="0" y1="1" x2="0" y2="0">`];
  for (let k = 0; k <= 8; k++) out.push(`<stop offset="${k / 8}" stop-color="${cssColour(viridis(k / 8))}"/>`);
  out.push('</linearGradient></defs>');
  out.push(`<g class="colourbar" font-family="${FONT}" font-size="10" fill="#222">`);
  if (colourLabel) out.push(text(lx, f.m.top + 10, colourLabel, { weight: 'bold' }));
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
  return out;
}

/**
 * A scatter plot of n points given as an interleaved n×2 array [x0, y0, x1, y1, …] (e.g. a t-SNE embedding).
 * Colour by `categories` (legend) or `values` (colour bar), not both; neither gives one colour.
 */
export function scatterSvg(points: ArrayLike<number>, options: ScatterOptions = {}): string {
  const width = options.width ?? 560;
  const height = options.height ?? 480;
  checkSize(width, height);
  const n = checkScatter(points, options);
  const c = colouring(n, options);
  const { categories, values } = options;
  const maxLegend = options.maxLegendEntries ?? 20;
  const legendW = categories
    ? 40 +
      7 * Math.max(options.colourLabel?.length ?? 0, ...c.cats.slice(0, maxLegend).map((k) => String(k).length), 12)
    : values
      ? 90
      : 0;
  const m = { left: 56, right: Math.min(legendW + 10, width * 0.45), top: options.title ? 40 : 16, bottom: 40 };
  const f = frameOf(points, n, m, width, height);
  const out: string[] = [svgOpen(width, height)];
  if (options.title) out.push(text(width / 2, 24, options.title, { anchor: 'middle', size: 15, weight: 'bold' }));
  out.push(...axesAndPoints(f, points, n, options.radius ?? 3, c));
  const lx = width - m.right + 12;
  if (categories) out.push(...legendSvg(c.cats, lx, m.top, options));
  else if (values) out.push(...colourBarSvg(c, lx, f, options.colourLabel));
  out.push('</svg>');
  return out.join('\n') + '\n';
}
