import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAxis, applySeparable, linearTable, nearestTable, triangleTable } from '../../src/preprocess/separable.js';
import { randomFloats } from './fixtures.js';

function dense(t: ReturnType<typeof linearTable>): number[][] {
  const m = Array.from({ length: t.nOut }, () => new Array<number>(t.nIn).fill(0));
  for (let j = 0; j < t.nOut; j++)
    for (let k = t.start[j]!; k < t.start[j + 1]!; k++) m[j]![t.index[k]!]! += t.weight[k]!;
  return m;
}

test('linearTable: two taps at the continuous index, clamped to the border', () => {
  const t = dense(linearTable(3, 4, (j) => [-0.5, 0.25, 1.5, 2.75][j]!));
  const want = [
    [1, 0, 0],
    [0.75, 0.25, 0],
    [0, 0.5, 0.5],
    [0, 0, 1],
  ];
  for (let j = 0; j < 4; j++)
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(t[j]![i]! - want[j]![i]!) < 1e-15, `${j},${i}`);
});

test('nearestTable clamps the picked index', () => {
  const t = nearestTable(3, 3, (j) => [-1, 1, 5][j]!);
  assert.deepEqual(Array.from(t.index), [0, 1, 2]);
  assert.deepEqual(Array.from(t.weight), [1, 1, 1]);
});

test('triangleTable: shrinking 4 -> 2 by hand (kernel half-width 2 input pixels)', () => {
  // output 0 is centred at input edge coordinate 1; pixel centres 0.5, 1.5, 2.5 are 0.5, 0.5, 1.5 away:
  // tri(0.25) = 0.75, 0.75, tri(0.75) = 0.25; normalised by 1.75
  const t = dense(triangleTable(4, 2));
  const s = 1.75;
  const want = [
    [0.75 / s, 0.75 / s, 0.25 / s, 0],
    [0, 0.25 / s, 0.75 / s, 0.75 / s],
  ];
  for (let j = 0; j < 2; j++) for (let i = 0; i < 4; i++) assert.ok(Math.abs(t[j]![i]! - want[j]![i]!) < 1e-15);
  // enlarging: same as bilinear with half-pixel centres and a replicated border
  const up = dense(triangleTable(2, 4));
  const lin = dense(linearTable(2, 4, (j) => (j + 0.5) * 0.5 - 0.5));
  for (let j = 0; j < 4; j++) for (let i = 0; i < 2; i++) assert.ok(Math.abs(up[j]![i]! - lin[j]![i]!) < 1e-15);
});

test('applyAxis along each axis of a 3D array equals a float64 loop', () => {
  const shape = [3, 4, 5];
  const src = randomFloats(60, 1);
  for (let axis = 0; axis < 3; axis++) {
    const n = shape[axis]!;
    const t = triangleTable(n, 2);
    const d = dense(t);
    const out = applyAxis(src, shape, axis, t, Float64Array);
    const os = shape.slice();
    os[axis] = 2;
    for (let a = 0; a < os[0]!; a++)
      for (let b = 0; b < os[1]!; b++)
        for (let c = 0; c < os[2]!; c++) {
          const o = [a, b, c];
          let want = 0;
          for (let i = 0; i < n; i++) {
            const s = o.slice();
            s[axis] = i;
            want += d[o[axis]!]![i]! * src[(s[0]! * shape[1]! + s[1]!) * shape[2]! + s[2]!]!;
          }
          assert.ok(Math.abs(out[(a * os[1]! + b) * os[2]! + c]! - want) < 1e-9);
        }
  }
});

test('applySeparable: gathers keep integer values exactly; no table copies the data', () => {
  const src = Int32Array.from({ length: 24 }, (_, i) => 2 ** 30 + i);
  const t = nearestTable(4, 3, (j) => 3 - j);
  const { data, shape } = applySeparable(src, [2, 4, 3], [null, t, null], Int32Array);
  assert.deepEqual(shape, [2, 3, 3]);
  assert.ok(data instanceof Int32Array);
  for (let a = 0; a < 2; a++)
    for (let j = 0; j < 3; j++)
      for (let c = 0; c < 3; c++) {
        assert.equal(data[(a * 3 + j) * 3 + c], src[(a * 4 + (3 - j)) * 3 + c]);
      }
  const same = applySeparable(src, [2, 4, 3], [null, null, null], Int32Array);
  assert.notEqual(same.data, src);
  assert.deepEqual(Array.from(same.data), Array.from(src));
});
