/**
 * `LandmarkBanks`: DrasCLR's negatives, one FIFO queue of K keys per anatomical landmark (L × K × D). Each slot also
 * holds the patient id that produced the key, so a query's negatives are the written keys of ITS landmark from OTHER
 * patients (docs/methods.md §2.10). The paper's size, 581 landmarks × 4096 keys × 128 dims, is 1.2 GB in float32, so
 * keys are stored in float16 by default (half that) and converted to float32 on read; K is configurable.
 *
 * ```ts
 * const banks = new LandmarkBanks({ landmarks: 581 });        // K = 4096, D = 128, float16
 * console.log(banks.describeMemory());
 * const { keys, mask } = banks.negativesFor(landmark, patientIds);  // (K, D) float32, (B, K) bool
 * banks.enqueue(landmark, k, patientIds);                      // batches hold a single landmark
 * ```
 */
import { currentDevice, full, itemSize, keep, noGrad, tensor, zeros, type Tensor } from '../engine/index.js';
import type { KeyDType } from './fifo-queue.js';
import { StateReader, type StateDict } from './state.js';
import { checkFinite, checkKeys, checkMultipleOfBatch, checkPositiveInt, labelTensor, ringSlots } from './ring.js';

export interface LandmarkBanksOptions {
  /** L, the number of landmarks (581 in the paper) */
  landmarks: number;
  /** K, keys per landmark (default 4096, the paper's); a multiple of the batch size */
  size?: number;
  /** D, the key dimension (default 128, the head's output) */
  dim?: number;
  /** when given, K is checked against it at construction */
  batchSize?: number;
  /** storage type of the keys (default float16, to halve the memory; read back as float32) */
  dtype?: KeyDType;
  /** device of the bank tensors (default: the onDevice scope's, else "cpu") */
  device?: string;
  /** reject keys that are NaN/infinite once stored (default true; one device sync per enqueue) */
  checkFinite?: boolean;
}

/** DrasCLR's queue length per landmark. */
export const DRASCLR_QUEUE_SIZE = 4096;
/** DrasCLR's embedding dimension. */
export const DRASCLR_KEY_DIM = 128;

/** The patient id of slots never written (only compared where `valid` is true). */
export const EMPTY_PATIENT = -1;

export interface LandmarkBanksMemory {
  keys: number;
  patientIds: number;
  valid: number;
  total: number;
}

/** Bytes the banks take (keys L·K·D·itemsize + int32 patient ids L·K·4 + bool valid L·K), without allocating. */
export function landmarkBanksMemory(opts: LandmarkBanksOptions): LandmarkBanksMemory {
  const l = opts.landmarks;
  const k = opts.size ?? DRASCLR_QUEUE_SIZE;
  const d = opts.dim ?? DRASCLR_KEY_DIM;
  const keys = l * k * d * itemSize(opts.dtype ?? 'float16');
  const patientIds = l * k * itemSize('int32');
  const valid = l * k * itemSize('bool');
  return { keys, patientIds, valid, total: keys + patientIds + valid };
}

