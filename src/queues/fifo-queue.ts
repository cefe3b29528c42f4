/**
 * `LabelledQueue`: MoCo's FIFO queue of K keys (K × D), extended for CL-TCI-MoCo with an integer label per slot
 * (e.g. the patient index) and a validity mask. A query's positives in the queue are the slots with its label that
 * have been written; slots never written are empty and never count, whatever they hold (the reference code
 * initialised labels to 0, so patient 0 matched the random initial vectors: docs/methods.md §6).
 *
 * ```ts
 * const queue = new LabelledQueue({ size: 4096, dim: 128, batchSize: 16 });
 * const pos = queue.positivesFor(patientIdx);      // (B, K) bool: same label AND written
 * // ... loss over [own key, queue.keys()], excluding !queue.valid() from the denominator ...
 * queue.enqueue(keys, patientIdx);                  // after the step, as MoCo's _dequeue_and_enqueue
 * ```
 */
import { currentDevice, full, itemSize, keep, noGrad, zeros, type Tensor } from '../engine/index.js';
import { StateReader, type StateDict } from './state.js';
import { checkFinite, checkKeys, checkMultipleOfBatch, checkPositiveInt, labelTensor, ringSlots } from './ring.js';

/** Storage types for queued keys. */
export type KeyDType = 'float32' | 'float16' | 'bfloat16';

export interface LabelledQueueOptions {
  /** K, the number of keys (MoCo: 65536; CL-TCI-MoCo: 3072 or 4096). Must be a multiple of the batch size. */
  size: number;
  /** D, the key dimension (128 for the MLP heads) */
  dim: number;
  /** when given, K is checked against it at construction (every enqueue checks its own batch anyway) */
  batchSize?: number;
  /** storage type of the keys (default float32; float16/bfloat16 halve the memory and are converted on read) */
  dtype?: KeyDType;
  /** device of the queue tensors (default: the onDevice scope's, else "cpu") */
  device?: string;
  /** reject keys that are NaN/infinite once stored (default true; costs one device sync per enqueue) */
  checkFinite?: boolean;
}

/** The label of slots never written (labels are only compared where `valid` is true, so it matters to nobody). */
export const EMPTY_LABEL = -1;

export class LabelledQueue {
  readonly size: number;
  readonly dim: number;
  readonly dtype: KeyDType;
  readonly device: string;
  private readonly checkFiniteKeys: boolean;
  private readonly keyStore: Tensor;
  private readonly labelStore: Tensor;
  private readonly validStore: Tensor;
  private ptr = 0;
  private filledCount = 0;

