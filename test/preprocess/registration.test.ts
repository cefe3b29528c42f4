/**
 * Registration with elastix on two synthetic lung masks related by a KNOWN affine (per-axis scale about a centre,
 * then a shift), on different grids (origins, sizes): the recovered atlas → scan transform must map atlas points
 * within 2 mm of the true map (the inverse direction would be off by > 10 mm), and the reported Dice must exceed 0.9.
 * A mask pair that no affine map aligns (two solid lungs vs a hollow spherical shell: Dice about 0.44 at best) fails
 * with a RegistrationError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAffine3 } from '../../src/io/geometry.js';
import { registerLungMasks, RegistrationError } from '../../src/preprocess/registration.js';
import type { Image } from '../../src/io/image.js';
import { inEllipsoid, transformLungs, type Ellipsoid, type V3 } from './chest-volumes.js';

function maskOf(shape: V3, origin: V3, inside: (x: number, y: number, z: number) => boolean): Image<Uint8Array> {
  const [nz, ny, nx] = shape;
  const data = new Uint8Array(nz * ny * nx);
  for (let k = 0, p = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, p++) data[p] = inside(origin[0] + i, origin[1] + j, origin[2] + k) ? 1 : 0;
  return { data, shape: [...shape], spacing: [1, 1, 1], origin: [...origin], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
}

const ATLAS_LUNGS: Ellipsoid[] = [
  { centre: [-17, 0, 0], radii: [14, 18, 26] },
  { centre: [17, 0, 0], radii: [14, 18, 26] },
];

test('registerLungMasks recovers a known shift + scale (point error < 2 mm) with Dice > 0.9', async () => {
  const c0: V3 = [2, -1, 3];
  const s: V3 = [1.1, 0.92, 1.08];
  const t: V3 = [5, -4, 6];
  const scanLungs = transformLungs(ATLAS_LUNGS, c0, s, t);
  const atlas = maskOf([80, 70, 80], [-40, -35, -40], (x, y, z) => ATLAS_LUNGS.some((l) => inEllipsoid(l, x, y, z)));
  const scan = maskOf([95, 80, 100], [-50, -40, -45], (x, y, z) => scanLungs.some((l) => inEllipsoid(l, x, y, z)));
  const r = await registerLungMasks(atlas, scan);
  assert.ok(r.dice > 0.9, `Dice ${r.dice}`);
  // the true atlas -> scan map at points spread over the atlas lungs
  const truth = (x: readonly number[]): number[] => [0, 1, 2].map((a) => c0[a]! + s[a]! * (x[a]! - c0[a]!) + t[a]!);
  let worst = 0;
  let worstInverse = 0;
  for (const l of ATLAS_LUNGS)
    for (const f of [
      [0, 0, 0],
      [0.7, 0, 0],
      [-0.7, 0, 0],
      [0, 0.7, 0],
      [0, -0.7, 0],
      [0, 0, 0.7],
      [0, 0, -0.7],
    ]) {
      const p = l.centre.map((c, a) => c + f[a]! * l.radii[a]!);
      const got = applyAffine3(r.transform, p);
      const want = truth(p);
      worst = Math.max(worst, Math.hypot(got[0] - want[0]!, got[1] - want[1]!, got[2] - want[2]!));
      // the wrong direction (scan -> atlas) is far off: the test can tell the two apart
      const inv = [0, 1, 2].map((a) => c0[a]! + (p[a]! - t[a]! - c0[a]!) / s[a]!);
      worstInverse = Math.max(worstInverse, Math.hypot(got[0] - inv[0]!, got[1] - inv[1]!, got[2] - inv[2]!));
    }
  assert.ok(worst < 2, `worst point error ${worst.toFixed(2)} mm`);
  assert.ok(worstInverse > 10, `the inverse map should be far (${worstInverse.toFixed(1)} mm)`);
});

test('registerLungMasks fails with a RegistrationError (Dice below minDice) on incompatible masks', async () => {
  const atlas = maskOf([60, 60, 80], [-40, -30, -30], (x, y, z) => ATLAS_LUNGS.some((l) => inEllipsoid(l, x, y, z)));
  // a hollow shell: an affine image of two solid ellipsoids cannot fill it
  const shell = maskOf([60, 60, 80], [-40, -30, -30], (x, y, z) => {
    const r = Math.hypot(x, y, z);
    return r >= 20 && r <= 24;
  });
  await assert.rejects(
    () => registerLungMasks(atlas, shell, { minDice: 0.75 }),
    (err: unknown) =>
      err instanceof RegistrationError && /Dice .* < minDice 0.75/.test(err.message) && err.dice! < 0.75,
  );
});

test('registerLungMasks: an elastix failure (empty moving mask) is a RegistrationError; the exit code is left alone', async () => {
  const atlas = maskOf([40, 40, 40], [-20, -20, -20], (x, y, z) => Math.hypot(x, y, z) < 12);
  const empty = maskOf([40, 40, 40], [-20, -20, -20], () => false);
  const before = process.exitCode;
  await assert.rejects(
    () => registerLungMasks(atlas, empty),
    (err: unknown) => err instanceof RegistrationError && /elastix affine registration failed/.test(err.message),
  );
  assert.equal(process.exitCode, before);
});
