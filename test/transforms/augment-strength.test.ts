/**
 * Fine-tuning augmentation strength: `strength` scales the preset's rotation and zoom ranges. Measured on the
 * augmented label of a bar: its orientation (second moments) and area (pixel count), float64 here, never against the
 * transform's own parameters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { segmentationAugment } from '../../src/transforms/augment.js';

const S = 64;

/** a horizontal bar 32 × 6 px in the middle: orientation 0°, area 192 */
function bar(): Float32Array {
  const img = new Float32Array(S * S);
  for (let y = 29; y < 35; y++) for (let x = 16; x < 48; x++) img[y * S + x] = 1;
  return img;
}

/** orientation of the long axis in degrees, (-90, 90], and the area of a binary mask */
function shape(mask: ArrayLike<number>): { angle: number; area: number } {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < S * S; i++)
    if (mask[i]) {
      n++;
      sx += i % S;
      sy += Math.floor(i / S);
    }
  const [cx, cy] = [sx / n, sy / n];
  let [m20, m02, m11] = [0, 0, 0];
  for (let i = 0; i < S * S; i++)
    if (mask[i]) {
      const [dx, dy] = [(i % S) - cx, Math.floor(i / S) - cy];
      m20 += dx * dx;
      m02 += dy * dy;
      m11 += dx * dy;
    }
  return { angle: (0.5 * Math.atan2(2 * m11, m20 - m02) * 180) / Math.PI, area: n };
}

function draws(strength: number | undefined, count: number): { angle: number; area: number }[] {
  const rng = new Rng(5);
  const out = [];
  for (let i = 0; i < count; i++) {
    const b = bar();
    const image = tensor(b, { shape: [1, 1, S, S] });
    const label = tensor(
      BigInt64Array.from(b, (v) => BigInt(v)),
      { shape: [1, S, S] },
    );
    const r = segmentationAugment({ image, label }, rng, { preset: 'pcl', strength });
    out.push(shape(r.label.toArray()));
    for (const t of [image, label, r.image, r.label]) t.dispose();
  }
  return out;
}

test('the reference measures a bar: 0° and 192 px', () => {
  assert.deepEqual(shape(bar()), { angle: 0, area: 192 });
});

test("strength 0.1 keeps PCL's rotation within ±18° and its zoom within 0.97-1.03; strength 1 rotates far", () => {
  const mild = draws(0.1, 40);
  for (const d of mild) {
    assert.ok(Math.abs(d.angle) <= 18 + 3, `rotated ${d.angle.toFixed(1)}° at strength 0.1`);
    // area scales with zoom²: 0.97² to 1.03², with a margin for nearest-neighbour rasterisation of a thin bar
    assert.ok(d.area >= 192 * 0.97 ** 2 * 0.85 && d.area <= 192 * 1.03 ** 2 * 1.15, `area ${d.area} at strength 0.1`);
  }
  assert.ok(
    mild.some((d) => Math.abs(d.angle) > 3),
    'strength 0.1 still rotates',
  );
  const full = draws(undefined, 40);
  assert.ok(full.filter((d) => Math.abs(d.angle) > 45).length >= 5, 'the paper-strength preset rotates beyond 45°');
});

test('a strength outside (0, 1] is refused', () => {
  const image = tensor(bar(), { shape: [1, 1, S, S] });
  const label = tensor(new BigInt64Array(S * S), { shape: [1, S, S] });
  for (const strength of [0, 1.5, Number.NaN])
    assert.throws(() => segmentationAugment({ image, label }, new Rng(1), { preset: 'pcl', strength }), /strength/);
  image.dispose();
  label.dispose();
});
