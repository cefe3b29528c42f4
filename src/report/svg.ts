/** Small helpers for hand-written SVG: escaping, number formatting, "nice" axis ticks, the document and its text. */

/** escapes text for XML/HTML element content and attribute values */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** a coordinate with at most 2 decimals (keeps the SVG small and deterministic) */
export function num(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/**
 * About `count` round tick values (steps 1, 2 or 5 × 10^k) covering [lo, hi]; the first tick is <= lo and the last
 * >= hi (Heckbert's "nice numbers" rule). lo == hi gets a unit-wide range around it.
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`niceTicks: non-finite range [${lo}, ${hi}]`);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  // clean floating noise (0.30000000000000004)
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** tick label: as few decimals as the step needs */
export function tickLabel(v: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/** the plots' font stack */
export const FONT = 'DejaVu Sans, Arial, Helvetica, sans-serif';

/** refuses a plot size outside [100, 10000] pixels (integers) */
export function checkSize(width: number, height: number): void {
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

/** the opening tag of an SVG document on a white background */
export function svgOpen(width: number, height: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n` +
    `<rect width="100%" height="100%" fill="#ffffff"/>`
  );
}

/** a text element; a size or weight of its own brings the font family */
export function text(
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
