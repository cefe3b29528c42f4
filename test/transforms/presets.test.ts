import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { clTciAugment, drasClrAugment, pclAugment, polyclAugment } from '../../src/transforms/presets.js';
import { twoViews } from '../../src/transforms/compose.js';
import { randomArray } from '../engine/helpers.js';

function labelSet(values: number[]): Set<number> {
  return new Set(values);
}

test('CL-TCI preset: fine-tuning keeps the label set {0,1,2}, finite images; pre-training makes two views', () => {
  const n = 4;
  const rng = new Rng(1);
  const img = randomArray(rng, n * 32 * 32, 0, 1);
  // left lung (1) in columns 4-13, right lung (2) in columns 18-27
  const lab = Array.from({ length: n * 32 * 32 }, (_, i) => {
    const c = i % 32;
    return c >= 4 && c < 14 ? 1 : c >= 18 && c < 28 ? 2 : 0;
  });
  tidy(() => {
    const image = tensor(img, { shape: [n, 1, 32, 32] });
    const label = tensor(lab, { shape: [n, 32, 32], dtype: 'int64' });
    const out = clTciAugment({ stage: 'finetune', leftRightPairs: [[1, 2]] }).apply({ image, label }, new Rng(2));
    const l = out.label!.toArray();
    for (const v of labelSet(l)) assert.ok([0, 1, 2].includes(v), `label value ${v}`);
    assert.ok(out.image.toArray().every(Number.isFinite));
    // the lungs stay on their side: with rotation ≤ 30° and shift ≤ 10%, class 1 pixels stay mostly in the left half
    // (flipped samples swap ids, so the left half still holds class 1)
    let left1 = 0;
    let right1 = 0;
    l.forEach((v, i) => {
      if (v !== 1) return;
      if (i % 32 < 16) left1++;
      else right1++;
    });
    assert.ok(left1 > 5 * right1, `class 1: ${left1} left vs ${right1} right`);
    const views = twoViews({ image }, clTciAugment(), new Rng(3));
    assert.deepEqual(views.image.shape, [2 * n, 1, 32, 32]);
  });
});

test('PCL preset (with elastic) and PolyCL identity preset on 2D; DrasCLR preset on 3D patches', () => {
  tidy(() => {
    const img = randomArray(new Rng(4), 3 * 24 * 24, -1, 1);
    const lab = Array.from({ length: 3 * 24 * 24 }, (_, i) => i % 5);
    const image = tensor(img, { shape: [3, 1, 24, 24] });
    const label = tensor(lab, { shape: [3, 24, 24], dtype: 'int64' });
    const pcl = pclAugment({ elastic: true, background: -1 }).apply({ image, label }, new Rng(5));
    for (const v of labelSet(pcl.label!.toArray())) assert.ok(v >= 0 && v < 5);
    assert.ok(pcl.image.toArray().every(Number.isFinite));
    const poly = polyclAugment().apply({ image, label }, new Rng(6));
    assert.deepEqual(poly.image.toArray(), image.toArray());
    const patch = tensor(randomArray(new Rng(7), 2 * 8 * 8 * 8, -1, 1), { shape: [2, 1, 8, 8, 8] });
    const dr = twoViews({ image: patch }, drasClrAugment(), new Rng(8));
    assert.deepEqual(dr.image.shape, [4, 1, 8, 8, 8]);
    assert.ok(dr.image.toArray().every(Number.isFinite));
    // border padding and min-max gamma keep values inside the input range (noise aside): check a noise-free copy
    const noNoise = drasClrAugment({ noiseStd: [0, 0] })
      .apply({ image: patch }, new Rng(9))
      .image.toArray();
    assert.ok(noNoise.every((v) => v >= -1 - 1e-5 && v <= 1 + 1e-5));
  });
});
