import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NIFTI1 } from 'nifti-reader-js';
import { affineToQuatern, det3, flipRasLps, quaternToAffine } from '../../src/io/affine.js';
import { Rng } from '../../src/util/rng.js';

test('quaternToAffine agrees with nifti-reader-js (an independent port of nifti1_io.c)', () => {
  const rng = new Rng(7);
  const ref = new NIFTI1();
  for (let t = 0; t < 200; t++) {
    // random unit quaternion with a >= 0, stored as (b, c, d)
    let q = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    const n = Math.hypot(...q);
    q = q.map((x) => (x / n) * Math.sign(q[0] || 1));
    const [b, c, d] = q.slice(1);
    const dx = 0.5 + rng.uniform() * 3,
      dy = 0.5 + rng.uniform() * 3,
      dz = 0.5 + rng.uniform() * 3;
    const qfac = rng.uniform() < 0.5 ? -1 : 1;
    const mine = quaternToAffine({ b, c, d, qx: 1, qy: -2, qz: 3, dx, dy, dz, qfac });
    const theirs = ref.convertNiftiQFormToNiftiSForm(b, c, d, 1, -2, 3, dx, dy, dz, qfac);
    for (let r = 0; r < 3; r++)
      for (let col = 0; col < 4; col++) assert.ok(Math.abs(mine[4 * r + col] - theirs[r][col]) < 1e-12);
  }
});

test('affineToQuatern inverts quaternToAffine (rotations, both handednesses, 180-degree cases)', () => {
  const rng = new Rng(11);
  const cases: number[][] = [
    [0, 0, 1],
    [1, 0, 0],
    [0, 1, 0],
    [0, Math.SQRT1_2, Math.SQRT1_2],
    [0, 0, 0],
  ];
  for (let t = 0; t < 100; t++) {
    const q = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    const n = Math.hypot(...q);
    cases.push(q.slice(1).map((x) => (x / n) * Math.sign(q[0] || 1)));
  }
  for (const [b, c, d] of cases) {
    for (const qfac of [1, -1]) {
      const a = quaternToAffine({ b, c, d, qx: 4, qy: 5, qz: 6, dx: 1.5, dy: 2, dz: 0.7, qfac });
      const q = affineToQuatern(a);
      assert.ok(q, 'a rotation times a scaling has a qform');
      assert.equal(q.qfac, qfac);
      assert.equal(Math.sign(det3(a)), qfac);
      const back = quaternToAffine(q);
      back.forEach((x, i) => assert.ok(Math.abs(x - a[i]) < 1e-9, `[${i}] ${x} vs ${a[i]}`));
    }
  }
  // a sheared matrix has no qform
  assert.equal(affineToQuatern([1, 0.5, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]), null);
});

test('flipRasLps negates world x and y only', () => {
  assert.deepEqual(
    flipRasLps([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    [-1, -2, -3, -4, -5, -6, -7, -8, 9, 10, 11, 12],
  );
});
