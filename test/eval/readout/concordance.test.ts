import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  antoliniConcordance,
  censoringSurvival,
  fitCox,
  harrellConcordance,
  timeQuantiles,
  toSurvival,
  unoConcordance,
} from '../../../src/eval/readout/index.js';
import { Rng } from '../../../src/util/rng.js';
import { bruteCensoringKM, bruteConcordance } from './reference.js';

function tiedSurvival(rng: Rng, n: number): { time: number[]; event: number[]; risk: number[] } {
  return {
    time: Array.from({ length: n }, () => rng.int(0, 10)),
    event: Array.from({ length: n }, () => (rng.next() < 0.6 ? 1 : 0)),
    risk: Array.from({ length: n }, () => rng.int(0, 6)), // ties in risk too
  };
}

test("Harrell's C by hand: 4 subjects", () => {
  // times 1(e) 2(c) 3(e) 4(e), risks 4 3 1 2. Comparable: (1,2) (1,3) (1,4) (3,4): 1 vs all concordant,
  // (3,4): risk 1 < 2 discordant -> C = 3/4
  const r = harrellConcordance([1, 2, 3, 4], [1, 0, 1, 1], [4, 3, 1, 2]);
  assert.deepEqual([r.concordant, r.discordant, r.tiedRisk, r.comparable], [3, 1, 0, 4]);
  assert.equal(r.cIndex, 0.75);
  // a censored subject at the same time as an event is comparable, two tied events are not
  const t = harrellConcordance([2, 2, 2], [1, 0, 1], [5, 1, 5]);
  assert.deepEqual([t.concordant, t.discordant, t.tiedRisk, t.comparable], [2, 0, 0, 2]);
});

test("Harrell's C equals an O(n²) brute-force count with ties in time and risk", () => {
  for (const seed of [1, 2, 3, 4]) {
    const rng = new Rng(seed);
    const { time, event, risk } = tiedSurvival(rng, 120);
    const r = harrellConcordance(time, event, risk);
    const b = bruteConcordance(time, event, (i, j) => Math.sign(risk[i]! - risk[j]!));
    assert.deepEqual(
      [r.concordant, r.discordant, r.tiedRisk, r.comparable],
      [b.concordant, b.discordant, b.tied, b.comparable],
    );
    assert.ok(Math.abs(r.cIndex - (b.concordant + b.tied / 2) / b.comparable) < 1e-15);
    const tau = 5;
    const rt = harrellConcordance(time, event, risk, { tau });
    const bt = bruteConcordance(
      time,
      event,
      (i, j) => Math.sign(risk[i]! - risk[j]!),
      (i) => (time[i]! < tau ? 1 : 0),
    );
    assert.deepEqual([rt.concordant, rt.tiedRisk, rt.comparable], [bt.concordant, bt.tied, bt.comparable]);
  }
});

test('censoring Kaplan-Meier Ĝ(t-) equals a brute-force product', () => {
  const rng = new Rng(5);
  const { time, event } = tiedSurvival(rng, 50);
  const g = censoringSurvival(toSurvival(time, event, 50, 't'));
  for (const t of [0, 0.5, 1, 3, 3.5, 9, 9.5, 20]) {
    assert.ok(Math.abs(g(t) - bruteCensoringKM(time, event, t)) < 1e-14, `t = ${t}`);
  }
});

test("Uno's C(τ) equals the brute-force IPCW-weighted count; without censoring it is Harrell's", () => {
  for (const seed of [6, 7, 8]) {
    const rng = new Rng(seed);
    const train = tiedSurvival(rng, 80);
    const { time, event, risk } = tiedSurvival(rng, 60);
    for (const tau of [4, 7, Infinity]) {
      const r = unoConcordance(time, event, risk, { tau, trainTime: train.time, trainEvent: train.event });
      const w = (i: number): number =>
        time[i]! < tau ? 1 / bruteCensoringKM(train.time, train.event, time[i]!) ** 2 : 0;
      const b = bruteConcordance(time, event, (i, j) => Math.sign(risk[i]! - risk[j]!), w);
      const ref = (b.concordant + b.tied / 2) / b.comparable;
      assert.ok(Math.abs(r.cIndex - ref) < 1e-12, `seed ${seed} tau ${tau}: ${r.cIndex} vs ${ref}`);
      assert.ok(Math.abs(r.comparable - b.comparable) < 1e-9 * b.comparable);
    }
  }
  const rng = new Rng(9);
  const time = Array.from({ length: 40 }, () => rng.int(0, 10));
  const event = time.map(() => 1);
  const risk = time.map(() => rng.normal());
  assert.equal(unoConcordance(time, event, risk).cIndex, harrellConcordance(time, event, risk).cIndex);
});

