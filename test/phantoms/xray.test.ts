import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XRAY_INFO, xrayPatient, xrayPhantoms } from '../../src/phantoms/xray.js';
import type { PhantomItem } from '../../src/phantoms/types.js';

const SIZE = 64;
const opts = { seed: 11, size: SIZE };
const patients: PhantomItem[][] = Array.from({ length: 10 }, (_, p) => xrayPatient(opts, p));

/** centroid column of the pixels with `value` */
function centroidX(lab: Uint8Array, w: number, value: number): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < lab.length; i++) {
    if (lab[i] === value) {
      s += (i % w) + 0.5;
      n++;
    }
  }
  return s / n;
}

/** Pearson correlation of the two binary lung masks (label > 0), float64 */
function maskCorrelation(a: Uint8Array, b: Uint8Array): number {
  const n = a.length;
  let sa = 0;
  let sb = 0;
  let sab = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! > 0 ? 1 : 0;
    const y = b[i]! > 0 ? 1 : 0;
    sa += x;
    sb += y;
    sab += x * y;
  }
  const ma = sa / n;
  const mb = sb / n;
  return (sab / n - ma * mb) / Math.sqrt(ma * (1 - ma) * mb * (1 - mb));
}

test('xray: same seed gives identical images and labels; another seed differs', () => {
  const again = xrayPatient(opts, 3);
  assert.equal(again.length, patients[3]!.length);
  for (let k = 0; k < again.length; k++) {
    assert.deepEqual(again[k]!.image.data, patients[3]![k]!.image.data);
    assert.deepEqual(again[k]!.label.data, patients[3]![k]!.label.data);
    assert.equal(again[k]!.time, patients[3]![k]!.time);
  }
  const other = xrayPatient({ ...opts, seed: 12 }, 3);
  assert.notDeepEqual(other[0]!.image.data, patients[3]![0]!.image.data);
  // a patient does not depend on how many patients are generated
  const set = xrayPhantoms({ ...opts, patients: 4 });
  const p3 = set.items.filter((it) => it.patient === 'p04');
  assert.deepEqual(
    p3.map((it) => it.image.data),
    patients[3]!.map((it) => it.image.data),
  );
  assert.deepEqual(set.classes, ['background', 'left_lung', 'right_lung']);
  assert.deepEqual(set.leftRightPairs, [[1, 2]]);
});

test('xray: images are 16-bit radiographs, 2..10 per patient, dates increasing, labels 0/1/2 all present', () => {
  for (const items of patients) {
    assert.ok(items.length >= 2 && items.length <= 10, `${items.length} images`);
    for (let k = 0; k < items.length; k++) {
      const it = items[k]!;
      assert.equal(it.kind, '2d');
      assert.deepEqual(it.image.shape, [SIZE, SIZE]);
      assert.ok(it.image.data instanceof Uint16Array);
      assert.ok(it.label.data instanceof Uint8Array);
      assert.match(it.time, /^\d{4}-\d{2}-\d{2}$/);
      if (k > 0) assert.ok(it.time > items[k - 1]!.time, `dates ${items[k - 1]!.time} then ${it.time}`);
      const counts = [0, 0, 0];
      for (const v of it.label.data) {
        assert.ok(v <= 2, `label value ${v}`);
        counts[v]!++;
      }
      // each lung a sizeable part of the image
      assert.ok(counts[1]! > 0.05 * SIZE * SIZE && counts[2]! > 0.05 * SIZE * SIZE, `lung pixels ${counts}`);
      let lo = 65535;
      let hi = 0;
      for (const v of it.image.data) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      assert.ok(hi - lo > 30000, `dynamic range ${lo}..${hi}`);
    }
  }
});

test("xray: radiological convention, the patient's left lung (1) on the image's right", () => {
  for (const items of patients) {
    for (const it of items) {
      const left = centroidX(it.label.data, SIZE, 1);
      const right = centroidX(it.label.data, SIZE, 2);
      assert.ok(left > SIZE / 2 && right < SIZE / 2, `centroids: left lung ${left}, right lung ${right}`);
    }
  }
  assert.match(XRAY_INFO.description, /left lung \(label 1\) is on the image's right/);
});

test('xray: lungs are dark, the mediastinum between them bright', () => {
  for (const items of patients) {
    for (const it of items) {
      const d = it.image.data;
      const l = it.label.data;
      let lung = 0;
      let nl = 0;
      let med = 0;
      let nm = 0;
      const cl = centroidX(l, SIZE, 2);
      const cr = centroidX(l, SIZE, 1);
      for (let i = 0; i < d.length; i++) {
        const x = (i % SIZE) + 0.5;
        if (l[i]! > 0) {
          lung += d[i]!;
          nl++;
        } else if (
          Math.abs(x - (cl + cr) / 2) < 2 &&
          Math.floor(i / SIZE) > SIZE * 0.3 &&
          Math.floor(i / SIZE) < SIZE * 0.6
        ) {
          med += d[i]!;
          nm++;
        }
      }
      assert.ok(lung / nl < med / nm, `lung mean ${lung / nl} vs mediastinum ${med / nm}`);
    }
  }
});

test("xray: a patient's images change over time but share anatomy more than different patients' do", () => {
  const within: number[] = [];
  const between: number[] = [];
  for (let p = 0; p < patients.length; p++) {
    for (let q = p; q < patients.length; q++) {
      for (const [i, a] of patients[p]!.entries()) {
        for (const [j, b] of patients[q]!.entries()) {
          if (p === q && j <= i) continue;
          const c = maskCorrelation(a.label.data, b.label.data);
          (p === q ? within : between).push(c);
          if (p === q) {
            // same patient, other day: never the same picture
            assert.notDeepEqual(a.image.data, b.image.data);
            assert.notDeepEqual(a.label.data, b.label.data);
          }
        }
      }
    }
  }
  const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(mean(within) > mean(between) + 0.03, `mask correlation within ${mean(within)} vs between ${mean(between)}`);
  // but not copies: the same patient's masks move from visit to visit
  assert.ok(mean(within) < 0.97, `within ${mean(within)}`);
});

test('xray: pathology comes and goes, and the series covers several acquisition settings', () => {
  const findingStrings = new Set<string>();
  let changing = 0;
  for (const items of patients) {
    const f = items.map((it) => String(it.meta.findings));
    f.forEach((s) => findingStrings.add(s));
    if (new Set(f).size > 1) changing++;
    const rot = items.map((it) => Number(it.meta.rotationDeg));
    assert.ok(new Set(rot).size === items.length, 'each acquisition has its own positioning');
  }
  assert.ok(changing >= 3, `${changing} patients with findings that change over time`);
  assert.ok(
    [...findingStrings].some((s) => s === ''),
    'some images without findings',
  );
});

test('xray: options are checked', () => {
  assert.throws(() => xrayPatient({ seed: 1, size: 8 }, 0), /size must be an integer >= 16/);
  assert.throws(() => xrayPatient({ seed: 1, minImages: 3, maxImages: 2 }, 0), /minImages <= maxImages/);
  assert.throws(() => xrayPhantoms({ seed: 1, patients: 0 }), /patients must be/);
});
