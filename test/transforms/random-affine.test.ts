import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autocast, liveTensors, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { RandomAffine, affineTheta, applyAffine, type AffineParams } from '../../src/transforms/random-affine.js';
import { assertClose, randomArray } from '../engine/helpers.js';
import { affineMapRef, sampleRef, type Padding } from './reference.js';

function randomParams(rng: Rng, d: 2 | 3): AffineParams {
  return {
    rotate: Array.from({ length: d === 2 ? 1 : 3 }, () => rng.uniform(-40, 40)),
    translate: Array.from({ length: d }, () => rng.uniform(-0.2, 0.2)),
    scale: Array.from({ length: d }, () => rng.uniform(0.7, 1.3)),
    shear: Array.from({ length: d === 2 ? 2 : 6 }, () => rng.uniform(-0.2, 0.2)),
  };
}

/** a batch of random images (N, C, ...spatial) and random label ids (N, ...spatial) in 0..k-1 */
function randomBatch(rng: Rng, n: number, c: number, spatial: number[], k = 4) {
  const plane = spatial.reduce((a, b) => a * b, 1);
  const img = randomArray(rng, n * c * plane, -1, 1);
  const lab = Array.from({ length: n * plane }, () => rng.int(0, k));
  return { img, lab, plane };
}

function checkAgainstReference(
  spatial: number[],
  opts: { alignCorners?: boolean; padding?: Padding; labelWithChannel?: boolean; seed: number; bf16?: boolean },
): void {
  const rng = new Rng(opts.seed);
  const d = spatial.length as 2 | 3;
  const n = 3;
  const c = 2;
  const { img, lab, plane } = randomBatch(rng, n, c, spatial);
  const params = [randomParams(rng, d), null, randomParams(rng, d)];
  const padding: Padding = opts.padding ?? { mode: 'zeros' };
  tidy(() => {
    const image = tensor(img, { shape: [n, c, ...spatial], dtype: 'float32' });
    const labelShape = opts.labelWithChannel ? [n, 1, ...spatial] : [n, ...spatial];
    const label = tensor(lab, { shape: labelShape, dtype: 'int64' });
    const apply = () =>
      applyAffine({ image, label }, params, {
        alignCorners: opts.alignCorners ?? false,
        padding: padding.mode,
        ...(padding.mode === 'zeros' && padding.value !== undefined ? { paddingValue: padding.value } : {}),
        labelPadding: 'zeros',
      });
    // a bf16-mixed training step runs its augmentation inside the autocast scope
    const out = opts.bf16 ? autocast({ dtype: 'bfloat16' }, apply) : apply();
    assert.deepEqual(out.image.shape, [n, c, ...spatial]);
    assert.deepEqual(out.label!.shape, labelShape);
    assert.equal(out.label!.dtype, 'int64');
    const gotImg = out.image.toArray();
    const gotLab = out.label!.toArray();
    let nearestMismatch = 0;
    for (let i = 0; i < n; i++) {
      const p = params[i];
      const map = p ? affineMapRef(p, spatial) : (q: number[]) => q;
      const vol = { data: Float64Array.from(img.slice(i * c * plane, (i + 1) * c * plane)), channels: c, spatial };
      const refImg = sampleRef(vol, map, 'linear', padding);
      assertClose(gotImg.slice(i * c * plane, (i + 1) * c * plane), refImg, {
        atol: 2e-4,
        rtol: 1e-4,
        msg: `sample ${i} image`,
      });
      const lvol = { data: Float64Array.from(lab.slice(i * plane, (i + 1) * plane)), channels: 1, spatial };
      const refLab = sampleRef(lvol, map, 'nearest', { mode: 'zeros' });
      for (let k = 0; k < plane; k++) if (gotLab[i * plane + k] !== refLab[k]) nearestMismatch++;
      if (!p) {
        // an unselected sample is bit-identical
        assert.deepEqual(
          gotImg.slice(i * c * plane, (i + 1) * c * plane),
          img.slice(i * c * plane, (i + 1) * c * plane),
        );
      }
    }
    // float32 grid coordinates can only flip a nearest choice within ~1e-5 px of a half-pixel boundary
    assert.ok(nearestMismatch <= 1, `${nearestMismatch} label pixels differ from the nearest-neighbour reference`);
  });
}

test('2D affine matches the float64 reference sampler (bilinear image, nearest label), non-square', () => {
  checkAgainstReference([9, 13], { seed: 1 });
  checkAgainstReference([12, 7], { seed: 2, labelWithChannel: true });
});