  constructor(opts: LabelledQueueOptions) {
    checkPositiveInt('LabelledQueue', 'size', opts.size);
    checkPositiveInt('LabelledQueue', 'dim', opts.dim);
    if (opts.batchSize !== undefined) checkMultipleOfBatch('LabelledQueue', opts.size, opts.batchSize);
    const dtype = opts.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'float16' && dtype !== 'bfloat16') {
      throw new TypeError(`LabelledQueue: dtype must be float32, float16 or bfloat16, got ${String(dtype)}`);
    }
    this.size = opts.size;
    this.dim = opts.dim;
    this.dtype = dtype;
    this.device = opts.device ?? currentDevice();
    this.checkFiniteKeys = opts.checkFinite ?? true;
    const device = this.device;
    this.keyStore = zeros([this.size, this.dim], { dtype, device });
    this.labelStore = full([this.size], EMPTY_LABEL, { dtype: 'int64', device });
    this.validStore = zeros([this.size], { dtype: 'bool', device });
    for (const t of [this.keyStore, this.labelStore, this.validStore]) keep(t);
  }

  /** The slot the next key goes to. */
  get pointer(): number {
    return this.ptr;
  }

  /** How many slots hold a key (grows to K, then stays). */
  get filled(): number {
    return this.filledCount;
  }

  /**
   * Writes a batch of keys (B × D, detached: the queue never carries gradients) and their labels (B integers) at the
   * pointer, oldest first out, and advances the pointer by B (mod K). B must divide K.
   */
  enqueue(keys: Tensor, labels: Tensor | readonly number[]): void {
    const b = checkKeys('LabelledQueue.enqueue', keys, this.dim);
    checkMultipleOfBatch('LabelledQueue.enqueue', this.size, b);
    noGrad(() => {
      const lab = labelTensor('LabelledQueue.enqueue', 'labels', labels, b, 'int64', this.device);
      const stored = keys.detach().to({ dtype: this.dtype, device: this.device });
      try {
        if (this.checkFiniteKeys) checkFinite('LabelledQueue.enqueue', stored, this.dtype);
        const slots = ringSlots(this.ptr, b, this.size, this.device);
        const yes = full([b], true, { dtype: 'bool', device: this.device });
        this.keyStore.indexCopy_(0, slots, stored);
        this.labelStore.indexCopy_(0, slots, lab);
        this.validStore.indexCopy_(0, slots, yes);
        slots.dispose();
        yes.dispose();
      } finally {
        stored.dispose();
        lab.dispose();
      }
    });
    this.ptr = (this.ptr + b) % this.size;
    this.filledCount = Math.min(this.size, this.filledCount + b);
  }

  /**
   * All K keys as `dtype` (default float32), converted from the storage type. A new tensor (dispose it or use it
   * inside `tidy`); for float32 storage read as float32 it shares memory with the queue, so read it before the next
   * `enqueue`. Unwritten slots hold zeros: mask them with `valid()`.
   */
  keys(dtype: 'float32' | 'float64' | KeyDType = 'float32'): Tensor {
    return dtype === this.dtype ? this.keyStore.detach() : this.keyStore.to({ dtype });
  }

  /** The K labels (int64, a view: read before the next enqueue); unwritten slots hold EMPTY_LABEL. */
  labels(): Tensor {
    return this.labelStore.detach();
  }

  /** The K-slot validity mask (bool, a view): true where a key was written. */
  valid(): Tensor {
    return this.validStore.detach();
  }

  /**
   * (B, K) bool: slot k is a positive of query b when it holds b's label AND has been written. This is the queue part
   * of CL-TCI-MoCo's positive set; the query's own key is the other positive.
   */
  positivesFor(labels: Tensor | readonly number[]): Tensor {
    const b = Array.isArray(labels) ? labels.length : ((labels as Tensor).shape[0] ?? 0);
    return noGrad(() => {
      const q = labelTensor('LabelledQueue.positivesFor', 'labels', labels, b, 'int64', this.device);
      const qs = q.unsqueeze(1);
      const ks = this.labelStore.unsqueeze(0);
      const vs = this.validStore.unsqueeze(0);
      const same = qs.eq(ks);
      const out = same.logicalAnd(vs);
      for (const t of [q, qs, ks, vs, same]) t.dispose();
      return out;
    });
  }

  /**
   * The queue's state for a checkpoint: keys (storage dtype), labels, valid and the pointer (int64 scalar). The first
   * three share memory with the queue; every entry is a new wrapper the caller may dispose.
   */
  stateDict(): Map<string, Tensor> {
    return new Map([
      ['keys', this.keyStore.detach()],
      ['labels', this.labelStore.detach()],
      ['valid', this.validStore.detach()],
      ['pointer', full([], this.ptr, { dtype: 'int64' })],
    ]);
  }

  /** Restores a state written by `stateDict` (checks every shape and the pointer; keys convert to the storage dtype). */
  loadStateDict(sd: StateDict): void {
    const state = new StateReader('LabelledQueue.loadStateDict', 'the queue', sd);
    const keys = state.get('keys', [this.size, this.dim]);
    const labels = state.get('labels', [this.size]);
    const valid = state.get('valid', [this.size]);
    const pointer = state.pointer(state.get('pointer', []).item(), this.size, 'pointer');
    noGrad(() => {
      this.keyStore.copy_(keys);
      this.labelStore.copy_(labels);
      this.validStore.copy_(valid);
    });
    this.ptr = pointer;
    const count = this.validStore.sum();
    this.filledCount = count.item();
    count.dispose();
  }

  /** Bytes held by the queue's tensors. */
  memoryBytes(): number {
    return this.size * this.dim * itemSize(this.dtype) + this.size * itemSize('int64') + this.size * itemSize('bool');
  }

  /** Frees the queue's tensors. */
  dispose(): void {
    this.keyStore.dispose();
    this.labelStore.dispose();
    this.validStore.dispose();
  }
}
