/**
 * Colours shared by plots and overlays: a categorical palette (Tableau 10, then golden-angle hues beyond ten
 * categories) and the viridis colour map for continuous values (perceptually uniform, readable in grey).
 */

export type RGB = [number, number, number];

/** Tableau 10 (matplotlib's default 'tab10' order) */
export const TAB10: readonly RGB[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

/** the i-th categorical colour: Tableau 10 first, then well-spread hues (golden angle) */
export function categoricalColour(i: number): RGB {
  if (i < TAB10.length) return [...TAB10[i]!] as RGB;
  const h = ((i - TAB10.length) * 137.508) % 360;
  return hslToRgb(h, 0.65, 0.5 - 0.12 * (Math.floor((i - TAB10.length) / 7) % 2));
}

function hslToRgb(h: number, s: number, l: number): RGB {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const hp = h / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const [r, g, b] =
    hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : hp < 3 ? [0, c, x] : hp < 4 ? [0, x, c] : hp < 5 ? [x, 0, c] : [c, 0, x];
  const m = l - c / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** viridis sampled at 0, 1/8, …, 1 (matplotlib), linearly interpolated in between */
const VIRIDIS: readonly RGB[] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** viridis at t in [0, 1] (clamped) */
export function viridis(t: number): RGB {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + f * (b[k]! - a[k]!))) as RGB;
}

export function cssColour([r, g, b]: RGB): string {
  const h = (v: number) => v.toString(16).padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}
