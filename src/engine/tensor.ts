/**
 * `Tensor`: the TypeScript face of a libtorch tensor. Methods mirror PyTorch's names (camelCase); methods ending
 * in `_` work in place. Every tensor registers in the innermost `tidy` scope (see scope.ts).
 *
 * ```ts
 * const y = tidy(() => x.matmul(w).add(b).relu().sum());
 * y.backward();
 * ```
 */
import { N, type Handle } from './native.js';
import { type DType, type TypedArray, typedArrayFor } from './dtype.js';
import { track, type Disposable } from './scope.js';
import { checkDim, checkInt, checkInts, checkOptInt, checkShape } from './check-args.js';

export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | number;
export type MemoryFormat = 'contiguous' | 'channelsLast' | 'channelsLast3d';

function h(x: TensorOrScalar): Handle | number {
  return typeof x === 'number' ? x : x.handle;
}

function dimsArg(dims: number | readonly number[] | undefined, op = 'reduction'): number[] | null {
  if (dims === undefined) return null;
  return checkInts(op, 'dims', Array.isArray(dims) ? [...dims] : dims);
}

export class Tensor implements Disposable {
  /** @internal the addon's handle */
  readonly handle: Handle;
  kept = false;

  /** @internal wrap a handle returned by the addon (use the creation functions instead) */
  constructor(handle: Handle) {
    this.handle = handle;
    track(this);
  }

  // ---- metadata ----
  get shape(): number[] {
    return N.shape(this.handle) as number[];
  }
  get strides(): number[] {
    return N.strides(this.handle) as number[];
  }
  get ndim(): number {
    return this.shape.length;
  }
  get dtype(): DType {
    return N.dtype(this.handle) as DType;
  }
  /** "cpu", "cuda:0", ... */
  get device(): string {
    return N.device(this.handle) as string;
  }
  get numel(): number {
    return N.numel(this.handle) as number;
  }
  size(dim: number): number {
    const s = this.shape;
    if (!Number.isSafeInteger(dim)) throw new RangeError(`size: dim must be an integer, got ${dim}`);
    const d = dim < 0 ? s.length + dim : dim;
    if (d < 0 || d >= s.length) throw new RangeError(`size: dim ${dim} out of range for shape [${s.join(', ')}]`);
    return s[d]!;
  }
  isContiguous(format: MemoryFormat = 'contiguous'): boolean {
    return N.isContiguous(this.handle, format) as boolean;
  }

  // ---- lifetime ----
  /** Frees the native memory now. Using the tensor afterwards throws. */
  dispose(): void {
    N.dispose(this.handle);
  }
  /** @internal no scope frees it any more: its bytes are reported to V8, for garbage-collection pressure */
  unscoped(): void {
    N.countExternal(this.handle);
  }
  get isDisposed(): boolean {
    return N.isDisposed(this.handle) as boolean;
  }

  // ---- export ----
  /** A copy of the elements (CPU, C order) in the dtype's typed array (float16/bfloat16 as raw bits). */
  data(): TypedArray {
    return typedArrayFor(this.dtype, N.toBuffer(this.handle) as ArrayBuffer);
  }
  /** The elements as float32. */
  toFloat32Array(): Float32Array {
    const t = this.dtype === 'float32' ? this : this.to({ dtype: 'float32' });
    const out = new Float32Array(N.toBuffer(t.handle) as ArrayBuffer);
    if (t !== this) t.dispose();
    return out;
  }
  /** The elements as float64 (exact for every dtype but int64 beyond 2^53). */
  toFloat64Array(): Float64Array {
    const t = this.dtype === 'float64' ? this : this.to({ dtype: 'float64' });
    const out = new Float64Array(N.toBuffer(t.handle) as ArrayBuffer);
    if (t !== this) t.dispose();
    return out;
  }
  /** The elements as a flat array of numbers. */
  toArray(): number[] {
    return Array.from(this.toFloat64Array());
  }
  /** The value of a one-element tensor. */
  item(): number {
    const v = N.item(this.handle) as number | boolean;
    return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }

