import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CT_INFO, ctPhantoms, ctSubject } from '../../src/phantoms/ct.js';

const SHAPE: [number, number, number] = [32, 64, 64];
const opts = { seed: 21, shape: SHAPE };
const subjects = [0, 1, 2, 3].map((i) => ctSubject(opts, i));
const [NZ, NY, NX] = SHAPE;
const LIVER = 1;
const SPLEEN = 2;
const KIDNEY_L = 3;
const KIDNEY_R = 4;
const BLADDER = 5;
const LUNG_L = 6;
const LUNG_R = 7;

/** per label: voxel count and mean (z, y, x) index */
function stats(lab: Uint8Array): { n: number; z: number; y: number; x: number }[] {
  const s = Array.from({ length: 8 }, () => ({ n: 0, z: 0, y: 0, x: 0 }));
  for (let p = 0; p < lab.length; p++) {
    const e = s[lab[p]!]!;
    e.n++;
    e.z += Math.floor(p / (NY * NX));
    e.y += Math.floor(p / NX) % NY;
    e.x += p % NX;
  }
  return s.map((e) => ({ n: e.n, z: e.z / e.n, y: e.y / e.n, x: e.x / e.n }));
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

test('ct: deterministic per seed, different for another seed', () => {
  const again = ctSubject(opts, 1);
  assert.deepEqual(again.image.data, subjects[1]!.image.data);
  assert.deepEqual(again.label.data, subjects[1]!.label.data);
  assert.deepEqual(again.image.spacing, subjects[1]!.image.spacing);
  assert.notDeepEqual(ctSubject({ ...opts, seed: 22 }, 1).image.data, subjects[1]!.image.data);
  const set = ctPhantoms({ ...opts, subjects: 2 });
  assert.deepEqual(set.items[1]!.label.data, subjects[1]!.label.data);
  assert.equal(set.classes.length, 8);
  assert.deepEqual(CT_INFO.leftRightPairs, [
    [KIDNEY_L, KIDNEY_R],
    [LUNG_L, LUNG_R],
  ]);
});

test('ct: every organ class is present; labels in range; geometry anisotropic and subject-specific', () => {
  const spacings = new Set<string>();
  for (const s of subjects) {
    assert.deepEqual(s.image.shape, SHAPE);
    assert.ok(s.image.data instanceof Int16Array);
    const st = stats(s.label.data);
    for (let c = 1; c < 8; c++) assert.ok(st[c]!.n > 10, `${s.id}: class ${CT_INFO.classes[c]} has ${st[c]!.n} voxels`);
    for (const v of s.label.data) assert.ok(v < 8);
    const [sz, sy, sx] = s.image.spacing as [number, number, number];
    assert.ok(sz > 1.5 * sx && sy === sx, `spacing ${s.image.spacing}`);
    spacings.add(s.image.spacing.join(','));
    assert.deepEqual(s.image.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  }
  assert.equal(spacings.size, subjects.length);
});

test('ct: organs at their heights (slice index grows toward the head) and on their sides (x toward patient left)', () => {
  for (const s of subjects) {
    const st = stats(s.label.data);
    const kidneys = (st[KIDNEY_L]!.z + st[KIDNEY_R]!.z) / 2;
    const lungs = (st[LUNG_L]!.z + st[LUNG_R]!.z) / 2;
    assert.ok(st[BLADDER]!.z < kidneys, `${s.id}: bladder ${st[BLADDER]!.z} below kidneys ${kidneys}`);
    assert.ok(kidneys < st[LIVER]!.z, `${s.id}: kidneys ${kidneys} below liver ${st[LIVER]!.z}`);
    assert.ok(st[LIVER]!.z < lungs, `${s.id}: liver ${st[LIVER]!.z} below lungs ${lungs}`);
    assert.ok(st[BLADDER]!.z < 0.25 * NZ && lungs > 0.6 * NZ);
    // LPS: the liver on the patient's right (low x), the spleen on the left; left organs at larger x
    assert.ok(st[LIVER]!.x < st[SPLEEN]!.x, `${s.id}: liver x ${st[LIVER]!.x}, spleen x ${st[SPLEEN]!.x}`);
    assert.ok(st[KIDNEY_L]!.x > NX / 2 && st[KIDNEY_R]!.x < NX / 2);
    assert.ok(st[LUNG_L]!.x > NX / 2 && st[LUNG_R]!.x < NX / 2);
    // kidneys are posterior (larger y) to the liver's centre
    assert.ok(st[KIDNEY_L]!.y > st[LIVER]!.y && st[KIDNEY_R]!.y > st[LIVER]!.y);
  }
});

test('ct: organ-present flags vary with the slice position', () => {
  for (const s of subjects) {
    const present = (k: number, c: number): boolean => {
      for (let p = k * NY * NX; p < (k + 1) * NY * NX; p++) if (s.label.data[p] === c) return true;
      return false;
    };
    const liverSlices = Array.from({ length: NZ }, (_, k) => present(k, LIVER));
    const lungSlices = Array.from({ length: NZ }, (_, k) => present(k, LUNG_L) || present(k, LUNG_R));
    // the liver occupies a contiguous middle band: absent at both ends, present in between
    assert.equal(liverSlices[0], false);
    assert.equal(liverSlices[NZ - 1], false);
    const first = liverSlices.indexOf(true);
    const last = liverSlices.lastIndexOf(true);
    assert.ok(first > 0.2 * NZ && last < 0.9 * NZ && last - first >= 3, `${s.id}: liver slices ${first}..${last}`);
    // lungs only in the upper part, present at the top
    assert.equal(lungSlices[0], false);
    assert.ok(lungSlices.indexOf(true) > 0.45 * NZ, `${s.id}: first lung slice ${lungSlices.indexOf(true)}`);
    assert.ok(lungSlices.slice(Math.floor(0.75 * NZ), NZ - 2).every(Boolean));
    assert.ok(present(1, BLADDER) || present(2, BLADDER) || present(3, BLADDER));
  }
});

test('ct: Hounsfield units are plausible (air, lung, soft tissue, bone) and classes overlap in HU', () => {
  for (const s of subjects) {
    const d = s.image.data;
    const l = s.label.data;
    const by: number[][] = Array.from({ length: 8 }, () => []);
    let min = Infinity;
    let max = -Infinity;
    for (let p = 0; p < d.length; p++) {
      by[l[p]!]!.push(d[p]!);
      min = Math.min(min, d[p]!);
      max = Math.max(max, d[p]!);
    }
    assert.ok(min >= -1024 && max <= 3071);
    assert.ok(max > 300, `${s.id}: no bone (max ${max})`);
    // the corner voxel column is air
    const corner: number[] = [];
    for (let k = 0; k < NZ; k++) corner.push(d[k * NY * NX]!);
    assert.ok(median(corner) < -900, `${s.id}: corner ${median(corner)}`);
    const lung = median([...by[LUNG_L]!, ...by[LUNG_R]!]);
    assert.ok(lung > -920 && lung < -700, `${s.id}: lung median ${lung}`);
    for (const c of [LIVER, SPLEEN, KIDNEY_L, KIDNEY_R]) {
      const m = median(by[c]!);
      assert.ok(m > 10 && m < 260, `${s.id}: ${CT_INFO.classes[c]} median ${m}`);
    }
    assert.ok(Math.abs(median(by[BLADDER]!)) < 40);
    // not separable by intensity alone: liver and spleen HU ranges overlap
    const q = (v: number[], f: number): number => [...v].sort((a, b) => a - b)[Math.floor(f * (v.length - 1))]!;
    assert.ok(q(by[LIVER]!, 0.1) < q(by[SPLEEN]!, 0.9) && q(by[SPLEEN]!, 0.1) < q(by[LIVER]!, 0.9));
  }
});
