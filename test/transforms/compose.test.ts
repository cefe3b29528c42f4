import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { Compose, twoViews } from '../../src/transforms/compose.js';
import { RandomAffine } from '../../src/transforms/random-affine.js';
import { RandomFlip } from '../../src/transforms/flip.js';
import { RandomBrightness, RandomGamma } from '../../src/transforms/intensity.js';
import type { Batch, Transform } from '../../src/transforms/batch.js';
import { randomArray } from '../engine/helpers.js';

const N = 4;
const IMG = randomArray(new Rng(1), N * 64, 0, 1);
const LAB = Array.from({ length: N * 64 }, (_, i) => (i % 8 < 4 ? 1 : 2));

function batch(): Batch {
  return { image: tensor(IMG, { shape: [N, 1, 8, 8] }), label: tensor(LAB, { shape: [N, 8, 8], dtype: 'int64' }) };
}

const pipeline = (): Compose =>
  new Compose([
    new RandomBrightness({ range: [-0.1, 0.1] }),
    new RandomGamma({ gamma: [0.8, 1.25] }),
    new RandomAffine({ rotate: 15, translate: 0.1 }),
    new RandomFlip({ swapLabels: [[1, 2]] }),
  ]);

test('Compose applies in order from one Rng: equal to applying the transforms one by one with the same Rng', () => {
  const ts = pipeline();
  tidy(() => {
    const b = batch();
    const composed = ts.apply(b, new Rng(9));
    const rng = new Rng(9);
    let manual = b;
    for (const t of ts.transforms) manual = t.apply(manual, rng);
    assert.deepEqual(composed.image.toArray(), manual.image.toArray());
    assert.deepEqual(composed.label!.toArray(), manual.label!.toArray());
    // and the order matters: brightness after gamma gives another result
    const swapped = new Compose([ts.transforms[1]!, ts.transforms[0]!]).apply(b, new Rng(9));
    const inOrder = new Compose([ts.transforms[0]!, ts.transforms[1]!]).apply(b, new Rng(9));
    assert.notDeepEqual(swapped.image.toArray(), inOrder.image.toArray());
  });
});

test('Compose: reproducible from one seed, different for another; intermediates freed, input alive', () => {
  const b = batch();
  const live = liveTensors();
  const a1 = pipeline().apply(b, new Rng(3));
  assert.equal(liveTensors() - live, 2, 'only the output image and label stay alive');
  const a2 = pipeline().apply(b, new Rng(3));
  const a3 = pipeline().apply(b, new Rng(4));
  assert.deepEqual(a1.image.toArray(), a2.image.toArray());
  assert.deepEqual(a1.label!.toArray(), a2.label!.toArray());
  assert.notDeepEqual(a1.image.toArray(), a3.image.toArray());
  assert.deepEqual(b.image.toArray(), IMG, 'input unchanged');
  for (const x of [a1, a2, a3, b]) for (const t of [x.image, x.label] as Tensor[]) t.dispose();
  // an empty pipeline copies
  tidy(() => {
    const c = new Compose([]).apply(batch(), new Rng(0));
    assert.deepEqual(c.image.toArray(), IMG);
  });
});

test('twoViews: 2N views, stacked (v*N + i) or interleaved (2i + v); view 1 then view 2 from the same Rng', () => {
  const ts = pipeline();
  tidy(() => {
    const b = batch();
    const stacked = twoViews(b, ts, new Rng(5));
    assert.deepEqual(stacked.image.shape, [2 * N, 1, 8, 8]);
    assert.deepEqual(stacked.label!.shape, [2 * N, 8, 8]);
    const rng = new Rng(5);
    const v1 = ts.apply(b, rng).image.toArray();
    const v2 = ts.apply(b, rng).image.toArray();
    const s = stacked.image.toArray();
    for (let i = 0; i < N; i++) {
      assert.deepEqual(s.slice(i * 64, (i + 1) * 64), v1.slice(i * 64, (i + 1) * 64), `view 0 of sample ${i}`);
      assert.deepEqual(
        s.slice((N + i) * 64, (N + i + 1) * 64),
        v2.slice(i * 64, (i + 1) * 64),
        `view 1 of sample ${i}`,
      );
    }
    assert.notDeepEqual(v1, v2, 'the two views differ');
    const inter = twoViews(b, ts, new Rng(5), { layout: 'interleaved' }).image.toArray();
    for (let i = 0; i < N; i++) {
      assert.deepEqual(inter.slice(2 * i * 64, (2 * i + 1) * 64), v1.slice(i * 64, (i + 1) * 64));
      assert.deepEqual(inter.slice((2 * i + 1) * 64, (2 * i + 2) * 64), v2.slice(i * 64, (i + 1) * 64));
    }
  });
});

test('twoViews with an asymmetric pair, and validation', () => {
  const identity: Transform = new Compose([]);
  const bright = new RandomBrightness({ range: [1, 1] });
  tidy(() => {
    const out = twoViews(
      { image: tensor(IMG, { shape: [N, 1, 8, 8] }) },
      [identity, bright],
      new Rng(0),
    ).image.toArray();
    assert.deepEqual(out.slice(0, N * 64), IMG);
    assert.ok(out.slice(N * 64).every((v, k) => Math.abs(v - (IMG[k]! + 1)) < 1e-6));
    assert.equal(twoViews({ image: tensor(IMG, { shape: [N, 1, 8, 8] }) }, identity, new Rng(0)).label, undefined);
  });
  assert.throws(() => new Compose([{} as Transform]), /Compose: transforms\[0\] is not a transform/);
  assert.throws(() => twoViews(batch(), identity, new Rng(0), { layout: 'grid' as 'stacked' }), /twoViews: layout/);
});