  // ---- moves and copies ----
  /**
   * Converts dtype, device and/or layout, as torch's Tensor.to; a new handle to the same data when nothing changes.
   * `memoryFormat` lays the result out in that format unless its strides already suggest it
   * (a copy even where `contiguous(format)` returns the tensor as it is: a [16, 1, 3, 3] weight with NCHW strides is
   * channels-last contiguous too, but a convolution reads it as NCHW).
   */
  to(opts: { dtype?: DType; device?: string; copy?: boolean; memoryFormat?: MemoryFormat }): Tensor {
    return new Tensor(
      N.to(this.handle, opts.dtype ?? null, opts.device ?? null, opts.copy ?? false, opts.memoryFormat),
    );
  }
  cpu(): Tensor {
    return this.to({ device: 'cpu' });
  }
  float(): Tensor {
    return this.to({ dtype: 'float32' });
  }
  long(): Tensor {
    return this.to({ dtype: 'int64' });
  }
  clone(): Tensor {
    return new Tensor(N.clone(this.handle));
  }
  /** Same data, cut from the autograd graph. */
  detach(): Tensor {
    return new Tensor(N.detach(this.handle));
  }
  contiguous(format: MemoryFormat = 'contiguous'): Tensor {
    return new Tensor(N.contiguous(this.handle, format));
  }
  copy_(src: Tensor): this {
    N.copy_(this.handle, src.handle);
    return this;
  }
  fill_(v: Scalar): this {
    N.fill_(this.handle, v);
    return this;
  }
  zero_(): this {
    N.zero_(this.handle);
    return this;
  }
  /** Replaces this tensor's data with `src`'s, keeping its autograd identity (PyTorch's `p.data = src`). */
  setData(src: Tensor): this {
    N.setData(this.handle, src.handle);
    return this;
  }
  /** True when both tensors view the same memory with the same layout. */
  sameData(other: Tensor): boolean {
    return N.sameData(this.handle, other.handle) as boolean;
  }

  // ---- autograd ----
  get requiresGrad(): boolean {
    return N.requiresGrad(this.handle) as boolean;
  }
  set requiresGrad(v: boolean) {
    N.setRequiresGrad(this.handle, v);
  }
  requiresGrad_(v = true): this {
    N.setRequiresGrad(this.handle, v);
    return this;
  }
  get isLeaf(): boolean {
    return N.isLeaf(this.handle) as boolean;
  }
  /** The name of the autograd node that made this tensor, or null for leaves. */
  get gradFn(): string | null {
    return N.gradFn(this.handle) as string | null;
  }
  /** The accumulated gradient (a new wrapper sharing memory), or null. */
  get grad(): Tensor | null {
    const g = N.grad(this.handle) as Handle | null;
    return g === null ? null : new Tensor(g);
  }
  set grad(g: Tensor | null) {
    N.setGrad(this.handle, g === null ? null : g.handle);
  }
  retainGrad(): this {
    N.retainGrad(this.handle);
    return this;
  }
  backward(gradient?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    N.backward(this.handle, gradient ? gradient.handle : null, opts.retainGraph ?? null, opts.createGraph ?? false);
  }

