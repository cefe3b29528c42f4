/**
 * What an encoder's slice embeddings encode, without fine-tuning (src/eval/embed.ts makes the embeddings: pooled
 * encoder features, unit L2 norm, so a dot product is the cosine similarity):
 * - `positionProbe`: how well a linear readout recovers a slice's relative position in its volume, cross-validated
 *   with every patient's slices in one fold (PCL's positives are slices at similar positions; GCL's, slices of the
 *   same partition; SimCLR's, two views of one slice only).
 * - `neighbourPosition`: the position error of each slice's nearest neighbour among the other patients' slices, and
 *   the error a random slice of another patient would make (what embeddings with no position content give).
 * - `samePatientRate`: the share of each slice's k nearest neighbours that come from its own volume (slices within
 *   `gap` of it left out), against that share by chance: high when the embedding encodes the subject (anatomy,
 *   intensity, noise) rather than where in the body the slice lies.
 */
import { crossValidatedR2 } from './readout/linear-regression.js';

/** n embeddings of `dim` values, row-major, each of unit norm */
export interface ProbeEmbeddings {
  data: ArrayLike<number>;
  n: number;
  dim: number;
}

/** the slices the embeddings are of, one entry per row */
export interface ProbeSlices {
  /** relative position in the volume, (index + 1) / slices */
  position: ArrayLike<number>;
  /** the volume (patient) each slice comes from */
  patient: readonly string[];
  /** slice index in its volume */
  sliceIndex: ArrayLike<number>;
}

function check(e: ProbeEmbeddings, s: ProbeSlices, what: string): void {
  if (e.data.length !== e.n * e.dim) throw new Error(`${what}: ${e.data.length} values for ${e.n} × ${e.dim}`);
  for (const [k, v] of Object.entries(s) as [string, ArrayLike<unknown>][])
    if (v.length !== e.n) throw new Error(`${what}: slices.${k} has ${v.length} entries for ${e.n} embeddings`);
  if (new Set(s.patient).size < 2) throw new Error(`${what}: needs slices of at least 2 patients`);
}

/** cosine similarity of rows i and j (the rows are unit vectors) */
function dot(e: ProbeEmbeddings, i: number, j: number): number {
  let s = 0;
  for (let k = 0; k < e.dim; k++) s += e.data[i * e.dim + k]! * e.data[j * e.dim + k]!;
  return s;
}

export interface PositionProbeResult {
  /** R² of all out-of-fold predictions together, and per fold */
  r2: number;
  foldR2: number[];
}

/**
 * Cross-validated R² of a ridge readout of relative position, `folds` folds of whole patients (patients dealt
 * round-robin in order of first appearance), so no volume is both fitted and tested.
 */
export function positionProbe(
  e: ProbeEmbeddings,
  s: ProbeSlices,
  options: { folds?: number; ridge?: number } = {},
): PositionProbeResult {
  check(e, s, 'positionProbe');
  const folds = options.folds ?? 6;
  const order = [...new Set(s.patient)];
  if (order.length < folds)
    throw new Error(`positionProbe: ${folds} folds need ${folds} patients, got ${order.length}`);
  const foldOfPatient = new Map(order.map((p, i) => [p, i % folds]));
  const foldOf = Int32Array.from(s.patient, (p) => foldOfPatient.get(p)!);
  const cv = crossValidatedR2({ data: e.data, cols: e.dim }, s.position, { foldOf, ridge: options.ridge ?? 1 });
  return { r2: cv.pooledR2, foldR2: cv.foldR2 };
}

export interface NeighbourPositionResult {
  /** mean |position − position of the nearest slice of another patient| */
  error: number;
  /** mean |position − position| over all pairs of slices of different patients (a random neighbour) */
  chance: number;
}

/** Nearest neighbour (cosine) of every slice among the other patients' slices, brute force. */
export function neighbourPosition(e: ProbeEmbeddings, s: ProbeSlices): NeighbourPositionResult {
  check(e, s, 'neighbourPosition');
  let error = 0;
  let chance = 0;
  for (let i = 0; i < e.n; i++) {
    let best = -Infinity;
    let at = -1;
    let sum = 0;
    let others = 0;
    for (let j = 0; j < e.n; j++) {
      if (s.patient[j] === s.patient[i]) continue;
      const c = dot(e, i, j);
      if (c > best) [best, at] = [c, j];
      sum += Math.abs(s.position[i]! - s.position[j]!);
      others++;
    }
    error += Math.abs(s.position[i]! - s.position[at]!);
    chance += sum / others;
  }
  return { error: error / e.n, chance: chance / e.n };
}

export interface SamePatientResult {
  /** mean share of the k nearest neighbours from the slice's own volume */
  rate: number;
  /** that share if the k neighbours were drawn at random from the candidates */
  chance: number;
}

/**
 * Of each slice's `k` nearest neighbours (cosine), the share from its own patient; candidates are every other slice
 * except those of its own volume within `gap` slices of it (its near-duplicates).
 */
export function samePatientRate(
  e: ProbeEmbeddings,
  s: ProbeSlices,
  options: { k?: number; gap?: number } = {},
): SamePatientResult {
  check(e, s, 'samePatientRate');
  const k = options.k ?? 10;
  const gap = options.gap ?? 2;
  let rate = 0;
  let chance = 0;
  for (let i = 0; i < e.n; i++) {
    const cands: { c: number; same: boolean }[] = [];
    for (let j = 0; j < e.n; j++) {
      const same = s.patient[j] === s.patient[i];
      if (j === i || (same && Math.abs(s.sliceIndex[j]! - s.sliceIndex[i]!) <= gap)) continue;
      cands.push({ c: dot(e, i, j), same });
    }
    if (cands.length < k) throw new Error(`samePatientRate: slice ${i} has ${cands.length} candidates, k = ${k}`);
    cands.sort((a, b) => b.c - a.c);
    rate += cands.slice(0, k).filter((x) => x.same).length / k;
    chance += cands.filter((x) => x.same).length / cands.length;
  }
  return { rate: rate / e.n, chance: chance / e.n };
}
