/**
 * Patch labels: lesion fractions against a brute-force count over the whole volume; the label rule (positive /
 * negative / ambiguous / absent); and, end to end on prepared synthetic scans (registration included), that the
 * label crops sit exactly where the image patches were cut: the lesion is painted in the image with a unique
 * intensity, so the fraction of that intensity in each image patch of the data set must equal the label fraction.
 * A scan without a label map is a named error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ABSENT,
  AMBIGUOUS,
  NEGATIVE,
  POSITIVE,
  classifyLesionFraction,
  labelledPatches,
  lesionFractionsAt,
  loadPatchLabels,
  patchLabelsFromFractions,
} from '../../src/data/patch-labels.js';
import { Rng } from '../../src/util/rng.js';
import type { V3 } from '../preprocess/chest-volumes.js';
import { LESION_HU, prepareLesionChests } from './lesion-chest.js';

test('lesionFractionsAt equals a brute-force count over the volume, padding outside as non-lesion', () => {
  const rng = new Rng(11);
  const shape = [13, 15, 17];
  const [nz, ny, nx] = shape as [number, number, number];
  const data = Uint8Array.from({ length: nz * ny * nx }, () => rng.int(0, 5));
  for (const d of [5, 6]) {
    const centres: V3[] = [];
    for (let i = 0; i < 25; i++)
      centres.push([rng.uniform(-2, nx + 1), rng.uniform(-2, ny + 1), rng.uniform(-2, nz + 1)] as V3);
    centres.push([0, 0, 0], [nx - 1, ny - 1, nz - 1], [8.5, 7.5, 6.5]);
    const got = lesionFractionsAt({ data, shape }, centres, d, [3, 4]);
    centres.forEach((c, l) => {
      // the crop whose centre s + (d - 1)/2 is nearest to c (halves round up)
      const s = c.map((v) => Math.floor(v - (d - 1) / 2 + 0.5));
      let count = 0;
      for (let z = 0, q = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++, q++) {
            const inside = x >= s[0]! && x < s[0]! + d && y >= s[1]! && y < s[1]! + d && z >= s[2]! && z < s[2]! + d;
            if (inside && (data[q] === 3 || data[q] === 4)) count++;
          }
      assert.equal(got[l], count / d ** 3, `d ${d}, centre ${c.join(', ')}`);
    });
  }
});

test('label rule: >= minLesionFraction positive, 0 negative, in between ambiguous, no patch absent', () => {
  assert.equal(classifyLesionFraction(0), NEGATIVE);
  assert.equal(classifyLesionFraction(0.01), POSITIVE);
  assert.equal(classifyLesionFraction(0.5), POSITIVE);
  assert.equal(classifyLesionFraction(0.009), AMBIGUOUS);
  assert.equal(classifyLesionFraction(1e-6), AMBIGUOUS);
  assert.equal(classifyLesionFraction(NaN), ABSENT);
  assert.equal(classifyLesionFraction(0.05, 0.1), AMBIGUOUS);
  const dataset = {
    landmarkCount: 3,
    scans: [
      { id: 'a', patient: 'pa', slots: Int32Array.from([0, 1, 2]) },
      { id: 'b', patient: 'pb', slots: Int32Array.from([0, -1, 1]) },
    ],
  };
  const labels = patchLabelsFromFractions(dataset as never, [
    [0, 0.2, 0.001],
    [0.02, 0.7, 0],
  ]);
  assert.deepEqual(Array.from(labels.label), [NEGATIVE, POSITIVE, AMBIGUOUS, POSITIVE, ABSENT, NEGATIVE]);
  assert.ok(Number.isNaN(labels.fraction[4]!), 'a dropped landmark has no fraction');
  assert.deepEqual(labels.counts, { positive: 2, negative: 2, ambiguous: 1, absent: 1 });
  const s = labelledPatches(dataset as never, labels);
  assert.deepEqual(Array.from(s.scan), [0, 0, 1, 1]);
  assert.deepEqual(Array.from(s.landmark), [0, 1, 0, 2]);
  assert.deepEqual(Array.from(s.y), [0, 1, 1, 0]);
  assert.deepEqual(s.patient, ['pa', 'pa', 'pb', 'pb']);
  assert.throws(
    () =>
      patchLabelsFromFractions(dataset as never, [
        [0, 0, 1.5],
        [0, 0, 0],
      ]),
    /outside \[0, 1\]/,
  );
});

test('loadPatchLabels: label crops sit exactly on the image patches (registered scans); no label map is an error', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-patch-labels-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { manifest, cfg, prepared } = await prepareLesionChests(
    dir,
    [
      {
        id: 'a1',
        lesions: [
          { centre: [-14, 3, 8], radius: 6 },
          { centre: [12, -4, -10], radius: 3 },
        ],
      },
      { id: 'b2', lesions: [{ centre: [14, 2, 6], radius: 7 }] },
      { id: 'c3', lesions: [{ centre: [-10, -5, -12], radius: 5 }] },
    ],
    { patchSize: 12, step: 10, batchSize: 2, queueSize: 8 },
  );
  const { dataset } = prepared;
  assert.equal(dataset.length, 3);
  assert.ok(dataset.landmarkCount >= 10, `${dataset.landmarkCount} landmarks`);
  const transforms = prepared.report.scans.map((r) => r.transform!);
  assert.ok(
    transforms.some(
      (tr) => Math.abs(tr.translation[0]) + Math.abs(tr.translation[1]) + Math.abs(tr.translation[2]) > 0.5,
    ),
    'some scan has a non-trivial registration',
  );

  const labels = await loadPatchLabels(prepared, manifest, { spacing: cfg.spacing, lesionLabels: [3] });
  const lesionValue = ((LESION_HU + 1024) / (240 + 1024)) * 2 - 1;
  const L = dataset.landmarkCount;
  let compared = 0;
  dataset.scans.forEach((scan, s) => {
    for (let l = 0; l < L; l++) {
      if (scan.slots[l]! < 0) {
        assert.equal(labels.label[s * L + l], ABSENT);
        continue;
      }
      const patch = dataset.patch(s, l);
      let n = 0;
      for (const v of patch) if (Math.abs(v - lesionValue) < 1e-4) n++;
      assert.equal(labels.fraction[s * L + l], n / patch.length, `scan ${scan.id}, landmark ${l}`);
      compared++;
    }
  });
  assert.ok(compared >= 3 * L - 4);
  assert.ok(labels.counts.positive >= 3, JSON.stringify(labels.counts));
  assert.ok(labels.counts.negative >= 3, JSON.stringify(labels.counts));
  assert.equal(labels.counts.positive + labels.counts.negative + labels.counts.ambiguous + labels.counts.absent, 3 * L);

  // a scan without a label map: an error naming it
  const noLabel = { ...manifest, items: manifest.items.map((it, i) => (i === 1 ? { ...it, label: undefined } : it)) };
  await assert.rejects(loadPatchLabels(prepared, noLabel), /scan b2 \(item 1, .*b2\.nii\.gz\) has no label map/);
});
