/**
 * Ring-buffer arithmetic shared by the labelled FIFO queue and the per-landmark banks: where a batch of keys goes,
 * and the checks that MoCo's queue makes on a batch (K a multiple of the batch size, keys and labels well formed).
 */
import { arange, isFloating, tensor, type Tensor } from '../engine/index.js';

/** Throws unless `size` (K) is a positive multiple of `batch`, as MoCo's `assert K % batch_size == 0`. */
export function checkMultipleOfBatch(owner: string, size: number, batch: number): void {
  if (!Number.isInteger(batch) || batch < 1)
    throw new RangeError(`${owner}: batch size must be a positive integer, got ${batch}`);
  if (batch > size) throw new RangeError(`${owner}: a batch of ${batch} keys does not fit in a queue of size ${size}`);
  if (size % batch !== 0) {
    throw new RangeError(
      `${owner}: queue size ${size} is not a multiple of the batch size ${batch} (MoCo requires K % batch = 0; ` +
        `choose e.g. size ${Math.max(batch, Math.floor(size / batch) * batch)})`,
    );
  }
}

/** Throws unless `n` is a positive integer; names the option. */
export function checkPositiveInt(owner: string, field: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${owner}: ${field} must be a positive integer, got ${n}`);
}

/** The slots `(pointer + 0..count-1) mod size` as an int64 index tensor on `device`. */
export function ringSlots(pointer: number, count: number, size: number, device: string): Tensor {
  const idx = arange(pointer, pointer + count, 1, { dtype: 'int64', device });
  if (pointer + count <= size) return idx;
  const wrapped = idx.remainder(size);
  idx.dispose();
  return wrapped;
}

/** Checks a (B, D) batch of keys: 2-D, floating point, D = `dim`. Returns B. */
export function checkKeys(owner: string, keys: Tensor, dim: number): number {
  if (keys.ndim !== 2 || keys.shape[1] !== dim) {
    throw new RangeError(`${owner}: keys must have shape [batch, ${dim}], got [${keys.shape.join(', ')}]`);
  }
  if (!isFloating(keys.dtype)) throw new TypeError(`${owner}: keys must be floating point, got ${keys.dtype}`);
  return keys.shape[0]!;
}

/**
 * Integer labels (a tensor or a JS array) of length `batch` as an integer tensor of `dtype` on `device`.
 * JS numbers must be safe integers; tensors must have an integer dtype.
 */
export function labelTensor(
  owner: string,
  field: string,
  labels: Tensor | readonly number[],
  batch: number,
  dtype: 'int64' | 'int32',
  device: string,
): Tensor {
  if (Array.isArray(labels)) {
    const arr = labels as readonly number[];
    if (arr.length !== batch) throw new RangeError(`${owner}: ${field} has ${arr.length} entries for ${batch} keys`);
    const limit = dtype === 'int32' ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER;
    arr.forEach((v, i) => {
      if (!Number.isInteger(v) || Math.abs(v) > limit) {
        throw new RangeError(`${owner}: ${field}[${i}] must be an integer within ±${limit}, got ${v}`);
      }
    });
    return tensor([...arr], { dtype, device });
  }
  const t = labels as Tensor;
  if (t.ndim !== 1 || t.shape[0] !== batch) {
    throw new RangeError(`${owner}: ${field} must have shape [${batch}], got [${t.shape.join(', ')}]`);
  }
  if (isFloating(t.dtype) || t.dtype === 'bool') {
    throw new TypeError(`${owner}: ${field} must be an integer tensor, got ${t.dtype}`);
  }
  return t.to({ dtype, device });
}

/** Throws when a batch of keys holds NaN or an infinity (a float16 queue overflows beyond ±65504). */
export function checkFinite(owner: string, stored: Tensor, dtype: string): void {
  const finite = stored.isfinite();
  const all = finite.all();
  const ok = all.item() === 1;
  finite.dispose();
  all.dispose();
  if (!ok) {
    throw new RangeError(
      `${owner}: keys hold NaN or infinite values once stored as ${dtype}` +
        (dtype === 'float16' ? ' (float16 overflows beyond ±65504; normalise the keys or store float32)' : ''),
    );
  }
}
