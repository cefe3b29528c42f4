import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PatientGroupedSampler } from '../../src/samplers/patient-grouped.js';
import { Rng } from '../../src/util/rng.js';

/** patient ids with the given image counts, interleaved so that a patient's images are not contiguous */
function dataset(countsByPatient: Record<string, number>, seed = 0): string[] {
  const out: string[] = [];
  for (const [p, c] of Object.entries(countsByPatient)) for (let i = 0; i < c; i++) out.push(p);
  return new Rng(seed).shuffle(out);
}

/** checks every batch: exactly n distinct patients, exactly k entries each; returns coverage counts */
function checkComposition(
  patients: readonly string[],
  batches: { items: number[] }[],
  n: number,
  k: number,
  distinctInGroup: (p: string) => boolean,
) {
  const seen = new Map<number, number>();
  for (const b of batches) {
    assert.equal(b.items.length, n * k);
    const per = new Map<string, number[]>();
    for (const i of b.items) {
      assert.ok(i >= 0 && i < patients.length);
      const p = patients[i]!;
      per.set(p, [...(per.get(p) ?? []), i]);
      seen.set(i, (seen.get(i) ?? 0) + 1);
    }
    assert.equal(per.size, n, 'n distinct patients');
    for (const [p, idx] of per) {
      assert.equal(idx.length, k, `k images of ${p}`);
      if (distinctInGroup(p)) assert.equal(new Set(idx).size, k, `distinct images of ${p}`);
    }
  }
  return seen;
}

test('patientGrouped: every batch has exactly n patients × k images, and the epoch covers every image', () => {
  const counts = { p01: 5, p02: 2, p03: 7, p04: 3, p05: 4, p06: 2, p07: 9 };
  const patients = dataset(counts);
  const n = 3;
  const k = 2;
  const s = new PatientGroupedSampler({ patients, patientsPerBatch: n, imagesPerPatient: k, seed: 4 });
  // groups: ceil(c/2) = 3+1+4+2+2+1+5 = 18 -> 6 batches; max per patient 5 <= 6
  assert.equal(s.batchesPerEpoch(), 6);
  for (let e = 0; e < 5; e++) {
    const batches = s.epoch(e);
    assert.equal(batches.length, 6);
    const seen = checkComposition(patients, batches, n, k, () => true);
    for (let i = 0; i < patients.length; i++) assert.ok((seen.get(i) ?? 0) >= 1, `image ${i} covered in epoch ${e}`);
  }
});

test('patientGrouped: one patient with many images still gets n distinct patients per batch (others repeat)', () => {
  const counts = { big: 40, a: 2, b: 3, c: 2 };
  const patients = dataset(counts, 1);
  const s = new PatientGroupedSampler({
    patients,
    patientsPerBatch: 2,
    imagesPerPatient: 4,
    seed: 9,
    fewerThanK: 'replace',
  });
  // big has 10 groups of 4; so 10 batches, each with big and one other patient
  assert.equal(s.batchesPerEpoch(), 10);
  const batches = s.epoch(0);
  const seen = checkComposition(patients, batches, 2, 4, (p) => counts[p as keyof typeof counts] >= 4);
  for (let i = 0; i < patients.length; i++) assert.ok((seen.get(i) ?? 0) >= 1);
  for (const b of batches) assert.ok(b.items.some((i) => patients[i] === 'big'));
});

test('patientGrouped: many patients (extra groups drawn without listing every free slot)', () => {
  const counts: Record<string, number> = {};
  for (let i = 0; i < 600; i++) counts[`p${i}`] = 2 + (i % 3);
  const patients = dataset(counts, 3);
  const s = new PatientGroupedSampler({ patients, patientsPerBatch: 7, imagesPerPatient: 2, seed: 1 });
  // groups: 200 patients each of 1, 2 (3 images -> 2 groups), 2 -> 1000 groups -> 143 batches, 1 extra group
  assert.equal(s.batchesPerEpoch(), 143);
  const batches = s.epoch(0);
  const seen = checkComposition(patients, batches, 7, 2, () => true);
  for (let i = 0; i < patients.length; i++) assert.ok((seen.get(i) ?? 0) >= 1);
  assert.equal(
    [...seen.values()].reduce((a, b) => a + b, 0),
    143 * 14,
  );
});

test('patientGrouped: fewerThanK exclude leaves small patients out; replace keeps them', () => {
  const counts = { p01: 4, p02: 1, p03: 3, p04: 1, p05: 2 };
  const patients = dataset(counts, 2);
  const ex = new PatientGroupedSampler({ patients, patientsPerBatch: 2, imagesPerPatient: 2, seed: 1 });
  assert.deepEqual([...ex.excluded].sort(), ['p02', 'p04']);
  const exSeen = checkComposition(patients, ex.epoch(0), 2, 2, () => true);
  patients.forEach((p, i) => {
    if (p === 'p02' || p === 'p04') assert.equal(exSeen.get(i), undefined, `${p} excluded`);
    else assert.ok((exSeen.get(i) ?? 0) >= 1);
  });
  const rep = new PatientGroupedSampler({
    patients,
    patientsPerBatch: 2,
    imagesPerPatient: 2,
    seed: 1,
    fewerThanK: 'replace',
  });
  assert.deepEqual(rep.excluded, []);
  const repSeen = checkComposition(patients, rep.epoch(0), 2, 2, (p) => p !== 'p02' && p !== 'p04');
  for (let i = 0; i < patients.length; i++) assert.ok((repSeen.get(i) ?? 0) >= 1);
});

