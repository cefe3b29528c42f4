/**
 * The tensor API refuses shapes, dimensions, indices, counts and seeds that are not integers in range, naming the
 * operation and the argument (the addon alone would truncate: NaN -> 0, 2.7 -> 2, and slice-based narrow clamps).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  arange,
  cat,
  empty,
  eye,
  full,
  Generator,
  linspace,
  manualSeed,
  multinomial,
  ones,
  rand,
  randint,
  randn,
  randperm,
  stack,
  tensor,
  zeros,
} from '../../src/engine/index.js';

const x = () => arange(0, 12).reshape(3, 4).float();

function refuses(f: () => unknown, re: RegExp): void {
  assert.throws(f, (e: Error) => e instanceof RangeError && re.test(e.message), String(re));
}

test('creation: shapes must be non-negative integers (NaN, 2.7, Infinity, -1 refused, naming the entry)', () => {
  refuses(() => zeros([NaN, 3]), /^full: shape\[0\] must be an integer, got NaN$/);
  refuses(() => zeros([2.7, 3]), /^full: shape\[0\] must be an integer, got 2.7$/);
  refuses(() => ones([3, Infinity]), /^full: shape\[1\] must be an integer, got Infinity$/);
  refuses(() => full([2, -1], 0), /^full: shape\[1\] must be an integer >= 0, got -1$/);
  refuses(() => empty([1.5]), /^empty: shape\[0\]/);
  refuses(() => tensor([1, 2, 3, 4, 5, 6], { shape: [2.7, 3] }), /^tensor: shape\[0\] must be an integer, got 2.7$/);
  refuses(() => rand([2, 0.5]), /^rand: shape\[1\]/);
  refuses(() => randn([NaN]), /^randn: shape\[0\]/);
  refuses(() => eye(2.5), /^eye: n must be an integer/);
  refuses(() => linspace(0, 1, 2.5), /^linspace: steps must be an integer/);
  refuses(() => linspace(0, NaN, 3), /^linspace: end must be a finite number/);
  refuses(() => arange(0, Infinity), /^arange: end must be a finite number/);
  refuses(() => arange(0, 5, 0), /^arange: step must not be 0/);
  refuses(() => cat([x(), x()], 0.5), /^cat: dim must be an integer/);
  refuses(() => stack([x(), x()], NaN), /^stack: dim must be an integer/);
  // valid input still works, with the exact sizes given
  assert.deepEqual(zeros([0, 3]).shape, [0, 3]);
  assert.deepEqual(tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] }).shape, [2, 3]);
});

test('random: seeds, bounds and counts are checked', () => {
  refuses(() => manualSeed(NaN), /^manualSeed: seed must be an integer, got NaN$/);
  refuses(() => manualSeed(1.5), /^manualSeed: seed must be an integer/);
  refuses(() => manualSeed(-1), /^manualSeed: seed must be an integer >= 0, got -1$/);
  refuses(() => new Generator(Infinity), /^Generator: seed must be an integer/);
  refuses(() => randint(0.5, 3, [4]), /^randint: low must be an integer, got 0.5$/);
  refuses(() => randint(0, 3.5, [4]), /^randint: high \(low is 0\) must be an integer/);
  refuses(() => randint(5, 5, [4]), /^randint: high \(low is 5\) must be an integer >= 6, got 5$/);
  refuses(() => randperm(2.5), /^randperm: n must be an integer/);
  refuses(() => multinomial(ones([4]), 0), /^multinomial: numSamples must be an integer >= 1/);
  manualSeed(7);
  const v = randint(-2, 3, [1000]).toArray();
  assert.equal(Math.min(...v), -2);
  assert.equal(Math.max(...v), 2);
});

test('narrow throws outside the dimension (it clamped before); slice keeps Python clamping', () => {
  refuses(
    () => x().narrow(0, 2, 5),
    /^narrow: length \(start 2, dimension 0 of size 3\) must be an integer in \[0, 1\], got 5$/,
  );
  refuses(() => x().narrow(1, 5, 1), /^narrow: start must be an integer in \[-4, 4\], got 5$/);
  refuses(() => x().narrow(2, 0, 1), /^narrow: dim must be an integer in \[-2, 1\], got 2$/);
  refuses(() => x().narrow(0, 0.5, 1), /^narrow: start must be an integer, got 0.5$/);
  refuses(() => x().narrow(0, 0, -1), /^narrow: length/);
  // in range: exact elements (row-major 0..11), negative start counts from the end
  assert.deepEqual(x().narrow(1, 1, 2).toArray(), [1, 2, 5, 6, 9, 10]);
  assert.deepEqual(x().narrow(0, -1, 1).toArray(), [8, 9, 10, 11]);
  assert.deepEqual(x().narrow(0, 3, 0).shape, [0, 4]);
  assert.deepEqual(x().slice(0, 1, 100).shape, [2, 4]);
  refuses(() => x().slice(0, 1.5, 3), /^slice: start must be an integer/);
  refuses(() => x().slice(0, 0, 3, 0), /^slice: step must be an integer >= 1, got 0$/);
});

test('views and index ops: integer dims, indices and sizes', () => {
  refuses(() => x().reshape(2.5, 4.8), /^reshape: shape\[0\] must be an integer, got 2.5$/);
  refuses(() => x().reshape(NaN, 12), /^reshape: shape\[0\] must be an integer, got NaN$/);
  refuses(() => x().view(-1, -1), /^view: shape\[1\] must be the only -1 of the shape, got -1$/);
  refuses(() => x().reshape(-2, 6), /^reshape: shape\[0\] must be an integer >= -1, got -2$/);
  refuses(() => x().select(0, 0).expand(2.5, 4), /^expand: shape\[0\] must be an integer, got 2.5$/);
  refuses(() => x().select(0, 3), /^select: index \(dimension 0 of size 3\) must be an integer in \[-3, 2\], got 3$/);
  refuses(() => x().select(0, 1.7), /^select: index .* must be an integer, got 1.7$/);
  refuses(() => x().transpose(0, 0.5), /^transpose: d1 must be an integer/);
  refuses(() => x().permute(1, 0.2), /^permute: dims\[1\] must be an integer/);
  refuses(() => x().squeeze(1.5), /^squeeze: dim must be an integer/);
  refuses(() => x().unsqueeze(NaN), /^unsqueeze: dim must be an integer/);
  refuses(() => x().repeat(1.5, 1), /^repeat: times\[0\] must be an integer/);
  refuses(() => x().chunk(0), /^chunk: chunks must be an integer >= 1, got 0$/);
  refuses(() => x().split(1.5), /^split: size must be an integer/);
  refuses(() => x().topk(1.5), /^topk: k must be an integer/);
  refuses(() => x().sum(0.5), /^sum: dims must be an integer/);
  refuses(() => x().flip(0.5), /^flip: dims\[0\] must be an integer/);
  refuses(() => x().size(0.5), /^size: dim must be an integer/);
  const idx = tensor([0, 2], { dtype: 'int64' });
  refuses(() => x().indexSelect(0.5, idx), /^indexSelect: dim must be an integer/);
  refuses(() => x().gather(NaN, idx.reshape(2, 1)), /^gather: dim must be an integer/);
  // index tensors out of range are refused by libtorch itself
  assert.throws(() => x().indexSelect(0, tensor([0, 7], { dtype: 'int64' })), /index out of range/);
  assert.deepEqual(x().reshape(-1, 6).shape, [2, 6]);
  assert.deepEqual(x().select(0, 0).expand(2, -1).shape, [2, 4]);
  assert.deepEqual(x().select(0, -1).toArray(), [8, 9, 10, 11]);
});
