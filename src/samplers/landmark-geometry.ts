/**
 * Landmark geometry for DrasCLR: the table of each landmark's ℓ nearest landmarks (the neighbouring loss's N(j)),
 * and the scaling of atlas coordinates to [-1, 1] that Loc-CondConv's routing takes.
 */

/** atlas coordinates of L landmarks: one [x, y, z] per landmark (voxels or millimetres, the same unit for all) */
export type LandmarkCoordinates = readonly (readonly number[])[];

function checkCoordinates(who: string, coords: LandmarkCoordinates): void {
  if (!Array.isArray(coords) || coords.length === 0)
    throw new Error(`${who}: landmarks: expected at least one landmark`);
  coords.forEach((c, i) => {
    if (!Array.isArray(c) || c.length !== 3)
      throw new Error(`${who}: landmarks[${i}]: expected 3 coordinates, got ${JSON.stringify(c)}`);
    c.forEach((v, a) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new Error(`${who}: landmarks[${i}][${a}]: expected a finite number, got ${String(v)}`);
    });
  });
}

/**
 * N(j) for every landmark j: the indices of the k landmarks nearest to j in Euclidean distance (j itself excluded),
 * nearest first; equal distances are ordered by index, so the table does not depend on sort stability.
 * (The authors' code took argsort(dists[j])[1 : k + 1], which assumes j sorts first.) Brute force, O(L² log L):
 * 581 landmarks take milliseconds.
 */
export function nearestLandmarks(coords: LandmarkCoordinates, k: number): number[][] {
  const who = 'nearestLandmarks';
  checkCoordinates(who, coords);
  if (!Number.isSafeInteger(k) || k < 0) throw new Error(`${who}: k: expected an integer >= 0, got ${k}`);
  if (k > coords.length - 1)
    throw new Error(`${who}: k: ${k} neighbours requested but there are only ${coords.length} landmarks`);
  return coords.map((a, j) => {
    const others: { i: number; d: number }[] = [];
    coords.forEach((b, i) => {
      if (i === j) return;
      const dx = a[0]! - b[0]!;
      const dy = a[1]! - b[1]!;
      const dz = a[2]! - b[2]!;
      others.push({ i, d: dx * dx + dy * dy + dz * dz });
    });
    others.sort((u, v) => u.d - v.d || u.i - v.i);
    return others.slice(0, k).map((o) => o.i);
  });
}

export interface CoordinateBounds {
  /** per-axis minimum, mapped to -1 */
  min: readonly [number, number, number];
  /** per-axis maximum, mapped to +1 */
  max: readonly [number, number, number];
}

/**
 * p = 2 (c - min) / (max - min) - 1 per axis, so that every landmark lies in [-1, 1]³. The bounds default to the
 * landmarks' own bounding box; pass the atlas extent to keep the scaling fixed when landmarks are added. An axis where
 * max = min maps to 0. (The authors' code divided by the per-axis maximum, c / max · 2 - 1, which equals this only
 * when the minimum is 0.)
 */
export function scaleLandmarkCoordinates(coords: LandmarkCoordinates, bounds?: CoordinateBounds): number[][] {
  const who = 'scaleLandmarkCoordinates';
  checkCoordinates(who, coords);
  const min = bounds ? [...bounds.min] : [0, 1, 2].map((a) => Math.min(...coords.map((c) => c[a]!)));
  const max = bounds ? [...bounds.max] : [0, 1, 2].map((a) => Math.max(...coords.map((c) => c[a]!)));
  for (let a = 0; a < 3; a++) {
    if (!Number.isFinite(min[a]) || !Number.isFinite(max[a]) || max[a]! < min[a]!)
      throw new Error(`${who}: bounds: axis ${a}: expected finite min <= max, got [${min[a]}, ${max[a]}]`);
  }
  return coords.map((c, i) =>
    c.map((v, a) => {
      const lo = min[a]!;
      const hi = max[a]!;
      if (v < lo || v > hi)
        throw new Error(`${who}: landmarks[${i}][${a}] = ${v} is outside the bounds [${lo}, ${hi}]`);
      return hi === lo ? 0 : (2 * (v - lo)) / (hi - lo) - 1;
    }),
  );
}
