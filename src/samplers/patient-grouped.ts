import type { Rng } from '../util/rng.js';
import { listIds, plural } from './list-ids.js';
import { checkEpoch, checkPositiveInt, checkSeed, epochRng, toBatches, type Batch, type Sampler } from './sampler.js';

/**
 * what to do with patients that have fewer than k images:
 * - 'exclude' leaves them out of every batch;
 * - 'replace' keeps them and completes their groups to k by drawing their images again (a batch may hold an image
 *   twice);
 * - 'keep' keeps them with the distinct images they have: their group holds m < k images, so a batch holding it has
 *   k - m fewer than n * k images, and no batch ever holds an image twice (CL-TCI-SimCLR: a single-image patient's
 *   only positive is its other augmented view).
 */
export type FewerThanKPolicy = 'exclude' | 'replace' | 'keep';

const POLICIES: readonly FewerThanKPolicy[] = ['exclude', 'replace', 'keep'];

export interface PatientGroupedSamplerOptions {
  /** the patient id of every sample; batches hold indices into this array */
  patients: readonly string[];
  /** n: distinct patients per batch (>= 2, otherwise a batch has no negatives) */
  patientsPerBatch: number;
  /** k: images of each patient per batch */
  imagesPerPatient: number;
  seed: number;
  /** patients with fewer than k images: 'exclude' (default), 'replace' or 'keep' (see FewerThanKPolicy) */
  fewerThanK?: FewerThanKPolicy;
}

/**
 * CL-TCI-SimCLR batches: every batch holds k images of each of n distinct patients (batch size n*k), so that the
 * same-patient relation has positives beyond the augmented view.
 *
 * An epoch covers every image of every eligible patient at least once: each patient's images are shuffled and cut
 * into groups of k (the last group of a patient is completed with other, distinct images of the same patient), and
 * groups are dealt into B = max(ceil(G / n), max groups of one patient) batches. When the groups do not fill B*n
 * slots exactly (G not a multiple of n, or one patient has more groups than the others can pair with), extra groups
 * of randomly chosen other patients fill the empty slots; every batch holds n groups, so there is no partial last
 * batch (a batch is n * k images, less only where 'keep' put in a patient with fewer than k).
 */
export class PatientGroupedSampler implements Sampler<number> {
  readonly name = 'patientGrouped';
  readonly seed: number;
  readonly patientsPerBatch: number;
  readonly imagesPerPatient: number;
  readonly fewerThanK: FewerThanKPolicy;
  /** eligible patients in order of first appearance, with their sample indices */
  readonly groups: ReadonlyMap<string, readonly number[]>;
  /** patients left out (fewer than k images with fewerThanK 'exclude') */
  readonly excluded: readonly string[];

  constructor(options: PatientGroupedSamplerOptions) {
    const { patients, patientsPerBatch: n, imagesPerPatient: k, seed, fewerThanK = 'exclude' } = options;
    const who = 'patientGrouped';
    checkSeed(who, seed);
    checkPositiveInt(who, 'patientsPerBatch', n);
    checkPositiveInt(who, 'imagesPerPatient', k);
    if (n < 2)
      throw new Error(`${who}: patientsPerBatch: expected >= 2 (a batch of one patient has no negatives), got ${n}`);
    if (!POLICIES.includes(fewerThanK))
      throw new Error(`${who}: fewerThanK: expected "exclude" | "replace" | "keep", got ${JSON.stringify(fewerThanK)}`);
    const all = new Map<string, number[]>();
    patients.forEach((p, i) => {
      if (typeof p !== 'string' || p.length === 0)
        throw new Error(`${who}: patients[${i}]: expected a non-empty patient id, got ${JSON.stringify(p)}`);
      const list = all.get(p);
      if (list) list.push(i);
      else all.set(p, [i]);
    });
    const eligible = new Map<string, number[]>();
    const excluded: string[] = [];
    for (const [p, idx] of all) {
      if (idx.length >= k || fewerThanK !== 'exclude') eligible.set(p, idx);
      else excluded.push(p);
    }
    if (eligible.size < n) {
      const describe = [...all].map(([p, idx]) => `${p}: ${idx.length}`);
      const have =
        all.size === 0
          ? 'data has no samples'
          : fewerThanK === 'exclude'
            ? `data has ${eligible.size} such of ${plural(all.size, 'patient')} (${listIds(describe)})`
            : `data has ${plural(all.size, 'patient')} (${listIds(describe)})`;
      const need =
        fewerThanK === 'exclude' ? `at least n=${n} patients with >= k=${k} images each` : `at least n=${n} patients`;
      throw new Error(`${who}: needs ${need}; ${have}`);
    }
    this.seed = seed;
    this.patientsPerBatch = n;
    this.imagesPerPatient = k;
    this.fewerThanK = fewerThanK;
    this.groups = eligible;
    this.excluded = excluded;
  }