test('patientGrouped: deterministic for a seed, different for another seed and epoch', () => {
  const patients = dataset({ a: 6, b: 6, c: 6, d: 6, e: 6 });
  const opts = { patients, patientsPerBatch: 2, imagesPerPatient: 3 };
  const s1 = new PatientGroupedSampler({ ...opts, seed: 5 });
  const s2 = new PatientGroupedSampler({ ...opts, seed: 5 });
  assert.deepEqual(s1.epoch(2), s2.epoch(2));
  assert.notDeepEqual(s1.epoch(0), s1.epoch(1));
  assert.notDeepEqual(s1.epoch(0), new PatientGroupedSampler({ ...opts, seed: 6 }).epoch(0));
});

test('patientGrouped: clear errors when the data cannot satisfy n × k', () => {
  assert.throws(
    () =>
      new PatientGroupedSampler({ patients: ['p01', 'p01', 'p01'], patientsPerBatch: 4, imagesPerPatient: 2, seed: 0 }),
    (e: Error) => {
      assert.equal(
        e.message,
        'patientGrouped: needs at least n=4 patients with >= k=2 images each; data has 1 such of 1 patient (p01: 3)',
      );
      return true;
    },
  );
  assert.throws(
    () =>
      new PatientGroupedSampler({ patients: ['a', 'b', 'b', 'c'], patientsPerBatch: 2, imagesPerPatient: 2, seed: 0 }),
    /needs at least n=2 patients with >= k=2 images each; data has 1 such of 3 patients \(a: 1, b: 2, c: 1\)/,
  );
  assert.throws(
    () =>
      new PatientGroupedSampler({
        patients: ['a', 'a'],
        patientsPerBatch: 2,
        imagesPerPatient: 2,
        seed: 0,
        fewerThanK: 'replace',
      }),
    /patientGrouped: needs at least n=2 patients; data has 1 patient \(a: 2\)/,
  );
  assert.throws(
    () => new PatientGroupedSampler({ patients: [], patientsPerBatch: 2, imagesPerPatient: 2, seed: 0 }),
    /data has no samples/,
  );
  assert.throws(
    () => new PatientGroupedSampler({ patients: ['a', 'b'], patientsPerBatch: 1, imagesPerPatient: 1, seed: 0 }),
    /patientsPerBatch: expected >= 2/,
  );
  assert.throws(
    () => new PatientGroupedSampler({ patients: ['a', ''], patientsPerBatch: 2, imagesPerPatient: 1, seed: 0 }),
    /patients\[1\]: expected a non-empty patient id/,
  );
});

test("patientGrouped: fewerThanK 'keep' keeps small patients with their distinct images; no batch repeats an image", () => {
  const counts = { p01: 4, p02: 1, p03: 3, p04: 1, p05: 2, p06: 1 };
  const patients = dataset(counts, 3);
  const k = 2;
  const n = 2;
  const s = new PatientGroupedSampler({
    patients,
    patientsPerBatch: n,
    imagesPerPatient: k,
    seed: 2,
    fewerThanK: 'keep',
  });
  assert.deepEqual(s.excluded, []);
  // groups: ceil(c / 2) = 2 + 1 + 2 + 1 + 1 + 1 = 8 -> 4 batches
  assert.equal(s.batchesPerEpoch(), 4);
  for (let e = 0; e < 3; e++) {
    const seen = new Set<number>();
    for (const b of s.epoch(e)) {
      assert.equal(new Set(b.items).size, b.items.length, `epoch ${e} batch ${b.index} repeats an image`);
      const per = new Map<string, number>();
      for (const i of b.items) per.set(patients[i]!, (per.get(patients[i]!) ?? 0) + 1);
      assert.equal(per.size, n, 'n distinct patients');
      // k images of a patient that has k, all of its images (1) of a patient with fewer
      for (const [p, c] of per) assert.equal(c, Math.min(k, counts[p as keyof typeof counts]), p);
      b.items.forEach((i) => seen.add(i));
    }
    assert.equal(seen.size, patients.length, `epoch ${e}: every image, single-image patients included`);
  }
  assert.throws(
    () =>
      new PatientGroupedSampler({
        patients,
        patientsPerBatch: 2,
        imagesPerPatient: 2,
        seed: 0,
        fewerThanK: 'all' as never,
      }),
    /fewerThanK: expected "exclude" \| "replace" \| "keep"/,
  );
});
