/** Creating tensors: from JS data, filled, ranges. */
import { currentDevice } from './device.js';
import { N } from './native.js';
import { type DType, dtypeOfTypedArray, itemSize } from './dtype.js';
import { Tensor } from './tensor.js';
import { checkFinite, checkInt, checkShape } from './check-args.js';

export interface CreateOptions {
  dtype?: DType;
  /** "cpu" (default), "cuda", "cuda:1" */
  device?: string;
  requiresGrad?: boolean;
}

type Nested = number | boolean | Nested[];

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  return shape;
}

function flatten(data: Nested, shape: number[], depth: number, out: number[]): void {
  if (depth === shape.length) {
    if (Array.isArray(data)) throw new RangeError('tensor: ragged nested array');
    out.push(typeof data === 'boolean' ? (data ? 1 : 0) : data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new RangeError(`tensor: ragged nested array at depth ${depth} (expected length ${shape[depth]})`);
  }
  for (const d of data) flatten(d, shape, depth + 1, out);
}

function toTypedArray(values: ArrayLike<number>, dtype: DType): ArrayBufferView {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int64':
      return BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v))));
    case 'int32':
      return Int32Array.from(values);
    case 'int16':
      return Int16Array.from(values);
    case 'int8':
      return Int8Array.from(values);
    case 'uint8':
      return Uint8Array.from(values);
    case 'bool':
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
    case 'float16':
    case 'bfloat16':
      return Float32Array.from(values); // created as float32, then converted
  }
}

function finish(t: Tensor, opts: CreateOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * A tensor from a typed array, a flat array with `shape`, or a nested array.
 * Typed arrays keep their type (Float32Array -> float32, BigInt64Array -> int64, ...) unless `dtype` says otherwise;
 * numbers default to float32.
 */
export function tensor(
  data: Nested | ArrayBufferView,
  opts: CreateOptions & { shape?: readonly number[] } = {},
): Tensor {
  let view: ArrayBufferView;
  let shape: number[];
  let dtype: DType;
  if (ArrayBuffer.isView(data)) {
    const own = dtypeOfTypedArray(data);
    dtype = opts.dtype ?? own;
    const n = data.byteLength / itemSize(own);
    shape = opts.shape ? checkShape('tensor', opts.shape) : [n];
    view =
      dtype === own ? data : toTypedArray(Array.from(data as unknown as ArrayLike<number | bigint>, Number), dtype);
  } else {
    shape = opts.shape ? checkShape('tensor', opts.shape) : inferShape(data);
    const flat: number[] = [];
    if (opts.shape) {
      if (!Array.isArray(data)) flat.push(typeof data === 'boolean' ? Number(data) : data);
      else flatten(data, inferShape(data), 0, flat);
    } else flatten(data, shape, 0, flat);
    dtype = opts.dtype ?? 'float32';
    view = toTypedArray(flat, dtype);
  }
  const stored: DType = dtype === 'float16' || dtype === 'bfloat16' ? 'float32' : dtype;
  const expected = shape.reduce((a, b) => a * b, 1);
  if (view.byteLength !== expected * itemSize(stored)) {
    throw new RangeError(
      `tensor: ${view.byteLength / itemSize(stored)} elements do not fill shape [${shape.join(', ')}]`,
    );
  }
  let t = new Tensor(N.fromBuffer(view, shape, stored, opts.device ?? currentDevice()));
  if (stored !== dtype) {
    const converted = t.to({ dtype });
    t.dispose();
    t = converted;
  }
  return finish(t, opts);
}

export function full(shape: readonly number[], value: number | boolean, opts: CreateOptions = {}): Tensor {
  const s = checkShape('full', shape);
  return finish(new Tensor(N.full(s, value, opts.dtype ?? null, opts.device ?? currentDevice())), opts);
}

export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** Uninitialised memory (fastest; contents are arbitrary). */
export function empty(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return finish(
    new Tensor(N.empty(checkShape('empty', shape), opts.dtype ?? null, opts.device ?? currentDevice())),
    opts,
  );
}

export function zerosLike(t: Tensor, opts: { dtype?: DType } = {}): Tensor {
  return new Tensor(N.fullLike(t.handle, 0, opts.dtype ?? null));
}

export function onesLike(t: Tensor, opts: { dtype?: DType } = {}): Tensor {
  return new Tensor(N.fullLike(t.handle, 1, opts.dtype ?? null));
}

export function fullLike(t: Tensor, value: number, opts: { dtype?: DType } = {}): Tensor {
  return new Tensor(N.fullLike(t.handle, value, opts.dtype ?? null));
}

/** start, start+step, ... < end: int64 when all arguments are integers, else float32 (as PyTorch), unless dtype is given. */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  for (const [name, v] of [
    ['start', start],
    ['end', end],
    ['step', step],
  ] as const)
    checkFinite('arange', name, v);
  if (step === 0) throw new RangeError('arange: step must not be 0');
  const dtype = opts.dtype ?? ([start, end, step].every(Number.isInteger) ? 'int64' : 'float32');
  return finish(new Tensor(N.arange(start, end, step, dtype, opts.device ?? currentDevice())), opts);
}

export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  checkFinite('linspace', 'start', start);
  checkFinite('linspace', 'end', end);
  steps = checkInt('linspace', 'steps', steps, 0);
  return finish(new Tensor(N.linspace(start, end, steps, opts.dtype ?? null, opts.device ?? currentDevice())), opts);
}

export function eye(n: number, opts: CreateOptions = {}): Tensor {
  return finish(
    new Tensor(N.eye(checkInt('eye', 'n', n, 0), opts.dtype ?? null, opts.device ?? currentDevice())),
    opts,
  );
}

/** where(cond, a, b): elements of a where cond, else of b. */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  return new Tensor(N.where(cond.handle, typeof a === 'number' ? a : a.handle, typeof b === 'number' ? b : b.handle));
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return new Tensor(
    N.cat(
      tensors.map((t) => t.handle),
      checkInt('cat', 'dim', dim),
    ),
  );
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return new Tensor(
    N.stack(
      tensors.map((t) => t.handle),
      checkInt('stack', 'dim', dim),
    ),
  );
}

export function einsum(equation: string, ...tensors: Tensor[]): Tensor {
  return new Tensor(
    N.einsum(
      equation,
      tensors.map((t) => t.handle),
    ),
  );
}

/** Solves A X = B. */
export function solve(a: Tensor, b: Tensor): Tensor {
  return new Tensor(N.linalgSolve(a.handle, b.handle));
}
