/** Scoring a dense prediction: Dice with a reference's lesion voxels (brute count here) and the paper's patch rule. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lesionDice, patchDetection } from '../../../src/eval/dense/index.js';
import { Rng } from '../../../src/util/rng.js';
import { predictLesion } from './fixtures.js';

test("lesionDice: 2|A∩B| / (|A| + |B|) over the reference's lesion labels, both empty = 1", () => {
  const rng = new Rng(4);
  const shape = [3, 4, 5];
  const n = 60;
  const geo = { shape, spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  const labels = Uint8Array.from({ length: n }, () => rng.int(0, 5));
  const mask = Uint8Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
  const predicted = mask.reduce((s, v) => s + v, 0);
  for (const lesionLabels of [[3], [3, 4]]) {
    let ref = 0;
    let both = 0;
    for (let q = 0; q < n; q++) {
      const isLesion = lesionLabels.includes(labels[q]!);
      if (isLesion) ref++;
      if (isLesion && mask[q]) both++;
    }
    const got = lesionDice(mask, predicted, { ...geo, data: labels }, lesionLabels);
    assert.equal(got.referenceVoxels, ref);
    assert.ok(Math.abs(got.dice - (2 * both) / (ref + predicted)) < 1e-15);
  }
  const empty = lesionDice(new Uint8Array(n), 0, { ...geo, data: new Uint8Array(n) }, [3]);
  assert.deepEqual(empty, { referenceVoxels: 0, dice: 1 });
});

test("patchDetection: positive when >= 25 % of the patch's voxels have P > 0.5", () => {
  const { r } = predictLesion();
  // the paper's patch rule: positive when >= 25 % of the patch's voxels have P > 0.5
  const atLesion = patchDetection(r.probability, [11, 8, 6], 4);
  assert.ok(atLesion.positive && atLesion.fraction > 0.25, `${atLesion.fraction}`);
  assert.equal(patchDetection(r.probability, [4, 5, 4], 4).positive, false);
});
