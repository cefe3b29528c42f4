/**
 * DrasCLR's landmark relation: which landmarks neighbour which (the neighbouring loss's N(j), docs/methods.md §2.10).
 */
import { checkCoordinates, type LandmarkCoordinates } from '../preprocess/landmark-coordinates.js';

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
