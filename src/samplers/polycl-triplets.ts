import type { Rng } from '../util/rng.js';
import { listIds } from './list-ids.js';
import {
  checkEpoch,
  checkLastPolicy,
  checkPositiveInt,
  checkSeed,
  chunkOrder,
  epochRng,
  toBatches,
  type Batch,
  type LastBatchPolicy,
  type Sampler,
} from './sampler.js';
import { SliceIndex, type SliceRef, type VolumeInfo } from './slices.js';

/** PolyCL example selection: 'scan' (PolyCL-S) or 'organ' (PolyCL-O) */
export type PolyclMode = 'scan' | 'organ';

export interface Triplet {
  anchor: SliceRef;
  positive: SliceRef;
  negative: SliceRef;
}

export interface PolyclTripletSamplerOptions {
  volumes: readonly VolumeInfo[];
  mode: PolyclMode;
  /** triplets per batch */
  batchSize: number;
  seed: number;
  /** the last partial batch; default 'fill' (see sampler.ts) */
  last?: LastBatchPolicy;
}

/**
 * PolyCL triplets (anchor, positive, negative). Every slice is an anchor once per epoch (plus the fill of the last
 * batch); its positive and negative are drawn uniformly, RE-DRAWN every epoch (deterministic given (seed, epoch);
 * the reference code drew them once, offline):
 * - scan (PolyCL-S): positive = another slice of the same scan, negative = any slice of a different scan;
 * - organ (PolyCL-O): positive = another slice with the same organ flag from any scan (the anchor's own scan
 *   included), negative = any slice with the other flag.
 */
export class PolyclTripletSampler implements Sampler<Triplet> {
  readonly name: string;
  readonly seed: number;
  readonly mode: PolyclMode;
  readonly batchSize: number;
  readonly last: LastBatchPolicy;
  readonly slices: SliceIndex;
  /** organ mode: global ids of the slices with flag false [0] and true [1], and each slice's rank in its list */
  private byFlag: [number[], number[]] = [[], []];
  private rank = new Int32Array(0);
  private flag = new Uint8Array(0);

  constructor(options: PolyclTripletSamplerOptions) {
    const { volumes, mode, batchSize, seed, last = 'fill' } = options;
    this.name = `polyclTriplets(${mode})`;
    if (mode !== 'scan' && mode !== 'organ')
      throw new Error(`polyclTriplets: mode: expected "scan" | "organ", got ${JSON.stringify(mode)}`);
    checkSeed(this.name, seed);
    checkPositiveInt(this.name, 'batchSize', batchSize);
    checkLastPolicy(this.name, last);
    this.slices = new SliceIndex(this.name, volumes);
    if (mode === 'scan') {
      if (volumes.length < 2)
        throw new Error(
          `${this.name}: needs at least 2 scans (a negative is a slice of a different scan); data has 1 (${volumes[0]!.id})`,
        );
      const single = volumes.filter((v) => v.slices < 2).map((v) => v.id);
      if (single.length > 0)
        throw new Error(
          `${this.name}: every scan needs >= 2 slices (a positive is another slice of the same scan); 1 slice: ${listIds(single)}`,
        );
    } else {
      const total = this.slices.total;
      this.flag = new Uint8Array(total);
      volumes.forEach((v, i) => {
        if (v.organFlags === undefined)
          throw new Error(`${this.name}: volumes[${i}].organFlags: required (volume ${v.id})`);
        if (v.organFlags.length !== v.slices)
          throw new Error(
            `${this.name}: volumes[${i}].organFlags: expected ${v.slices} flags (one per slice), got ${v.organFlags.length} (volume ${v.id})`,
          );
        for (let s = 0; s < v.slices; s++) this.flag[this.slices.offsets[i]! + s] = v.organFlags[s] ? 1 : 0;
      });
      this.rank = new Int32Array(total);
      for (let g = 0; g < total; g++) {
        const list = this.byFlag[this.flag[g]!];
        this.rank[g] = list.length;
        list.push(g);
      }
      const [without, withOrgan] = [this.byFlag[0].length, this.byFlag[1].length];
      if (without < 2 || withOrgan < 2)
        throw new Error(
          `${this.name}: needs >= 2 slices with the organ and >= 2 without (a positive is another slice with the same flag, a negative one with the other); data has ${withOrgan} with, ${without} without`,
        );
    }
    if (last !== 'keep' && this.slices.total < batchSize)
      throw new Error(
        `${this.name}: needs at least batchSize=${batchSize} anchor slices for a full batch; data has ${this.slices.total} (use last: "keep" or a smaller batch)`,
      );
    this.seed = seed;
    this.mode = mode;
    this.batchSize = batchSize;
    this.last = last;
  }

  epoch(e: number): Batch<Triplet>[] {
    checkEpoch(this.name, e);
    const rng = epochRng(this.seed, e);
    const groups = chunkOrder(rng.permutation(this.slices.total), this.batchSize, this.last, rng);
    return toBatches(
      e,
      groups.map((g) => g.map((a) => this.triplet(a, rng))),
    );
  }

  private triplet(a: number, rng: Rng): Triplet {
    let p: number;
    let q: number;
    if (this.mode === 'scan') {
      const v = this.slices.volumeOf(a);
      const off = this.slices.offsets[v]!;
      const nv = this.slices.volumes[v]!.slices;
      // positive: one of the nv - 1 other slices of the scan (skip the anchor)
      let r = rng.int(0, nv - 1);
      if (r >= a - off) r++;
      p = off + r;
      // negative: one of the total - nv slices outside the scan (skip the scan's range)
      const s = rng.int(0, this.slices.total - nv);
      q = s < off ? s : s + nv;
    } else {
      const f = this.flag[a]!;
      const same = this.byFlag[f]!;
      let r = rng.int(0, same.length - 1);
      if (r >= this.rank[a]!) r++;
      p = same[r]!;
      const other = this.byFlag[1 - f]!;
      q = other[rng.int(0, other.length)]!;
    }
    return { anchor: this.slices.ref(a), positive: this.slices.ref(p), negative: this.slices.ref(q) };
  }
}