test("Uno's C refuses Ĝ = 0 and both C's refuse data without comparable pairs", () => {
  // training data whose last subject is censored at 5: Ĝ(t-) = 0 for t > 5
  assert.throws(
    () => unoConcordance([6, 7], [1, 0], [1, 0], { trainTime: [1, 5], trainEvent: [1, 0] }),
    /Ĝ\(t-\) is 0 at the event time 6/,
  );
  assert.throws(() => harrellConcordance([1, 2], [0, 0], [1, 2]), /no comparable pairs/);
  assert.throws(() => unoConcordance([1, 2], [1, 1], [1, 2], { trainTime: [1] }), /both/);
});

test("Antolini's C^td equals a brute-force count, and Harrell's C for proportional-hazards curves", () => {
  const rng = new Rng(10);
  const n = 70;
  const time = Array.from({ length: n }, () => rng.int(1, 12));
  const event = time.map(() => (rng.next() < 0.7 ? 1 : 0));
  const grid = [0.5, 2, 3.5, 5, 8, 11];
  // crossing curves: each subject has its own piecewise shape
  const survival: number[] = [];
  for (let i = 0; i < n; i++) {
    let s = 1;
    for (let k = 0; k < grid.length; k++) {
      s *= Math.round(rng.uniform(0.5, 1) * 20) / 20; // coarse values: ties happen
      survival.push(s);
    }
  }
  const at = (i: number, t: number): number => {
    let v = 1;
    for (let k = 0; k < grid.length; k++) if (grid[k]! <= t) v = survival[i * grid.length + k]!;
    return v;
  };
  for (const tau of [Infinity, 6]) {
    const r = antoliniConcordance(time, event, survival, grid, { tau });
    const b = bruteConcordance(
      time,
      event,
      (i, j) => Math.sign(at(j, time[i]!) - at(i, time[i]!)),
      (i) => (time[i]! < tau ? 1 : 0),
    );
    assert.deepEqual(
      [r.concordant, r.discordant, r.tiedRisk, r.comparable],
      [b.concordant, b.discordant, b.tied, b.comparable],
    );
  }
  // proportional hazards: S(t|x) = exp(-H(t) e^η) orders subjects by η at every t > 0
  const eta = time.map(() => rng.normal());
  const ph: number[] = [];
  for (let i = 0; i < n; i++) for (const t of grid) ph.push(Math.exp(-0.1 * t * Math.exp(eta[i]!)));
  assert.equal(antoliniConcordance(time, event, ph, grid).cIndex, harrellConcordance(time, event, eta).cIndex);
});

test('timeQuantiles: numpy-linear quantiles of the event times; Cox risk is concordant on simulated data', () => {
  // event times 1 2 4 8 (the censored 3 and 100 are ignored): 25% -> 1.75, 50% -> 3, 75% -> 5
  assert.deepEqual(timeQuantiles([1, 3, 2, 4, 8, 100], [1, 0, 1, 1, 1, 0]), [1.75, 3, 5]);
  // all six times 1 2 3 4 8 100: h = 5q -> 2.25, 3.5, 7
  assert.deepEqual(timeQuantiles([1, 3, 2, 4, 8, 100], [1, 0, 1, 1, 1, 0], [0.25, 0.5, 0.75], 'all'), [2.25, 3.5, 7]);
  assert.throws(() => timeQuantiles([1, 2], [0, 0]), /no events/);
  const rng = new Rng(11);
  const x = Array.from({ length: 300 }, () => [rng.normal()]);
  const time = x.map((r) => -Math.log(1 - rng.next()) / Math.exp(1.2 * r[0]!));
  const cens = x.map(() => -Math.log(1 - rng.next()) / 0.5);
  const t = time.map((v, i) => Math.min(v, cens[i]!));
  const e = time.map((v, i) => (v <= cens[i]! ? 1 : 0));
  const risk = fitCox(x, t, e).predictRisk(x);
  for (const tau of timeQuantiles(t, e)) {
    const c = unoConcordance(t, e, risk, { tau }).cIndex;
    assert.ok(c > 0.7 && c < 0.9, `C(${tau}) = ${c}`);
  }
  // a useless score sits at 1/2
  assert.equal(harrellConcordance(t, e, new Array(300).fill(0)).cIndex, 0.5);
});