test('under bf16 autocast (a bf16-mixed step) the affine grid is still float32: same float64 reference', () => {
  // affine_grid multiplies by theta with bmm, which autocast would run in bfloat16 (grid off by up to ~5e-3, about
  // 0.65 px at 256 px); the image then misses the reference by far more than the float32 tolerance
  checkAgainstReference([48, 40], { seed: 5, bf16: true });
  checkAgainstReference([10, 12, 9], { seed: 6, bf16: true });
});

test('2D affine with alignCorners true, border padding and a zeros fill value', () => {
  checkAgainstReference([10, 11], { seed: 3, alignCorners: true });
  checkAgainstReference([10, 11], { seed: 4, padding: { mode: 'border' } });
  checkAgainstReference([8, 9], { seed: 5, padding: { mode: 'zeros', value: -0.75 } });
});

test('3D affine matches the float64 trilinear / nearest reference', () => {
  checkAgainstReference([5, 7, 6], { seed: 6 });
  checkAgainstReference([6, 5, 7], { seed: 7, alignCorners: true, padding: { mode: 'border' } });
});

test('rotation by exactly 90° moves known pixels where expected (clockwise on screen)', () => {
  // 5×5, one bright pixel right of the centre at (row 2, col 4); +90° turns +x towards +y (down): it lands at
  // (row 4, col 2); a label pixel above the centre (row 0, col 2) lands right of it (row 2, col 4)
  const img = new Float32Array(25);
  img[2 * 5 + 4] = 1;
  img[1 * 5 + 3] = 0.5; // (row 1, col 3): centred (x 1, y -1) -> (x 1, y 1): row 3, col 3
  const lab = new BigInt64Array(25);
  lab[0 * 5 + 2] = 3n;
  tidy(() => {
    const out = applyAffine({ image: tensor(img, { shape: [1, 1, 5, 5] }), label: tensor(lab, { shape: [1, 5, 5] }) }, [
      { rotate: [90], translate: [0, 0], scale: [1, 1], shear: [0, 0] },
    ]);
    const o = out.image.toArray();
    const expected = new Array<number>(25).fill(0);
    expected[4 * 5 + 2] = 1;
    expected[3 * 5 + 3] = 0.5;
    assertClose(o, expected, { atol: 1e-5 });
    const l = out.label!.toArray();
    const le = new Array<number>(25).fill(0);
    le[2 * 5 + 4] = 3;
    assert.deepEqual(l, le);
  });
  // 3D: 90° around z is the same in-plane rotation on every slice; 90° around x turns +y towards +z
  const vol = new Float32Array(27);
  vol[1 * 9 + 2 * 3 + 1] = 1; // (z 1, y 2, x 1): centred (0, 1, 0)
  tidy(() => {
    const out = applyAffine({ image: tensor(vol, { shape: [1, 1, 3, 3, 3] }) }, [
      { rotate: [90, 0, 0], translate: [0, 0, 0], scale: [1, 1, 1], shear: [0, 0, 0, 0, 0, 0] },
    ]);
    const o = out.image.toArray();
    const expected = new Array<number>(27).fill(0);
    expected[2 * 9 + 1 * 3 + 1] = 1; // centred (x 0, y 0, z 1)
    assertClose(o, expected, { atol: 1e-5 });
  });
});

test('translation by a fraction of the size and scale about the centre', () => {
  // a shift of 0.25 · 8 = 2 columns to the right
  const img = Float32Array.from({ length: 8 * 8 }, (_, i) => (i % 8) + 10 * Math.floor(i / 8));
  tidy(() => {
    const out = applyAffine({ image: tensor(img, { shape: [1, 1, 8, 8] }) }, [
      { rotate: [0], translate: [0.25, 0], scale: [1, 1], shear: [0, 0] },
    ]);
    const o = out.image.toArray();
    for (let r = 0; r < 8; r++)
      for (let c = 0; c < 8; c++) {
        const want = c >= 2 ? img[r * 8 + c - 2]! : 0;
        assert.ok(Math.abs(o[r * 8 + c]! - want) < 1e-4, `(${r}, ${c}): ${o[r * 8 + c]} vs ${want}`);
      }
  });
  // scale 2 (zoom in): the output pixel at centred x reads the input at x / 2; the centre stays
  const theta = affineTheta({ rotate: [0], translate: [0, 0], scale: [2, 2], shear: [0, 0] }, [8, 8]);
  assertClose(theta, [0.5, 0, 0, 0, 0.5, 0], { atol: 1e-12 });
});