/** 1536 -> "1.50 KiB" (binary units). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(2)} ${units[u]}`;
}

export class LandmarkBanks {
  readonly landmarks: number;
  readonly size: number;
  readonly dim: number;
  readonly dtype: KeyDType;
  readonly device: string;
  private readonly checkFiniteKeys: boolean;
  private readonly keyStore: Tensor;
  private readonly idStore: Tensor;
  private readonly validStore: Tensor;
  private readonly ptrs: number[];
  private readonly filledCounts: number[];

  constructor(opts: LandmarkBanksOptions) {
    const size = opts.size ?? DRASCLR_QUEUE_SIZE;
    const dim = opts.dim ?? DRASCLR_KEY_DIM;
    checkPositiveInt('LandmarkBanks', 'landmarks', opts.landmarks);
    checkPositiveInt('LandmarkBanks', 'size', size);
    checkPositiveInt('LandmarkBanks', 'dim', dim);
    if (opts.batchSize !== undefined) checkMultipleOfBatch('LandmarkBanks', size, opts.batchSize);
    const dtype = opts.dtype ?? 'float16';
    if (dtype !== 'float32' && dtype !== 'float16' && dtype !== 'bfloat16') {
      throw new TypeError(`LandmarkBanks: dtype must be float32, float16 or bfloat16, got ${String(dtype)}`);
    }
    this.landmarks = opts.landmarks;
    this.size = size;
    this.dim = dim;
    this.dtype = dtype;
    this.device = opts.device ?? currentDevice();
    this.checkFiniteKeys = opts.checkFinite ?? true;
    const device = this.device;
    this.keyStore = keep(zeros([this.landmarks, size, dim], { dtype, device }));
    this.idStore = keep(full([this.landmarks, size], EMPTY_PATIENT, { dtype: 'int32', device }));
    this.validStore = keep(zeros([this.landmarks, size], { dtype: 'bool', device }));
    this.ptrs = new Array<number>(this.landmarks).fill(0);
    this.filledCounts = new Array<number>(this.landmarks).fill(0);
  }

  private checkLandmark(where: string, landmark: number): void {
    if (!Number.isInteger(landmark) || landmark < 0 || landmark >= this.landmarks) {
      throw new RangeError(`LandmarkBanks.${where}: landmark ${landmark} outside [0, ${this.landmarks})`);
    }
  }

  /** The slot of `landmark`'s queue that the next key goes to. */
  pointer(landmark: number): number {
    this.checkLandmark('pointer', landmark);
    return this.ptrs[landmark]!;
  }

  /** How many slots of `landmark`'s queue hold a key. */
  filled(landmark: number): number {
    this.checkLandmark('filled', landmark);
    return this.filledCounts[landmark]!;
  }

  /**
   * Writes a batch of keys (B × D) of ONE landmark with the patient id of each, oldest out first, and advances that
   * landmark's pointer. B must divide K. Other landmarks' queues are untouched.
   */
  enqueue(landmark: number, keys: Tensor, patientIds: Tensor | readonly number[]): void {
    this.checkLandmark('enqueue', landmark);
    const b = checkKeys('LandmarkBanks.enqueue', keys, this.dim);
    checkMultipleOfBatch('LandmarkBanks.enqueue', this.size, b);
    noGrad(() => {
      const ids = labelTensor('LandmarkBanks.enqueue', 'patientIds', patientIds, b, 'int32', this.device);
      const stored = keys.detach().to({ dtype: this.dtype, device: this.device });
      const views = [this.keyStore, this.idStore, this.validStore].map((t) => t.select(0, landmark));
      try {
        if (this.checkFiniteKeys) checkFinite('LandmarkBanks.enqueue', stored, this.dtype);
        const slots = ringSlots(this.ptrs[landmark]!, b, this.size, this.device);
        const yes = full([b], true, { dtype: 'bool', device: this.device });
        views[0]!.indexCopy_(0, slots, stored);
        views[1]!.indexCopy_(0, slots, ids);
        views[2]!.indexCopy_(0, slots, yes);
        slots.dispose();
        yes.dispose();
      } finally {
        for (const t of [stored, ids, ...views]) t.dispose();
      }
    });
    this.ptrs[landmark] = (this.ptrs[landmark]! + b) % this.size;
    this.filledCounts[landmark] = Math.min(this.size, this.filledCounts[landmark]! + b);
  }

  /** `landmark`'s K keys as float32 (a new tensor; unwritten slots are zeros, see `valid`). */
  keys(landmark: number, dtype: 'float32' | 'float64' | KeyDType = 'float32'): Tensor {
    this.checkLandmark('keys', landmark);
    const view = this.keyStore.select(0, landmark);
    if (dtype === this.dtype) return view;
    const out = view.to({ dtype });
    view.dispose();
    return out;
  }

  /** `landmark`'s K patient ids (int32 view; EMPTY_PATIENT where never written). */
  patientIds(landmark: number): Tensor {
    this.checkLandmark('patientIds', landmark);
    return this.idStore.select(0, landmark);
  }

  /** `landmark`'s K-slot validity mask (bool view). */
  valid(landmark: number): Tensor {
    this.checkLandmark('valid', landmark);
    return this.validStore.select(0, landmark);
  }

  /**
   * The negatives of B queries at `landmark`: `keys` (K × D float32, all slots of that landmark's queue) and `mask`
   * (B × K bool), true where the slot was written AND its patient differs from query b's — DrasCLR's k⁻ set.
   */
  negativesFor(landmark: number, patientIds: Tensor | readonly number[]): { keys: Tensor; mask: Tensor } {
    this.checkLandmark('negativesFor', landmark);
    const b = Array.isArray(patientIds) ? patientIds.length : ((patientIds as Tensor).shape[0] ?? 0);
    return noGrad(() => {
      const q = labelTensor('LandmarkBanks.negativesFor', 'patientIds', patientIds, b, 'int32', this.device);
      const ids = this.idStore.select(0, landmark);
      const valid = this.validStore.select(0, landmark);
      const qs = q.unsqueeze(1);
      const ks = ids.unsqueeze(0);
      const vs = valid.unsqueeze(0);
      const other = qs.ne(ks);
      const mask = other.logicalAnd(vs);
      for (const t of [q, ids, valid, qs, ks, vs, other]) t.dispose();
      return { keys: this.keys(landmark), mask };
    });
  }

  /** Bytes held by the banks. */
  memoryBytes(): number {
    return this.memory().total;
  }

  /** The bytes of each part. */
  memory(): LandmarkBanksMemory {
    return landmarkBanksMemory(this.shapeOptions(this.dtype));
  }

  private shapeOptions(dtype: KeyDType): LandmarkBanksOptions {
    return { landmarks: this.landmarks, size: this.size, dim: this.dim, dtype };
  }

  /** One line for the start-of-run print: shape, storage type and memory of each part. */
  describeMemory(): string {
    const m = this.memory();
    const f32 = landmarkBanksMemory(this.shapeOptions('float32'));
    return (
      `landmark banks: ${this.landmarks} landmarks × ${this.size} keys × ${this.dim} dims, keys in ${this.dtype}: ` +
      `${formatBytes(m.total)} (keys ${formatBytes(m.keys)}, patient ids ${formatBytes(m.patientIds)}, ` +
      `valid ${formatBytes(m.valid)})` +
      (this.dtype === 'float32' ? '' : `; float32 keys would take ${formatBytes(f32.total)}`)
    );
  }

  /**
   * The banks' state for a checkpoint: keys (L × K × D, storage dtype), patient_ids (L × K int32), valid (L × K bool),
   * pointers (L int64). The first three share memory with the banks; each entry is a new wrapper the caller may dispose.
   */
  stateDict(): Map<string, Tensor> {
    return new Map([
      ['keys', this.keyStore.detach()],
      ['patient_ids', this.idStore.detach()],
      ['valid', this.validStore.detach()],
      ['pointers', tensor(this.ptrs, { dtype: 'int64' })],
    ]);
  }

  /** Restores a state written by `stateDict` (checks every shape and pointer). */
  loadStateDict(sd: StateDict): void {
    const state = new StateReader('LandmarkBanks.loadStateDict', 'the banks', sd);
    const l = this.landmarks;
    const keys = state.get('keys', [l, this.size, this.dim]);
    const ids = state.get('patient_ids', [l, this.size]);
    const valid = state.get('valid', [l, this.size]);
    const pointers = state.get('pointers', [l]).toArray();
    pointers.forEach((p, i) => state.pointer(p, this.size, `pointers[${i}] =`));
    noGrad(() => {
      this.keyStore.copy_(keys);
      this.idStore.copy_(ids);
      this.validStore.copy_(valid);
    });
    pointers.forEach((p, i) => (this.ptrs[i] = p));
    const counts = this.validStore.sum(1);
    counts.toArray().forEach((c, i) => (this.filledCounts[i] = c));
    counts.dispose();
  }

  /** Frees the banks' tensors. */
  dispose(): void {
    this.keyStore.dispose();
    this.idStore.dispose();
    this.validStore.dispose();
  }
}
