import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  neighbourPosition,
  positionProbe,
  samePatientRate,
  type ProbeEmbeddings,
  type ProbeSlices,
} from '../../src/eval/embedding-probes.js';
import { Rng } from '../../src/util/rng.js';

const PATIENTS = 8;
const SLICES = 20;

function slices(): ProbeSlices {
  const patient: string[] = [];
  const position: number[] = [];
  const sliceIndex: number[] = [];
  for (let p = 0; p < PATIENTS; p++)
    for (let z = 0; z < SLICES; z++) {
      patient.push(`p${p}`);
      sliceIndex.push(z);
      position.push((z + 1) / SLICES);
    }
  return { patient, position, sliceIndex };
}

/** rows from a function of (patient, slice), normalised to unit length */
function embed(dim: number, f: (p: number, z: number, out: number[]) => void): ProbeEmbeddings {
  const data: number[] = [];
  for (let p = 0; p < PATIENTS; p++)
    for (let z = 0; z < SLICES; z++) {
      const v = new Array<number>(dim).fill(0);
      f(p, z, v);
      const n = Math.hypot(...v);
      data.push(...v.map((x) => x / n));
    }
  return { data: Float64Array.from(data), n: PATIENTS * SLICES, dim };
}

test('positionProbe: position in the features is read out (R² near 1); noise is not (R² near or below 0)', () => {
  const s = slices();
  const rng = new Rng(1);
  // angle encodes position: a linear readout of (cos, sin) over a quarter circle is nearly exact
  const pos = embed(3, (_p, z, v) => {
    const a = ((z + 1) / SLICES) * (Math.PI / 2);
    v[0] = Math.cos(a);
    v[1] = Math.sin(a);
    v[2] = 0.01 * rng.normal(0, 1);
  });
  const r = positionProbe(pos, s, { folds: 4, ridge: 1e-6 });
  assert.ok(r.r2 > 0.98, `R² ${r.r2}`);
  assert.equal(r.foldR2.length, 4);
  const noise = embed(5, (_p, _z, v) => v.forEach((_, k) => (v[k] = rng.normal(0, 1))));
  assert.ok(positionProbe(noise, s, { folds: 4 }).r2 < 0.05);
});

test('positionProbe: folds hold whole patients, so a patient code cannot stand in for position', () => {
  // the target is a per-patient value and the features one-hot patient codes: with slices of one patient in both
  // the fitted and the tested folds this would read out perfectly; with whole patients held out, not at all
  const s = slices();
  const perPatient = [0.1, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6];
  const target = { ...s, position: s.patient.map((p) => perPatient[Number(p.slice(1))]!) };
  const oneHot = embed(PATIENTS, (p, _z, v) => (v[p] = 1));
  assert.ok(positionProbe(oneHot, target, { folds: 4, ridge: 1e-3 }).r2 < 0);
});

test('neighbourPosition: matches a brute-force float64 reference; chance is the mean gap to other patients', () => {
  const s = slices();
  const rng = new Rng(3);
  const e = embed(4, (p, z, v) => {
    v[0] = Math.cos((z / SLICES) * 2) + 0.3 * rng.normal(0, 1);
    v[1] = Math.sin((z / SLICES) * 2) + 0.3 * rng.normal(0, 1);
    v[2] = 0.2 * p;
    v[3] = 0.5 * rng.normal(0, 1);
  });
  // reference: the full similarity matrix, then argmax per row over other patients
  const n = e.n;
  let err = 0;
  let gap = 0;
  for (let i = 0; i < n; i++) {
    const sims: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      if (s.patient[i] === s.patient[j]) continue;
      let c = 0;
      for (let k = 0; k < e.dim; k++) c += e.data[i * e.dim + k]! * e.data[j * e.dim + k]!;
      sims.push([c, j]);
    }
    sims.sort((a, b) => b[0] - a[0]);
    err += Math.abs(s.position[i]! - s.position[sims[0]![1]]!);
    gap += sims.reduce((t, [, j]) => t + Math.abs(s.position[i]! - s.position[j]!), 0) / sims.length;
  }
  const r = neighbourPosition(e, s);
  assert.ok(Math.abs(r.error - err / n) < 1e-12);
  // every patient has the same positions (z + 1) / 20: the mean |Δ| over a 20-point grid is (20² − 1) / (3 · 20 · 20)
  assert.ok(Math.abs(r.chance - gap / n) < 1e-12);
  assert.ok(Math.abs(r.chance - (SLICES ** 2 - 1) / (3 * SLICES * SLICES)) < 1e-12);
  assert.ok(r.error < r.chance / 2, `error ${r.error} vs chance ${r.chance}`);
});

test('samePatientRate: 1 when only the patient is encoded, near chance when only the position is', () => {
  const s = slices();
  const rng = new Rng(5);
  const byPatient = embed(PATIENTS + 1, (p, _z, v) => {
    v[p] = 1;
    v[PATIENTS] = 0.01 * rng.normal(0, 1);
  });
  const k = 10;
  const gap = 2;
  const r = samePatientRate(byPatient, s, { k, gap });
  assert.equal(r.rate, 1);
  // chance, counted by hand: own-volume candidates (20 slices less itself and up to 2 on each side) over all
  let chance = 0;
  for (let z = 0; z < SLICES; z++) {
    const excluded = [-2, -1, 1, 2].filter((d) => z + d >= 0 && z + d < SLICES).length;
    const own = SLICES - 1 - excluded;
    chance += own / (own + (PATIENTS - 1) * SLICES);
  }
  assert.ok(Math.abs(r.chance - chance / SLICES) < 1e-12);
  const byPosition = embed(2, (_p, z, v) => {
    v[0] = Math.cos(z / 7) + 0.01 * rng.normal(0, 1);
    v[1] = Math.sin(z / 7) + 0.01 * rng.normal(0, 1);
  });
  const q = samePatientRate(byPosition, s, { k, gap });
  assert.ok(q.rate < 2 * q.chance + 0.05, `rate ${q.rate} chance ${q.chance}`);
  assert.throws(() => samePatientRate(byPatient, s, { k: 500 }), /slice 0 has \d+ candidates, k = 500/);
});

test('probes: clear errors for mismatched lengths and a single patient', () => {
  const s = slices();
  const e = embed(2, (_p, z, v) => ((v[0] = 1), (v[1] = z)));
  assert.throws(() => neighbourPosition({ ...e, n: e.n - 1 }, s), /values for 159 × 2/);
  assert.throws(() => positionProbe(e, { ...s, sliceIndex: [1] }), /slices.sliceIndex has 1 entries for 160/);
  const one = { ...s, patient: s.patient.map(() => 'p') };
  assert.throws(() => samePatientRate(e, one), /at least 2 patients/);
});
