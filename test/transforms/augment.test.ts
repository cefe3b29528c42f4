/**
 * Pre-training views keep left and right apart where the paper says so: PCL's augmentation (translation, rotation,
 * scale) preserves the handedness of a shape, the reference code's pipeline ('pcl-reference', with mirror flips) does
 * not. Handedness is measured by the sign of Hu's seventh moment invariant (float64, computed here): invariant to
 * translation, rotation and scale, negated by a mirror image.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { contrastiveViews, type AugmentPreset } from '../../src/transforms/augment.js';

const S = 48;

/** an "F"-like shape in the middle of the image: strongly chiral */
function chiralImage(): Float32Array {
  const img = new Float32Array(S * S);
  const on = (y0: number, y1: number, x0: number, x1: number): void => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) img[y * S + x] = 1;
  };
  on(16, 32, 18, 21); // stem
  on(16, 19, 21, 30); // top bar
  on(22, 25, 21, 27); // middle bar
  return img;
}

/** Hu's seventh invariant of an image's intensity distribution */
function hu7(img: ArrayLike<number>): number {
  let m00 = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++) {
      const v = img[y * S + x]!;
      m00 += v;
      mx += v * x;
      my += v * y;
    }
  const cx = mx / m00;
  const cy = my / m00;
  const mu = (p: number, q: number): number => {
    let s = 0;
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) s += img[y * S + x]! * (x - cx) ** p * (y - cy) ** q;
    return s / m00 ** (1 + (p + q) / 2);
  };
  const [n30, n21, n12, n03] = [mu(3, 0), mu(2, 1), mu(1, 2), mu(0, 3)];
  const a = n30 + n12;
  const b = n21 + n03;
  return (3 * n21 - n03) * a * (a * a - 3 * b * b) - (n30 - 3 * n12) * b * (3 * a * a - b * b);
}

/** the shape of a view: 1 above the midpoint of its range (intensity changes move the background off 0) */
function binary(img: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of img) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return img.map((v) => (v > (lo + hi) / 2 ? 1 : 0));
}

/** `measure` of each of `draws` one-view augmentations of the chiral image, drawn from one seeded stream */
function measureViews<T>(preset: AugmentPreset, draws: number, seed: number, measure: (v: Float32Array) => T): T[] {
  const rng = new Rng(seed);
  return Array.from({ length: draws }, () => {
    const [v] = contrastiveViews(tensor(chiralImage(), { shape: [1, 1, S, S] }), rng, preset, 1);
    const m = measure(v!.toFloat32Array());
    v!.dispose();
    return m;
  });
}

const signs = (preset: AugmentPreset, draws: number): number[] =>
  measureViews(preset, draws, 11, (v) => Math.sign(hu7(binary(v))));

test('the mirror image negates the handedness measure (the reference itself)', () => {
  const img = chiralImage();
  const mirror = new Float32Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) mirror[y * S + x] = img[y * S + (S - 1 - x)]!;
  assert.ok(Math.abs(hu7(img)) > 1e-6);
  assert.equal(Math.sign(hu7(mirror)), -Math.sign(hu7(img)));
});

test("PCL's pre-training views keep handedness; the reference code's flips reverse it in about half", () => {
  const original = Math.sign(hu7(chiralImage()));
  const pcl = signs('pcl', 40);
  assert.deepEqual(
    pcl,
    pcl.map(() => original),
    'rotation, scale and translation never mirror',
  );
  const ref = signs('pcl-reference', 40);
  const reversed = ref.filter((s) => s === -original).length;
  // one flip of the two (p = 0.5 each) mirrors: P = 0.5; 40 draws
  assert.ok(reversed >= 8 && reversed <= 32, `${reversed} of 40 reversed`);
});

/** a view's brightest pixel: the shape's intensity after the view's distortions (a pixel inside it survives resampling) */
function top(img: Float32Array): number {
  return img.reduce((a, b) => Math.max(a, b), -Infinity);
}

const tops = (preset: AugmentPreset, draws: number): number[] => measureViews(preset, draws, 5, top);

test("'pcl-intensity' adds strong intensity distortion to PCL's views and still never mirrors", () => {
  const original = Math.sign(hu7(chiralImage()));
  const int = signs('pcl-intensity', 40);
  assert.deepEqual(
    int,
    int.map(() => original),
    'no flips: the shape keeps its handedness under any intensity change',
  );
  // 'pcl' moves and resamples the shape but keeps its intensity: a pixel inside the 3-px bars stays near 1
  for (const t of tops('pcl', 20)) assert.ok(t > 0.95 && t <= 1 + 1e-6, `pcl: ${t}`);
  // contrast and brightness x U(0.6, 1.4) each, gamma U(1, 1.4) on [0, 1]: the bright pixels spread widely
  const t = tops('pcl-intensity', 40);
  const spread = Math.max(...t) - Math.min(...t);
  assert.ok(spread > 0.4, `pcl-intensity: the shape's intensity spans only ${spread.toFixed(3)}`);
  assert.ok(Math.min(...t) < 0.85, `pcl-intensity never darkens the shape (min ${Math.min(...t).toFixed(3)})`);
});
