import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { overlayPng, overlayRgb } from '../../src/report/overlay.js';

const H = 8;
const W = 10;
// grey ramp over x: value x / 9 * 4 - 2 (in [-2, 2]); grey level round(255 * x / 9)
const image = { data: Float32Array.from({ length: H * W }, (_, i) => ((i % W) / 9) * 4 - 2), shape: [H, W] };
const square = (y0: number, y1: number, x0: number, x1: number, c: number) =>
  Int32Array.from({ length: H * W }, (_, i) => {
    const y = Math.floor(i / W);
    const x = i % W;
    return y >= y0 && y <= y1 && x >= x0 && x <= x1 ? c : 0;
  });
const reference = square(1, 5, 2, 6, 1);
const prediction = square(3, 6, 4, 8, 2);
const BLUE = [31, 119, 180]; // class 1
const ORANGE = [255, 127, 14]; // class 2

/** independent reference: grey, prediction fill blended with alpha, reference outline (brute-force neighbours) */
function expected(alpha: number): Uint8Array {
  const out = new Uint8Array(H * W * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = 3 * (y * W + x);
      let rgb = [0, 1, 2].map(() => Math.round((255 * x) / 9));
      if (prediction[y * W + x] === 2) rgb = rgb.map((g, k) => Math.round((1 - alpha) * g + alpha * ORANGE[k]!));
      const inRef = (yy: number, xx: number) => yy >= 1 && yy <= 5 && xx >= 2 && xx <= 6;
      const onEdge = inRef(y, x) && (!inRef(y - 1, x) || !inRef(y + 1, x) || !inRef(y, x - 1) || !inRef(y, x + 1));
      if (onEdge) rgb = BLUE.slice();
      out.set(rgb, o);
    }
  }
  return out;
}

test('overlayRgb: grey window, prediction fill blended, reference contour on top', () => {
  for (const alpha of [0.4, 0.7]) {
    const rgb = overlayRgb(image, { reference, prediction, alpha });
    assert.equal(rgb.width, W);
    assert.equal(rgb.height, H);
    assert.deepEqual(Array.from(rgb.data), Array.from(expected(alpha)), `alpha ${alpha}`);
  }
});

test('overlayRgb: explicit window clamps; styles and colours are options', () => {
  const rgb = overlayRgb(image, { window: [-1, 1] });
  for (let x = 0; x < W; x++) {
    const v = image.data[x]!; // the stored float32 value
    const g = Math.round(255 * Math.min(1, Math.max(0, (v + 1) / 2)));
    assert.equal(rgb.data[3 * x], g, `x ${x}`);
  }
  // reference filled in a custom colour, alpha 1: exactly the colour inside
  const f = overlayRgb(image, { reference, referenceStyle: 'fill', alpha: 1, colours: { 1: [1, 2, 3] } });
  assert.deepEqual(Array.from(f.data.subarray(3 * (3 * W + 4), 3 * (3 * W + 4) + 3)), [1, 2, 3]);
  assert.deepEqual(Array.from(f.data.subarray(0, 3)), [0, 0, 0]);
  // 'none' draws nothing
  const none = overlayRgb(image, { reference, prediction, referenceStyle: 'none', predictionStyle: 'none' });
  assert.deepEqual(none.data, overlayRgb(image, {}).data);
});

test('overlayPng: decodes to the scaled size; contours stay one pixel thin when upscaled', async () => {
  const png = await overlayPng(image, { reference, scale: 3 });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.width, 3 * W);
  assert.equal(info.height, 3 * H);
  assert.equal(info.channels, 3);
  const px = (y: number, x: number) =>
    Array.from(data.subarray(3 * (y * info.width + x), 3 * (y * info.width + x) + 3));
  // the reference square covers output rows 3..17, cols 6..20: its outline is blue, one pixel inside is grey
  assert.deepEqual(px(3, 10), BLUE);
  assert.deepEqual(px(10, 6), BLUE);
  assert.deepEqual(px(17, 20), BLUE);
  const inside = px(4, 10);
  assert.equal(inside[0], inside[1]);
  assert.equal(inside[1], inside[2]);
  assert.equal(inside[0], Math.round((255 * Math.floor(10 / 3)) / 9));
  // matches overlayRgb exactly (lossless)
  assert.deepEqual(new Uint8Array(data), overlayRgb(image, { reference, scale: 3 }).data);
});

test('overlay: bad input is refused', () => {
  assert.throws(() => overlayRgb({ data: new Float32Array(6), shape: [2, 3, 1] }), /2D/);
  assert.throws(() => overlayRgb({ data: new Float32Array(5), shape: [2, 3] }), /5 values for 2×3/);
  assert.throws(() => overlayRgb(image, { reference: new Int32Array(3) }), /reference has 3 values/);
  const bad = Float32Array.from(reference);
  bad[5] = 0.5;
  assert.throws(() => overlayRgb(image, { prediction: bad }), /prediction\[5\] = 0.5 is not a label/);
  const nan = Float32Array.from(image.data);
  nan[7] = NaN;
  assert.throws(() => overlayRgb({ data: nan, shape: [H, W] }), /image value 7 is not finite/);
  assert.throws(() => overlayRgb(image, { scale: 1.5 }), /scale/);
});