  /** the number of batches of every epoch (it depends only on the data, not on the seed) */
  batchesPerEpoch(): number {
    const k = this.imagesPerPatient;
    let g = 0;
    let maxG = 0;
    for (const idx of this.groups.values()) {
      const c = Math.ceil(idx.length / k);
      g += c;
      maxG = Math.max(maxG, c);
    }
    return Math.max(Math.ceil(g / this.patientsPerBatch), maxG);
  }

  epoch(e: number): Batch<number>[] {
    checkEpoch(this.name, e);
    const rng = epochRng(this.seed, e);
    const n = this.patientsPerBatch;
    const k = this.imagesPerPatient;
    const B = this.batchesPerEpoch();
    const ids = [...this.groups.keys()];

    // 1. each patient's images, shuffled, cut into groups of k
    const perPatient = new Map<string, number[][]>();
    for (const p of ids) {
      const idx = rng.shuffle([...this.groups.get(p)!]);
      const gs: number[][] = [];
      for (let s = 0; s < idx.length; s += k) gs.push(this.complete(idx.slice(s, s + k), idx, rng));
      perPatient.set(p, gs);
    }

    // 2. fill the B*n slots: extra groups for patients with room (fewer than B groups), chosen at random
    let total = 0;
    for (const gs of perPatient.values()) total += gs.length;
    const room = ids.map((p) => B - perPatient.get(p)!.length);
    for (const pi of sampleSlots(room, B * n - total, rng)) {
      const p = ids[pi]!;
      const idx = this.groups.get(p)!;
      perPatient.get(p)!.push(this.complete(idx.length >= k ? rng.sample(idx, k) : [...idx], idx, rng));
    }

    // 3. deal: concatenate the patients' groups (patients in random order) and send group t to batch t mod B. A
    //    patient's groups are consecutive and at most B, so they land in distinct batches; each batch gets n.
    const batches: number[][][] = Array.from({ length: B }, () => []);
    let t = 0;
    for (const p of rng.shuffle([...ids])) for (const g of perPatient.get(p)!) batches[t++ % B]!.push(g);
    const order = rng.permutation(B);
    return toBatches(
      e,
      order.map((b) => rng.shuffle(batches[b]!).flat()),
    );
  }

  /** a group of k images; with 'keep', a patient with fewer than k keeps the group of its distinct images */
  private complete(group: number[], all: readonly number[], rng: Rng): number[] {
    if (this.fewerThanK === 'keep' && all.length < this.imagesPerPatient) return group;
    return completeGroup(group, all, this.imagesPerPatient, rng);
  }
}

/** completes a group to k entries: distinct other images of the patient when it has >= k, else repeats */
function completeGroup(group: number[], all: readonly number[], k: number, rng: Rng): number[] {
  if (group.length === k) return group;
  if (all.length >= k) {
    const others = all.filter((i) => !group.includes(i));
    return group.concat(rng.sample(others, k - group.length));
  }
  const out = [...group];
  while (out.length < k) out.push(all[rng.int(0, all.length)]!);
  return out;
}

/**
 * Draws `e` distinct free slots uniformly, patient i having room[i] free slots; returns the patient of each drawn
 * slot. Small cases enumerate the slots; large ones (many patients, few slots to fill) draw slot numbers through the
 * prefix sums and reject repeats, without building the list.
 */
function sampleSlots(room: readonly number[], e: number, rng: Rng): number[] {
  const prefix: number[] = [];
  let r = 0;
  for (const c of room) prefix.push((r += c));
  if (e <= 0) return [];
  const owner = (slot: number) => {
    let lo = 0;
    let hi = prefix.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (prefix[mid]! > slot) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  if (r <= 4 * e + 1024)
    return rng
      .sample(
        Array.from({ length: r }, (_, i) => i),
        e,
      )
      .map(owner);
  const taken = new Set<number>();
  const out: number[] = [];
  while (out.length < e) {
    const slot = rng.int(0, r);
    if (taken.has(slot)) continue;
    taken.add(slot);
    out.push(owner(slot));
  }
  return out;
}
