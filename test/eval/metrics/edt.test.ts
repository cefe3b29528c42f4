import { test } from 'node:test';
import assert from 'node:assert/strict';
import { edt, squaredEdt } from '../../../src/eval/metrics/index.js';
import { Rng } from '../../../src/util/rng.js';
import { dist, unravel } from './reference.js';

/** brute force: distance from every voxel to the nearest voxel where `isTarget` */
function bruteNearest(isTarget: (i: number) => boolean, shape: number[], spacing: number[]): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const targets: number[][] = [];
  for (let i = 0; i < n; i++) if (isTarget(i)) targets.push(unravel(i, shape));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = unravel(i, shape);
    let best = Infinity;
    for (const t of targets) best = Math.min(best, dist(c, t, spacing));
    out.push(best);
  }
  return out;
}

function close(a: number, b: number, what: string): void {
  if (a === Infinity || b === Infinity) assert.equal(a, b, what);
  else assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, b), `${what}: ${a} vs ${b}`);
}

const cases: { shape: number[]; spacing: number[]; density: number }[] = [
  { shape: [17, 23], spacing: [1, 1], density: 0.8 },
  { shape: [19, 13], spacing: [0.7, 2.3], density: 0.95 },
  { shape: [9, 11, 13], spacing: [2.5, 0.7, 0.9], density: 0.85 },
  { shape: [7, 12, 10], spacing: [1, 1, 1], density: 0.97 },
  { shape: [40], spacing: [1.3], density: 0.9 },
];

test('edt: distance to nearest background equals brute force (2D, 3D, 1D, anisotropic, several seeds)', () => {
  for (const [ci, { shape, spacing, density }] of cases.entries()) {
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(1000 * ci + seed);
      const n = shape.reduce((a, b) => a * b, 1);
      const mask = new Uint8Array(n);
      for (let i = 0; i < n; i++) mask[i] = rng.next() < density ? 1 : 0;
      mask[rng.int(0, n)] = 0; // at least one background voxel
      const got = edt(mask, shape, spacing);
      const want = bruteNearest((i) => mask[i] === 0, shape, spacing);
      for (let i = 0; i < n; i++) close(got[i]!, want[i]!, `case ${ci} seed ${seed} voxel ${i}`);
    }
  }
});

test('squaredEdt: few scattered features, squared mm distances equal brute force', () => {
  const shape = [8, 15, 11];
  const spacing = [2.5, 0.7, 0.9];
  const n = shape.reduce((a, b) => a * b, 1);
  for (const seed of [7, 8, 9]) {
    const rng = new Rng(seed);
    const feat = new Uint8Array(n);
    const k = rng.int(1, 4);
    for (let j = 0; j < k; j++) feat[rng.int(0, n)] = 1;
    const got = squaredEdt(feat, shape, spacing);
    const want = bruteNearest((i) => feat[i] === 1, shape, spacing);
    for (let i = 0; i < n; i++) close(got[i]!, want[i]! ** 2, `seed ${seed} voxel ${i}`);
  }
});

test('squaredEdt: no feature gives Infinity everywhere, all features give 0', () => {
  const shape = [3, 4, 5];
  const none = squaredEdt(new Uint8Array(60), shape, [1, 2, 3]);
  assert.ok(none.every((v) => v === Infinity));
  const all = squaredEdt(new Uint8Array(60).fill(1), shape, [1, 2, 3]);
  assert.ok(all.every((v) => v === 0));
});

test('squaredEdt: one feature in a corner, hand-computed opposite corner', () => {
  const shape = [3, 4, 5];
  const f = new Uint8Array(60);
  f[0] = 1;
  const d = squaredEdt(f, shape, [2.5, 0.7, 0.9]);
  // (2 * 2.5)^2 + (3 * 0.7)^2 + (4 * 0.9)^2 = 25 + 4.41 + 12.96
  close(d[59]!, 42.37, 'corner');
});

test('squaredEdt: errors name the mismatch', () => {
  assert.throws(
    () => squaredEdt(new Uint8Array(5), [2, 3], [1, 1]),
    /edt: features has 5 values but shape \[2, 3\] needs 6/,
  );
  assert.throws(() => squaredEdt(new Uint8Array(6), [2, 3], [1]), /spacing \[1\] has 1 entries but shape has 2 axes/);
});
