import type { VolumeInfo } from '../data/volume-info.js';
import { listIds } from './list-ids.js';

export type { VolumeInfo };

/**
 * One 2D slice of a volume. Its fields are those of relations' SampleMeta, so a batch of SliceRefs can be given to
 * positionRelation / samePartitionRelation / identityRelation directly.
 */
export interface SliceRef {
  /** global slice id: slices of all volumes numbered in volume order */
  id: number;
  /** index of the volume in the sampler's volume list */
  volume: number;
  volumeId: string;
  /** 0-based slice index along z */
  sliceIndex: number;
  slicesInVolume: number;
  patient?: string;
  organFlag?: boolean;
}

/** the global numbering of all slices of a list of volumes */
export class SliceIndex {
  readonly total: number;
  /** offsets[v] = global id of slice 0 of volume v */
  readonly offsets: Int32Array;
  private readonly volOf: Int32Array;

  constructor(
    readonly sampler: string,
    readonly volumes: readonly VolumeInfo[],
  ) {
    if (volumes.length === 0) throw new Error(`${sampler}: no volumes`);
    const seen = new Map<string, number>();
    const dup: string[] = [];
    volumes.forEach((v, i) => {
      if (typeof v.id !== 'string' || v.id.length === 0)
        throw new Error(`${sampler}: volumes[${i}].id: expected a non-empty string`);
      if (!Number.isSafeInteger(v.slices) || v.slices < 1)
        throw new Error(`${sampler}: volumes[${i}].slices: expected an integer >= 1, got ${v.slices} (volume ${v.id})`);
      if (seen.has(v.id)) dup.push(`${v.id} (volumes[${seen.get(v.id)}] and volumes[${i}])`);
      else seen.set(v.id, i);
    });
    if (dup.length > 0) throw new Error(`${sampler}: duplicate volume ids: ${listIds(dup)}`);
    this.offsets = new Int32Array(volumes.length);
    let t = 0;
    volumes.forEach((v, i) => {
      this.offsets[i] = t;
      t += v.slices;
    });
    this.total = t;
    this.volOf = new Int32Array(t);
    volumes.forEach((v, i) => this.volOf.fill(i, this.offsets[i]!, this.offsets[i]! + v.slices));
  }

  volumeOf(g: number): number {
    return this.volOf[g]!;
  }

  ref(g: number): SliceRef {
    const v = this.volOf[g]!;
    const vol = this.volumes[v]!;
    const sliceIndex = g - this.offsets[v]!;
    const r: SliceRef = { id: g, volume: v, volumeId: vol.id, sliceIndex, slicesInVolume: vol.slices };
    if (vol.patient !== undefined) r.patient = vol.patient;
    if (vol.organFlags !== undefined) r.organFlag = Boolean(vol.organFlags[sliceIndex]);
    return r;
  }
}
