/**
 * Landmark coordinates for DrasCLR: their check, and the scaling of atlas coordinates to [-1, 1] that Loc-CondConv's
 * routing takes. (Which landmarks neighbour which: src/relations/landmark-neighbours.ts.)
 */

/** atlas coordinates of L landmarks: one [x, y, z] per landmark (voxels or millimetres, the same unit for all) */
export type LandmarkCoordinates = readonly (readonly number[])[];

/** Throws, naming `who` and the landmark, unless `coords` is a non-empty list of finite [x, y, z]. */
export function checkCoordinates(who: string, coords: LandmarkCoordinates): void {
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