  // ---- elementwise ----
  private un(name: string): Tensor {
    return new Tensor(N.unary(name, this.handle));
  }
  private bin(name: string, other: TensorOrScalar): Tensor {
    return new Tensor(N.binary(name, this.handle, h(other)));
  }
  /** this + alpha * other */
  add(other: TensorOrScalar, alpha?: number): Tensor {
    if (alpha !== undefined && alpha !== 1) return new Tensor(N.addScaled(this.handle, h(other), alpha));
    return this.bin('add', other);
  }
  sub(other: TensorOrScalar, alpha?: number): Tensor {
    if (alpha !== undefined && alpha !== 1) return new Tensor(N.addScaled(this.handle, h(other), -alpha));
    return this.bin('sub', other);
  }
  mul(other: TensorOrScalar): Tensor {
    return this.bin('mul', other);
  }
  div(other: TensorOrScalar): Tensor {
    return this.bin('div', other);
  }
  floorDivide(other: TensorOrScalar): Tensor {
    return this.bin('floorDivide', other);
  }
  remainder(other: TensorOrScalar): Tensor {
    return this.bin('remainder', other);
  }
  pow(exponent: TensorOrScalar): Tensor {
    return this.bin('pow', exponent);
  }
  maximum(other: TensorOrScalar): Tensor {
    return this.bin('maximum', other);
  }
  minimum(other: TensorOrScalar): Tensor {
    return this.bin('minimum', other);
  }
  atan2(other: TensorOrScalar): Tensor {
    return this.bin('atan2', other);
  }
  /** number - this */
  rsub(value: number): Tensor {
    return new Tensor(N.binary('sub', value, this.handle));
  }
  /** number / this */
  rdiv(value: number): Tensor {
    return new Tensor(N.binary('div', value, this.handle));
  }
  neg(): Tensor {
    return this.un('neg');
  }
  abs(): Tensor {
    return this.un('abs');
  }
  exp(): Tensor {
    return this.un('exp');
  }
  log(): Tensor {
    return this.un('log');
  }
  log1p(): Tensor {
    return this.un('log1p');
  }
  expm1(): Tensor {
    return this.un('expm1');
  }
  sqrt(): Tensor {
    return this.un('sqrt');
  }
  rsqrt(): Tensor {
    return this.un('rsqrt');
  }
  square(): Tensor {
    return this.un('square');
  }
  reciprocal(): Tensor {
    return this.un('reciprocal');
  }
  sin(): Tensor {
    return this.un('sin');
  }
  cos(): Tensor {
    return this.un('cos');
  }
  tanh(): Tensor {
    return this.un('tanh');
  }
  sigmoid(): Tensor {
    return this.un('sigmoid');
  }
  relu(): Tensor {
    return this.un('relu');
  }
  gelu(): Tensor {
    return this.un('gelu');
  }
  softplus(): Tensor {
    return this.un('softplus');
  }
  erf(): Tensor {
    return this.un('erf');
  }
  sign(): Tensor {
    return this.un('sign');
  }
  floor(): Tensor {
    return this.un('floor');
  }
  ceil(): Tensor {
    return this.un('ceil');
  }
  round(): Tensor {
    return this.un('round');
  }
  trunc(): Tensor {
    return this.un('trunc');
  }
  isnan(): Tensor {
    return this.un('isnan');
  }
  isfinite(): Tensor {
    return this.un('isfinite');
  }
  /** Indices of non-zero elements, shape [count, ndim] (int64). */
  nonzero(): Tensor {
    return this.un('nonzero');
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return new Tensor(N.clamp(this.handle, min ?? null, max ?? null));
  }
  clampMin(min: number): Tensor {
    return this.clamp(min, null);
  }
  lerp(end: Tensor, weight: number): Tensor {
    return new Tensor(N.lerp(this.handle, end.handle, weight));
  }
  maskedFill(mask: Tensor, value: Scalar): Tensor {
    return new Tensor(N.maskedFill(this.handle, mask.handle, value));
  }

  // ---- comparisons and logic (bool results) ----
  eq(o: TensorOrScalar): Tensor {
    return this.bin('eq', o);
  }
  ne(o: TensorOrScalar): Tensor {
    return this.bin('ne', o);
  }
  lt(o: TensorOrScalar): Tensor {
    return this.bin('lt', o);
  }
  le(o: TensorOrScalar): Tensor {
    return this.bin('le', o);
  }
  gt(o: TensorOrScalar): Tensor {
    return this.bin('gt', o);
  }
  ge(o: TensorOrScalar): Tensor {
    return this.bin('ge', o);
  }
  logicalAnd(o: Tensor): Tensor {
    return this.bin('logicalAnd', o);
  }
  logicalOr(o: Tensor): Tensor {
    return this.bin('logicalOr', o);
  }
  logicalXor(o: Tensor): Tensor {
    return this.bin('logicalXor', o);
  }
  logicalNot(): Tensor {
    return this.un('logicalNot');
  }

