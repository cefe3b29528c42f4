import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameWords, sideOf, suspectedLeftRightPairs, undeclaredLeftRightPairs } from '../../src/data/left-right.js';

const pairsOf = (classes: string[]) => suspectedLeftRightPairs(classes).map((p) => [p.left, p.right]);

test('nameWords splits at separators and case changes', () => {
  assert.deepEqual(nameWords('LeftLung'), ['left', 'lung']);
  assert.deepEqual(nameWords('kidneyL'), ['kidney', 'l']);
  assert.deepEqual(nameWords('Kidney-R'), ['kidney', 'r']);
  assert.deepEqual(nameWords('  Left  Lung '), ['left', 'lung']);
  assert.deepEqual(nameWords('LUNG_L'), ['lung', 'l']);
});

test('suspectedLeftRightPairs: the spellings in use', () => {
  assert.deepEqual(pairsOf(['background', 'left_kidney', 'right_kidney']), [[1, 2]]);
  assert.deepEqual(pairsOf(['background', 'lung_r', 'lung_l']), [[2, 1]]);
  assert.deepEqual(pairsOf(['background', 'Left Lung', 'Right Lung', 'Heart']), [[1, 2]]);
  assert.deepEqual(pairsOf(['bg', 'LeftLung', 'RightLung']), [[1, 2]]);
  assert.deepEqual(pairsOf(['bg', 'Kidney-L', 'Kidney-R', 'liver']), [[1, 2]]);
  assert.deepEqual(pairsOf(['bg', 'kidneyL', 'kidneyR']), [[1, 2]]);
  assert.deepEqual(pairsOf(['bg', 'lt adrenal gland', 'rt adrenal gland']), [[1, 2]]);
  // several structures
  assert.deepEqual(pairsOf(['bg', 'liver', 'kidney_left', 'kidney_right', 'lung_left', 'lung_right']), [
    [2, 3],
    [4, 5],
  ]);
});

test('suspectedLeftRightPairs: no pair without a side, without a partner, or with different stems', () => {
  assert.deepEqual(pairsOf(['background', 'liver', 'spleen', 'heart', 'aorta']), []);
  assert.deepEqual(pairsOf(['background', 'left_ventricle', 'right_atrium', 'myocardium']), []);
  assert.deepEqual(pairsOf(['background', 'left_kidney']), []);
  assert.deepEqual(pairsOf(['background', 'L5 vertebra', 'lumbar', 'lower lobe', 'upper lobe']), []);
  // a name with two side words is not sided
  assert.equal(sideOf('left right lung'), null);
  assert.equal(sideOf('left'), null);
});

test('undeclaredLeftRightPairs: declared pairs (either order) are not reported', () => {
  const classes = ['bg', 'left_lung', 'right_lung', 'left_kidney', 'right_kidney'];
  assert.deepEqual(
    undeclaredLeftRightPairs(classes, []).map((p) => [p.leftName, p.rightName]),
    [
      ['left_lung', 'right_lung'],
      ['left_kidney', 'right_kidney'],
    ],
  );
  assert.deepEqual(
    undeclaredLeftRightPairs(classes, [[2, 1]]).map((p) => p.leftName),
    ['left_kidney'],
  );
  assert.deepEqual(
    undeclaredLeftRightPairs(classes, [
      [1, 2],
      [3, 4],
    ]),
    [],
  );
});
