/**
 * 2D drawing for the X-ray phantoms: smooth closed curves through control points, polygon fill at pixel centres,
 * point-in-polygon, and soft line segments.
 */

export type Pt = [number, number];

/** A closed Catmull-Rom spline through `pts`, `per` samples per segment. */
export function closedSpline(pts: readonly Pt[], per: number): Pt[] {
  const n = pts.length;
  const out: Pt[] = [];
  for (let i = 0; i < n; i++) {
    const p0 = pts[(i - 1 + n) % n]!;
    const p1 = pts[i]!;
    const p2 = pts[(i + 1) % n]!;
    const p3 = pts[(i + 2) % n]!;
    for (let s = 0; s < per; s++) {
      const t = s / per;
      const t2 = t * t;
      const t3 = t2 * t;
      const c = (a: number, b: number, cc: number, d: number): number =>
        0.5 * (2 * b + (-a + cc) * t + (2 * a - 5 * b + 4 * cc - d) * t2 + (-a + 3 * b - 3 * cc + d) * t3);
      out.push([c(p0[0], p1[0], p2[0], p3[0]), c(p0[1], p1[1], p2[1], p3[1])]);
    }
  }
  return out;
}

/**
 * Sets `mask[y*w + x] = value` for every pixel whose centre (x + 0.5, y + 0.5) lies inside the polygon (even-odd
 * rule); the polygon is in pixel units.
 */
export function fillPolygon(mask: Uint8Array, w: number, h: number, poly: readonly Pt[], value: number): void {
  const n = poly.length;
  let ymin = Infinity;
  let ymax = -Infinity;
  for (const p of poly) {
    ymin = Math.min(ymin, p[1]);
    ymax = Math.max(ymax, p[1]);
  }
  const y0 = Math.max(0, Math.floor(ymin - 0.5));
  const y1 = Math.min(h - 1, Math.ceil(ymax));
  const xs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0; i < n; i++) {
      const a = poly[i]!;
      const b = poly[(i + 1) % n]!;
      if (a[1] <= cy !== b[1] <= cy) xs.push(a[0] + ((cy - a[1]) / (b[1] - a[1])) * (b[0] - a[0]));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // pixel centres x + 0.5 in [xs[k], xs[k+1])
      const xa = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const xb = Math.min(w - 1, Math.ceil(xs[k + 1]! - 0.5) - 1);
      for (let x = xa; x <= xb; x++) mask[y * w + x] = value;
    }
  }
}

export function pointInPolygon(poly: readonly Pt[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i]!;
    const b = poly[j]!;
    if (a[1] > y !== b[1] > y && x < ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside;
}

/** distance from (px, py) to the segment a-b */
export function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
  return hyp(px - ax - t * dx, py - ay - t * dy);
}

/**
 * Adds `amount * max(0, 1 - d / halfWidth)` (a tent profile across the line) to `field` for pixels near the segment,
 * all in pixel units.
 */
export function addSegment(
  field: Float32Array,
  w: number,
  h: number,
  a: Pt,
  b: Pt,
  halfWidth: number,
  amount: number,
): void {
  const x0 = Math.max(0, Math.floor(Math.min(a[0], b[0]) - halfWidth));
  const x1 = Math.min(w - 1, Math.ceil(Math.max(a[0], b[0]) + halfWidth));
  const y0 = Math.max(0, Math.floor(Math.min(a[1], b[1]) - halfWidth));
  const y1 = Math.min(h - 1, Math.ceil(Math.max(a[1], b[1]) + halfWidth));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = segmentDistance(x + 0.5, y + 0.5, a[0], a[1], b[0], b[1]);
      if (d < halfWidth) field[y * w + x] = field[y * w + x]! + amount * (1 - d / halfWidth);
    }
  }
}

/** Clears every 4-connected component of `value` in `mask` except the largest (slivers left by carving). */
export function keepLargestComponent(mask: Uint8Array, w: number, h: number, value: number): void {
  const comp = new Int32Array(mask.length).fill(-1);
  const stack: number[] = [];
  let best = -1;
  let bestSize = 0;
  let id = 0;
  for (let s = 0; s < mask.length; s++) {
    if (mask[s] !== value || comp[s] !== -1) continue;
    let size = 0;
    comp[s] = id;
    stack.push(s);
    while (stack.length > 0) {
      const p = stack.pop()!;
      size++;
      const x = p % w;
      const nb = [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, p >= w ? p - w : -1, p < w * (h - 1) ? p + w : -1];
      for (const q of nb) {
        if (q >= 0 && mask[q] === value && comp[q] === -1) {
          comp[q] = id;
          stack.push(q);
        }
      }
    }
    if (size > bestSize) {
      bestSize = size;
      best = id;
    }
    id++;
  }
  for (let p = 0; p < mask.length; p++) if (mask[p] === value && comp[p] !== best) mask[p] = 0;
}

/** sqrt of the sum of squares (Math.hypot is several times slower in V8) */
function hyp(a: number, b: number, c = 0): number {
  return Math.sqrt(a * a + b * b + c * c);
}
