import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { RandomElastic } from '../../src/transforms/elastic.js';
import { assertClose, randomArray } from '../engine/helpers.js';
import { sampleRef } from './reference.js';

test('elastic with zero amplitude is the identity (image to float precision, label exactly), 2D and 3D', () => {
  for (const spatial of [
    [9, 11],
    [4, 6, 5],
  ]) {
    const plane = spatial.reduce((a, b) => a * b, 1);
    const rng = new Rng(1);
    const img = randomArray(rng, 2 * plane);
    const lab = Array.from({ length: 2 * plane }, () => rng.int(0, 5));
    for (const alignCorners of [false, true]) {
      tidy(() => {
        const out = new RandomElastic({ magnitude: [0, 0], alignCorners }).apply(
          {
            image: tensor(img, { shape: [2, 1, ...spatial] }),
            label: tensor(lab, { shape: [2, ...spatial], dtype: 'int64' }),
          },
          new Rng(2),
        );
        assertClose(out.image.toArray(), img, { atol: 1e-5, msg: `[${spatial.join(',')}] align ${alignCorners}` });
        assert.deepEqual(out.label!.toArray(), lab);
      });
    }
  }
});

test('elastic: smooth displacement, labels keep their values, bilinear image consistent with the nearest label', () => {
  // an image equal to its x coordinate (column index) lets us read the displacement back: out(q) = x-position read
  const H = 24;
  const W = 32;
  const img = Array.from({ length: H * W }, (_, i) => i % W);
  const lab = Array.from({ length: H * W }, (_, i) => (i % W < 16 ? 1 : 2));
  const out = tidy(() => {
    const o = new RandomElastic({ magnitude: [2, 2], controlPoints: 4, padding: 'border' }).apply(
      { image: tensor(img, { shape: [1, 1, H, W] }), label: tensor(lab, { shape: [1, H, W], dtype: 'int64' }) },
      new Rng(5),
    );
    return { image: o.image.toArray(), label: o.label!.toArray() };
  });
  const dx = out.image.map((v, i) => v - (i % W));
  const maxDx = Math.max(...dx.map(Math.abs));
  assert.ok(maxDx > 0.5, `the field moves pixels (max |dx| ${maxDx})`);
  assert.ok(maxDx < 12, `bounded displacement (max |dx| ${maxDx})`);
  // smooth: neighbouring displacements differ much less than the displacement itself
  let maxStep = 0;
  for (let r = 0; r < H; r++)
    for (let c = 1; c < W - 1; c++) maxStep = Math.max(maxStep, Math.abs(dx[r * W + c]! - dx[r * W + c - 1]!));
  assert.ok(maxStep < maxDx / 2, `smooth field: max neighbour step ${maxStep} vs max ${maxDx}`);
  assert.ok(out.label.every((v) => v === 1 || v === 2));
  // the label at a pixel is the class of the (rounded) x position the image read there, away from the boundary
  let agree = 0;
  let total = 0;
  for (let i = 0; i < H * W; i++) {
    const x = out.image[i]!;
    if (Math.abs(x - 15.5) < 0.6) continue; // the class boundary lies between columns 15 and 16
    total++;
    if ((x < 15.5 ? 1 : 2) === out.label[i]) agree++;
  }
  assert.ok(agree >= total - 2, `${total - agree} of ${total} label pixels disagree with the image warp`);
});

test('elastic: the image is bilinearly resampled at the field positions (read back from coordinate ramps)', () => {
  // bilinear sampling of a linear ramp is exact, so warping the ramps x and y with the same seed (the same field)
  // gives each output pixel's input position (clamped to the image by the border padding, as the sampler clamps it);
  // the random image must then equal the float64 reference sampler there
  const H = 10;
  const W = 12;
  const img = randomArray(new Rng(8), H * W);
  const ramp = Array.from({ length: H * W }, (_, i) => i % W);
  const t = new RandomElastic({ magnitude: [1.5, 1.5], controlPoints: 3, padding: 'border' });
  const [a, b] = tidy(() => [
    t.apply({ image: tensor(ramp, { shape: [1, 1, H, W] }) }, new Rng(3)).image.toArray(),
    t.apply({ image: tensor(img, { shape: [1, 1, H, W] }) }, new Rng(3)).image.toArray(),
  ]);
  const rampY = Array.from({ length: H * W }, (_, i) => Math.floor(i / W));
  const [ay] = tidy(() => [t.apply({ image: tensor(rampY, { shape: [1, 1, H, W] }) }, new Rng(3)).image.toArray()]);
  const ref = sampleRef(
    { data: Float64Array.from(img), channels: 1, spatial: [H, W] },
    ([r, c]) => [ay[r! * W + c!]!, a[r! * W + c!]!],
    'linear',
    { mode: 'border' },
  );
  assertClose(b, ref, { atol: 1e-4, msg: 'image vs reference at the field positions' });
  assert.ok(
    a.some((x, i) => Math.abs(x - (i % W)) > 0.3),
    'the field is not the identity',
  );
});

test('elastic: deterministic per seed; validation', () => {
  const img = randomArray(new Rng(1), 2 * 64);
  const t = new RandomElastic({ magnitude: [1, 3] });
  const run = (s: number): number[] =>
    tidy(() => t.apply({ image: tensor(img, { shape: [2, 1, 8, 8] }) }, new Rng(s)).image.toArray());
  assert.deepEqual(run(1), run(1));
  assert.notDeepEqual(run(1), run(2));
  assert.throws(() => new RandomElastic({ magnitude: [-1, 1] }), /RandomElastic: magnitude/);
  assert.throws(() => new RandomElastic({ magnitude: [1, 1], controlPoints: 1 }), /RandomElastic: controlPoints/);
  assert.throws(() => new RandomElastic({ magnitude: [1, 1], padding: 'wrap' as 'zeros' }), /RandomElastic: padding/);
});