  // ---- in place (optimisers, EMA, queues): not differentiable through leaves that require grad ----
  add_(other: TensorOrScalar, alpha = 1): this {
    N.inplace('add_', this.handle, h(other), alpha);
    return this;
  }
  sub_(other: TensorOrScalar, alpha = 1): this {
    N.inplace('sub_', this.handle, h(other), alpha);
    return this;
  }
  mul_(other: TensorOrScalar): this {
    N.inplace('mul_', this.handle, h(other));
    return this;
  }
  div_(other: TensorOrScalar): this {
    N.inplace('div_', this.handle, h(other));
    return this;
  }
  /** this += weight * (end - this) */
  lerp_(end: Tensor, weight: number): this {
    N.inplace('lerp_', this.handle, end.handle, weight);
    return this;
  }
  clampMin_(min: number): this {
    N.inplace('clampMin_', this.handle, min);
    return this;
  }
  sqrt_(): this {
    N.inplace('sqrt_', this.handle);
    return this;
  }
  maximum_(other: Tensor): this {
    N.inplace('maximum_', this.handle, other.handle);
    return this;
  }
  /** this += value * a * b */
  addcmul_(a: Tensor, b: Tensor, value = 1): this {
    N.addcmul_(this.handle, a.handle, b.handle, value);
    return this;
  }
  /** this += value * a / b */
  addcdiv_(a: Tensor, b: Tensor, value = 1): this {
    N.addcdiv_(this.handle, a.handle, b.handle, value);
    return this;
  }
  uniform_(low = 0, high = 1, generator?: { handle: object }): this {
    N.uniform_(this.handle, low, high, generator?.handle ?? null);
    return this;
  }
  normal_(mean = 0, std = 1, generator?: { handle: object }): this {
    N.normal_(this.handle, mean, std, generator?.handle ?? null);
    return this;
  }
  /** Writes rows of `src` at `index` along `dim`, in place. */
  indexCopy_(dim: number, index: Tensor, src: Tensor): this {
    N.indexCopy_(this.handle, checkInt('indexCopy_', 'dim', dim), index.handle, src.handle);
    return this;
  }

