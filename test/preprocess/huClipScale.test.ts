import { test } from 'node:test';
import assert from 'node:assert/strict';
import { huClipScale } from '../../src/preprocess/huClipScale.js';
import { makeImage } from './fixtures.js';

test('[-1024, 240] HU -> [-1, 1] on hand-picked values', () => {
  const hu = Int16Array.from([-3024, -1024, -708, -392, -76, 240, 1000]);
  const out = huClipScale(makeImage(hu, [7]));
  assert.ok(out.data instanceof Float32Array);
  // 2 * (x + 1024) / 1264 - 1: -708 -> -0.5, -392 -> 0, -76 -> 0.5
  const want = [-1, -1, -0.5, 0, 0.5, 1, 1];
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(out.data[i]! - want[i]!) < 1e-7, `HU ${hu[i]}`);
});

test('agrees with a float64 loop on random HU, custom range', () => {
  const n = 1000;
  const hu = Float32Array.from({ length: n }, (_, i) => -2000 + (i * 4000) / n);
  const out = huClipScale(makeImage(hu, [10, 10, 10], { spacing: [1, 1, 1] }), { min: -1000, max: 400 });
  for (let i = 0; i < n; i++) {
    const c = Math.min(Math.max(hu[i]!, -1000), 400);
    assert.ok(Math.abs(out.data[i]! - ((c + 1000) / 1400) * 2 + 1) < 1e-6);
  }
});

test('invalid options are rejected naming the parameter and the source', () => {
  const img = makeImage(new Int16Array(4), [4], { source: '/copd/a.mha' });
  assert.throws(
    () => huClipScale(img, { min: 240, max: 240 }),
    /^RangeError: huClipScale: \/copd\/a\.mha: max must be > min, got min 240, max 240/,
  );
  assert.throws(
    () => huClipScale(img, { max: Number.POSITIVE_INFINITY }),
    /huClipScale: \/copd\/a\.mha: max must be a finite number/,
  );
});
