/**
 * The error boundary: libtorch errors become JS Errors carrying libtorch's message (the process goes on),
 * wrong argument types become TypeErrors, and bad input to tensor() is named clearly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor,
  tensor,
  ones,
  zeros,
  empty,
  cat,
  stack,
  einsum,
  rand,
  randint,
  Generator,
  setNumThreads,
  getNumThreads,
  type DType,
} from '../../src/engine/index.js';

/** asserts fn throws an Error (exactly that class when given) whose message matches every pattern */
function throwsWith(fn: () => unknown, patterns: RegExp[], cls: new (...args: never[]) => Error = Error): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected a ${cls.name}, got ${String(e)}`);
    const msg = (e as Error).message;
    for (const p of patterns) assert.match(msg, p);
    // what_without_backtrace: no C++ stack in the message
    assert.doesNotMatch(msg, /Exception raised from|frame #\d/);
    return true;
  });
}

test('shape mismatches in matmul, add, cat, einsum and bmm become Errors with libtorch messages', () => {
  throwsWith(
    () => ones([2, 3]).matmul(ones([2, 3])),
    [/^matmul: /, /mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/],
  );
  throwsWith(
    () => ones([2, 3]).add(ones([2, 4])),
    [/The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1/],
  );
  throwsWith(() => ones([2, 3]).mul_(ones([4, 3])), [/must match/]);
  throwsWith(
    () => cat([ones([1, 2]), ones([1, 3])], 0),
    [/^cat: /, /Sizes of tensors must match except in dimension 0/],
  );
  throwsWith(() => einsum('ij,jk->ik', ones([2, 3]), ones([4, 5])), [/^einsum: /, /subscript j has size 4/]);
  throwsWith(() => ones([2, 3]).bmm(ones([3, 2])), [/^bmm: /, /batch1 must be a 3D tensor/]);
  throwsWith(() => ones([6]).reshape(5), [/^reshape: /, /shape '\[5\]' is invalid for input of size 6/]);
  throwsWith(() => ones([2, 3]).T.view(6), [/^view: /, /view size is not compatible/]);
  throwsWith(() => stack([]), [/^stack: /, /non-empty/]);
});

test('bad dtypes for an op become Errors naming the dtype problem', () => {
  throwsWith(() => tensor([1, 2], { dtype: 'int64' }).mean(), [/mean\(\): could not infer output dtype/, /Got: Long/]);
  throwsWith(() => ones([2, 2]).matmul(ones([2, 2], { dtype: 'int64' })), [/^matmul: /, /expected scalar type/]);
  throwsWith(() => ones([2, 2]).gather(1, zeros([2, 2])), [/^gather: /, /Expected dtype int64 for index/]);
  throwsWith(() => zeros([2], { dtype: 'float8' as DType }), [/unknown dtype 'float8'/], TypeError);
});

test('out-of-range dims and indices become Errors', () => {
  throwsWith(() => ones([2, 3]).sum(5), [/Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)/]);
  throwsWith(() => ones([2, 3]).transpose(0, 9), [/^transpose: /, /Dimension out of range/]);
  throwsWith(
    () => ones([3]).select(0, 5),
    [/^select: index \(dimension 0 of size 3\) must be an integer in \[-3, 2\], got 5$/],
    RangeError,
  );
  throwsWith(() => ones([3]).indexSelect(0, tensor([5], { dtype: 'int64' })), [/index out of range/]);
  throwsWith(() => empty([-1]), [/^empty: shape\[0\] must be an integer >= 0, got -1$/], RangeError);
  // negative steps are not supported by libtorch's slice (flip is the way)
  throwsWith(() => ones([5]).slice(0, null, null, -1), [/^slice: step must be an integer >= 1, got -1$/], RangeError);
  throwsWith(() => randint(5, 1, [3]), [/^randint: high \(low is 5\) must be an integer >= 6, got 1$/], RangeError);
  assert.throws(() => ones([2]).size(2), RangeError);
});

test('a huge allocation becomes an Error and the process goes on', () => {
  throwsWith(() => empty([1e6, 1e6, 1e3]), [/^empty: /, /can't allocate memory/]);
  throwsWith(() => zeros([1e6, 1e6, 1e3]), [/can't allocate memory/]);
  // the engine still works afterwards
  assert.deepEqual(ones([2]).add(1).toArray(), [2, 2]);
});

test('autograd misuse becomes an Error', () => {
  throwsWith(
    () => ones([2], { requiresGrad: true }).mul(2).backward(),
    [/^backward: /, /grad can be implicitly created only for scalar outputs/],
  );
  throwsWith(() => ones([2], { requiresGrad: true }).add_(1), [/a leaf Variable that requires grad/]);
});

test('passing a non-tensor (or the wrong kind of handle) gives a TypeError', () => {
  const a = ones([2]);
  const notTensor = (v: unknown) => v as Tensor;
  throwsWith(() => a.matmul(notTensor(5)), [/expected a Tensor handle/], TypeError);
  throwsWith(() => a.add(notTensor({})), [], TypeError);
  throwsWith(() => a.add(notTensor('1')), [], TypeError);
  throwsWith(() => a.gather(0, notTensor({ handle: {} })), [/expected a Tensor handle/], TypeError);
  throwsWith(() => cat([a, notTensor('x')]), [/expected a Tensor handle/], TypeError);
  throwsWith(
    () => a.sum(notTensor('x') as unknown as number),
    [/^sum: dims must be an integer or an array of integers, got "x"$/],
    TypeError,
  );
  // a generator handle where a tensor goes, and a tensor handle where a generator goes
  const g = new Generator(1);
  throwsWith(() => a.add(notTensor({ handle: g.handle })), [/expected a Tensor handle/], TypeError);
  throwsWith(
    () => rand([2], { generator: { handle: a.handle } as unknown as Generator }),
    [/expected a Generator handle/],
    TypeError,
  );
  throwsWith(() => setNumThreads(0), [/^setNumThreads: threads must be an integer >= 1, got 0$/], RangeError);
  assert.ok(getNumThreads() >= 1);
});

test('tensor() rejects ragged arrays and wrong-length data clearly', () => {
  throwsWith(
    () => tensor([[1, 2], [3]]),
    [/^tensor: ragged nested array at depth 1 \(expected length 2\)/],
    RangeError,
  );
  throwsWith(() => tensor([1, [2]] as unknown as number[]), [/ragged nested array/], RangeError);
  throwsWith(() => tensor([[1], 2] as unknown as number[][]), [/ragged nested array at depth 1/], RangeError);
  throwsWith(
    () =>
      tensor([
        [
          [1, 2],
          [3, 4],
        ],
        [[5, 6], [7]],
      ]),
    [/ragged nested array at depth 2/],
    RangeError,
  );
  throwsWith(
    () => tensor(new Float32Array(5), { shape: [2, 3] }),
    [/^tensor: 5 elements do not fill shape \[2, 3\]/],
    RangeError,
  );
  throwsWith(() => tensor([1, 2, 3], { shape: [2, 2] }), [/3 elements do not fill shape \[2, 2\]/], RangeError);
  throwsWith(() => tensor(new Int32Array(7), { shape: [7, 2] }), [/7 elements do not fill shape \[7, 2\]/], RangeError);
  throwsWith(() => tensor(new Uint16Array(3)), [/no tensor dtype for Uint16Array/], TypeError);
  throwsWith(() => tensor(new Uint32Array(3)), [/no tensor dtype for Uint32Array/], TypeError);
});