  // ---- reductions ----
  private red(name: string, dims?: number | readonly number[], keepdim = false): Tensor {
    return new Tensor(N.reduce(name, this.handle, dimsArg(dims, name), keepdim));
  }
  sum(dims?: number | readonly number[], keepdim = false): Tensor {
    return this.red('sum', dims, keepdim);
  }
  mean(dims?: number | readonly number[], keepdim = false): Tensor {
    return this.red('mean', dims, keepdim);
  }
  /** Maximum over dims (all when omitted). For values and indices along one dim use `maxDim`. */
  amax(dims?: number | readonly number[], keepdim = false): Tensor {
    return this.red('amax', dims, keepdim);
  }
  amin(dims?: number | readonly number[], keepdim = false): Tensor {
    return this.red('amin', dims, keepdim);
  }
  max(): Tensor {
    return this.red('amax');
  }
  min(): Tensor {
    return this.red('amin');
  }
  maxDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [v, i] = N.maxDim(this.handle, checkInt('maxDim', 'dim', dim), keepdim) as [Handle, Handle];
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  minDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [v, i] = N.minDim(this.handle, checkInt('minDim', 'dim', dim), keepdim) as [Handle, Handle];
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return new Tensor(N.argmax(this.handle, checkOptInt('argmax', 'dim', dim), keepdim));
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return new Tensor(N.argmin(this.handle, checkOptInt('argmin', 'dim', dim), keepdim));
  }
  logsumexp(dims?: number | readonly number[], keepdim = false): Tensor {
    return this.red('logsumexp', dims, keepdim);
  }
  all(dims?: number | readonly number[], keepdim = false): Tensor {
    return this.red('all', dims, keepdim);
  }
  any(dims?: number | readonly number[], keepdim = false): Tensor {
    return this.red('any', dims, keepdim);
  }
  /** Variance with Bessel's correction by default (correction = 1), like PyTorch. */
  var(dims?: number | readonly number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return new Tensor(N.varStd('var', this.handle, dimsArg(dims, 'var'), opts.correction ?? 1, opts.keepdim ?? false));
  }
  std(dims?: number | readonly number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return new Tensor(N.varStd('std', this.handle, dimsArg(dims, 'std'), opts.correction ?? 1, opts.keepdim ?? false));
  }
  norm(p = 2, dims?: number | readonly number[], keepdim = false): Tensor {
    const d = dims === undefined && keepdim ? this.shape.map((_, i) => i) : dimsArg(dims, 'norm');
    return new Tensor(N.norm(this.handle, p, d, keepdim));
  }
  cumsum(dim: number): Tensor {
    return new Tensor(N.cumsum(this.handle, checkInt('cumsum', 'dim', dim)));
  }
  sort(dim = -1, descending = false): { values: Tensor; indices: Tensor } {
    const [v, i] = N.sort(this.handle, checkInt('sort', 'dim', dim), descending) as [Handle, Handle];
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  topk(k: number, dim = -1, largest = true): { values: Tensor; indices: Tensor } {
    const [v, i] = N.topk(this.handle, checkInt('topk', 'k', k, 0), checkInt('topk', 'dim', dim), largest) as [
      Handle,
      Handle,
    ];
    return { values: new Tensor(v), indices: new Tensor(i) };
  }

  // ---- linear algebra ----
  matmul(other: Tensor): Tensor {
    return new Tensor(N.matmul(this.handle, other.handle));
  }
  bmm(other: Tensor): Tensor {
    return new Tensor(N.bmm(this.handle, other.handle));
  }
  /** Transpose of a 2-D tensor. */
  get T(): Tensor {
    return this.transpose(0, 1);
  }

  // ---- shape and indexing ----
  /** A new shape with the same elements; one entry may be -1 (inferred). */
  reshape(...shape: number[]): Tensor {
    return new Tensor(N.reshape(this.handle, checkShape('reshape', shape, 'one')));
  }
  view(...shape: number[]): Tensor {
    return new Tensor(N.view(this.handle, checkShape('view', shape, 'one')));
  }
  permute(...dims: number[]): Tensor {
    return new Tensor(N.permute(this.handle, checkInts('permute', 'dims', dims)));
  }
  transpose(d0: number, d1: number): Tensor {
    return new Tensor(N.transpose(this.handle, checkInt('transpose', 'd0', d0), checkInt('transpose', 'd1', d1)));
  }
  squeeze(dim?: number): Tensor {
    return new Tensor(N.squeeze(this.handle, checkOptInt('squeeze', 'dim', dim)));
  }
  unsqueeze(dim: number): Tensor {
    return new Tensor(N.unsqueeze(this.handle, checkInt('unsqueeze', 'dim', dim)));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    const op = 'flatten';
    return new Tensor(N.flatten(this.handle, checkInt(op, 'startDim', startDim), checkInt(op, 'endDim', endDim)));
  }
  /** Broadcasts to `shape` (-1 keeps a dimension's size). */
  expand(...shape: number[]): Tensor {
    return new Tensor(N.expand(this.handle, checkShape('expand', shape, 'any')));
  }
  expandAs(other: Tensor): Tensor {
    return this.expand(...other.shape);
  }
  repeat(...times: number[]): Tensor {
    return new Tensor(N.repeat(this.handle, checkInts('repeat', 'times', times, 0)));
  }
  /**
   * A view of elements start..end (exclusive) with a step along `dim`; negative indices count from the end. As in
   * Python slicing, bounds beyond the ends are clamped (`narrow` is the checked form).
   */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    const op = 'slice';
    const d = checkDim(op, 'dim', dim, this.ndim);
    const [s, e] = [checkOptInt(op, 'start', start), checkOptInt(op, 'end', end)];
    return new Tensor(N.slice(this.handle, d, s, e, checkInt(op, 'step', step, 1)));
  }
  /** Elements start..start+length-1 along `dim` (a view); the range must lie inside the dimension. */
  narrow(dim: number, start: number, length: number): Tensor {
    const op = 'narrow';
    const d = checkDim(op, 'dim', dim, this.ndim);
    const n = this.shape[d] ?? 1;
    const s = checkInt(op, 'start', start, -n, n);
    const from = s < 0 ? s + n : s;
    checkInt(op, `length (start ${from}, dimension ${d} of size ${n})`, length, 0, n - from);
    return new Tensor(N.slice(this.handle, d, from, from + length, 1));
  }
  /** Removes `dim` by taking one index (a view). */
  select(dim: number, index: number): Tensor {
    const d = checkDim('select', 'dim', dim, this.ndim);
    const n = this.shape[d] ?? 1;
    return new Tensor(
      N.select(this.handle, d, checkInt('select', `index (dimension ${d} of size ${n})`, index, -n, n - 1)),
    );
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return new Tensor(N.indexSelect(this.handle, checkInt('indexSelect', 'dim', dim), index.handle));
  }
  gather(dim: number, index: Tensor): Tensor {
    return new Tensor(N.gather(this.handle, checkInt('gather', 'dim', dim), index.handle));
  }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor {
    return new Tensor(N.scatter(this.handle, checkInt('scatter', 'dim', dim), index.handle, h(src)));
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return new Tensor(N.scatterAdd(this.handle, checkInt('scatterAdd', 'dim', dim), index.handle, src.handle));
  }
  indexAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return new Tensor(N.indexAdd(this.handle, checkInt('indexAdd', 'dim', dim), index.handle, src.handle));
  }
  maskedSelect(mask: Tensor): Tensor {
    return new Tensor(N.maskedSelect(this.handle, mask.handle));
  }
  maskedScatter(mask: Tensor, src: Tensor): Tensor {
    return new Tensor(N.maskedScatter(this.handle, mask.handle, src.handle));
  }
  split(sizeOrSizes: number | number[], dim = 0): Tensor[] {
    const sizes =
      typeof sizeOrSizes === 'number'
        ? checkInt('split', 'size', sizeOrSizes, 0)
        : checkInts('split', 'sizes', sizeOrSizes, 0);
    return (N.split(this.handle, sizes, checkInt('split', 'dim', dim)) as Handle[]).map((x) => new Tensor(x));
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return (
      N.chunk(this.handle, checkInt('chunk', 'chunks', chunks, 1), checkInt('chunk', 'dim', dim)) as Handle[]
    ).map((x) => new Tensor(x));
  }
  unbind(dim = 0): Tensor[] {
    return (N.unbind(this.handle, checkInt('unbind', 'dim', dim)) as Handle[]).map((x) => new Tensor(x));
  }
  flip(...dims: number[]): Tensor {
    return new Tensor(N.flip(this.handle, checkInts('flip', 'dims', dims)));
  }
  roll(shifts: number | number[], dims: number | number[]): Tensor {
    return new Tensor(N.roll(this.handle, checkInts('roll', 'shifts', shifts), checkInts('roll', 'dims', dims)));
  }
  tril(diagonal = 0): Tensor {
    return new Tensor(N.tril(this.handle, checkInt('tril', 'diagonal', diagonal)));
  }
  triu(diagonal = 0): Tensor {
    return new Tensor(N.triu(this.handle, checkInt('triu', 'diagonal', diagonal)));
  }
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor {
    const [o, a, b] = checkInts('diagonal', 'offset, dim1, dim2', [offset, dim1, dim2]);
    return new Tensor(N.diagonal(this.handle, o, a, b));
  }

  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }
}