test('RandomAffine: labels keep only values present before, dtype kept; same seed same output; other seed differs', () => {
  const rng0 = new Rng(11);
  const spatial = [16, 16];
  const { img, lab } = randomBatch(rng0, 4, 1, spatial, 3);
  const labU8 = Uint8Array.from(lab, (v) => (v === 2 ? 7 : v)); // values {0, 1, 7}
  const t = new RandomAffine({ rotate: 30, translate: 0.1, scale: [0.8, 1.2], shear: [-0.1, 0.1] });
  const run = (seed: number): { image: number[]; label: number[] } =>
    tidy(() => {
      const out = t.apply(
        {
          image: tensor(img, { shape: [4, 1, ...spatial] }),
          label: tensor(labU8, { shape: [4, ...spatial] }),
        },
        new Rng(seed),
      );
      assert.equal(out.label!.dtype, 'uint8');
      return { image: out.image.toArray(), label: out.label!.toArray() };
    });
  const a = run(5);
  const b = run(5);
  const c = run(6);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.image, c.image);
  for (const v of new Set([...a.label, ...c.label])) assert.ok([0, 1, 7].includes(v), `label value ${v} appeared`);
});

test('RandomAffine: p = 0 copies, p gives the expected fraction; the input stays alive and unchanged', () => {
  const image = tensor(randomArray(new Rng(1), 64 * 36), { shape: [64, 1, 6, 6] });
  const before = image.toArray();
  const none = new RandomAffine({ p: 0, rotate: 45 }).apply({ image }, new Rng(1));
  assert.deepEqual(none.image.toArray(), before);
  assert.ok(!none.image.sameData(image), 'a new tensor, not the input');
  const half = new RandomAffine({ p: 0.5, rotate: [20, 40] }).apply({ image }, new Rng(2));
  const o = half.image.toArray();
  let changed = 0;
  for (let i = 0; i < 64; i++) {
    const same = o.slice(i * 36, (i + 1) * 36).every((v, k) => v === before[i * 36 + k]);
    if (!same) changed++;
  }
  assert.ok(changed > 16 && changed < 48, `${changed} of 64 samples transformed with p 0.5`);
  assert.deepEqual(image.toArray(), before);
  none.image.dispose();
  half.image.dispose();
  image.dispose();
});

test('RandomAffine: only the outputs stay alive', () => {
  const image = tensor(randomArray(new Rng(3), 2 * 64), { shape: [2, 1, 8, 8] });
  const label = tensor(new BigInt64Array(2 * 64), { shape: [2, 8, 8] });
  const live = liveTensors();
  const out = new RandomAffine({ rotate: 10, p: 0.5 }).apply({ image, label }, new Rng(4));
  assert.equal(liveTensors() - live, 2);
  for (const t of [out.image, out.label!, image, label] as Tensor[]) t.dispose();
});

test('RandomAffine: validation names the field', () => {
  assert.throws(() => new RandomAffine({ p: 2 }), /RandomAffine: p/);
  assert.throws(() => new RandomAffine({ scale: [0, 1] }), /RandomAffine: scale/);
  assert.throws(() => new RandomAffine({ rotate: [10, -10] }), /RandomAffine: rotate/);
  assert.throws(() => new RandomAffine({ translate: -0.1 }), /RandomAffine: translate/);
  assert.throws(() => new RandomAffine({ padding: 'wrap' as 'zeros' }), /RandomAffine: padding/);
  const image = tensor(new Float32Array(16), { shape: [1, 1, 4, 4] });
  const t3 = new RandomAffine({
    rotate: [
      [0, 1],
      [0, 1],
      [0, 1],
    ],
  });
  assert.throws(() => t3.apply({ image }, new Rng(0)), /three per-axis ranges are for 3D/);
  assert.throws(
    () => t3.apply({ image: tensor(new Int32Array(16), { shape: [1, 1, 4, 4] }) }, new Rng(0)),
    /batch.image: expected a floating dtype/,
  );
  assert.throws(
    () => t3.apply({ image, label: tensor(new Int32Array(12), { shape: [1, 3, 4] }) }, new Rng(0)),
    /batch.label: shape \[1, 3, 4\] does not match/,
  );
  assert.throws(
    () => applyAffine({ image }, [{ rotate: [0], translate: [0, 0], scale: [1, 1], shear: [1, 1] }]),
    /singular/,
  );
  image.dispose();
});
