/**
 * Voxel/world geometry and the affine point mapping against hand-computed values: T(x) = A(x − c) + c + t with a
 * non-symmetric A, the elastix parameter-object parsing (row-major A then t), index ↔ world with a permuting,
 * flipping direction matrix and anisotropic spacing, and the 3×3 inverse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAffine3, indexToWorld, invert3, worldToIndex } from '../../src/io/geometry.js';
import { affineFromParameterObject, dice } from '../../src/preprocess/registration.js';
import { assertClose } from '../engine/helpers.js';

test('applyAffine3: T(x) = A(x − c) + c + t, row-major A, against a hand computation', () => {
  const t = {
    matrix: [1.1, 0, 0, 0, 0.9, 0.1, 0.2, 0, 1],
    translation: [1, 2, 3] as [number, number, number],
    center: [10, 20, 30] as [number, number, number],
  };
  // x − c = (2, 5, 10); A(x − c) = (2.2, 4.5 + 1, 0.4 + 10) = (2.2, 5.5, 10.4); + c + t = (13.2, 27.5, 43.4)
  assertClose(applyAffine3(t, [12, 25, 40]), [13.2, 27.5, 43.4], { rtol: 0, atol: 1e-12 });
  // the centre moves by t alone
  assertClose(applyAffine3(t, [10, 20, 30]), [11, 22, 33], { rtol: 0, atol: 1e-12 });
});

test('affineFromParameterObject reads elastix maps: 9 matrix entries row-major, then the translation', () => {
  const obj = [
    {
      Transform: ['AffineTransform'],
      TransformParameters: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'],
      CenterOfRotationPoint: ['-1', '0.5', '2'],
    },
  ];
  const a = affineFromParameterObject(obj);
  assert.deepEqual(a.matrix, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(a.translation, [10, 11, 12]);
  assert.deepEqual(a.center, [-1, 0.5, 2]);
  assert.throws(() => affineFromParameterObject([{ ...obj[0], Transform: ['EulerTransform'] }]), /AffineTransform/);
  assert.throws(() => affineFromParameterObject([{ ...obj[0], TransformParameters: ['1'] }]), /12 finite/);
  assert.throws(() => affineFromParameterObject([]), /expected 1/);
});

test('indexToWorld / worldToIndex: origin + D · (s_x i, s_y j, s_z k) with a permuting direction', () => {
  // index axis i (x) points to world -y, j to world +z, k to world +x; spacing (shape order z, y, x) = (3, 2, 0.5)
  const img = {
    shape: [4, 5, 6],
    spacing: [3, 2, 0.5],
    origin: [10, 20, 30],
    direction: [0, 0, 1, -1, 0, 0, 0, 1, 0],
  };
  // (i, j, k) = (2, 1, 3): scaled (1, 2, 9); D·u = (9, -1, 2); + origin = (19, 19, 32)
  assertClose(indexToWorld(img, [2, 1, 3]), [19, 19, 32], { rtol: 0, atol: 1e-12 });
  assertClose(worldToIndex(img, [19, 19, 32]), [2, 1, 3], { rtol: 0, atol: 1e-12 });
  assertClose(worldToIndex(img, indexToWorld(img, [0.25, 4.5, -1])), [0.25, 4.5, -1], { rtol: 0, atol: 1e-12 });
});

test('invert3 and dice against hand values', () => {
  const m = [2, 0, 0, 0, 0, 3, 0, 1, 0];
  assertClose(invert3(m), [0.5, 0, 0, 0, 0, 1, 0, 1 / 3, 0], { rtol: 0, atol: 1e-15 });
  assert.throws(() => invert3([1, 2, 3, 2, 4, 6, 0, 0, 1]), /singular/);
  // |A| = 3, |B| = 2, |A ∩ B| = 1 -> 2/5
  assert.equal(dice([1, 1, 1, 0], [0, 0, 1, 1]), 0.4);
  assert.equal(dice([0, 0], [0, 0]), 1);
});
