import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationReport, fitLinearReadout } from '../../../src/eval/readout/index.js';
import { Rng } from '../../../src/util/rng.js';

test('linear readout on frozen features: binary metrics equal counts made in the test', () => {
  const rng = new Rng(31);
  const make = (n: number): { x: number[][]; y: number[] } => {
    const y = Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
    const x = y.map((c) => [rng.normal(c ? 1.5 : 0, 1), rng.normal(0, 1), rng.normal(c ? -1 : 0, 1)]);
    return { x, y };
  };
  const train = make(400);
  const evalSet = make(300);
  const readout = fitLinearReadout(train.x, train.y);
  const res = readout.evaluate(evalSet.x, evalSet.y);
  const prob = readout.model.predictProba(evalSet.x);
  const pred = evalSet.y.map((_, i) => (prob[2 * i + 1]! >= 0.5 ? 1 : 0));
  assert.deepEqual(res.predictions, pred);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < pred.length; i++) {
    if (pred[i] && evalSet.y[i]) tp++;
    else if (pred[i]) fp++;
    else if (evalSet.y[i]) fn++;
  }
  assert.ok(res.binary !== null);
  assert.equal(res.binary.precision, tp / (tp + fp));
  assert.equal(res.binary.recall, tp / (tp + fn));
  assert.ok(Math.abs(res.binary.f1 - (2 * tp) / (2 * tp + fp + fn)) < 1e-15);
  assert.ok(res.binary.f1 > 0.6, `F1 ${res.binary.f1}`);
  assert.equal(res.accuracy, pred.filter((p, i) => p === evalSet.y[i]).length / pred.length);
  // a lower threshold predicts more positives: recall cannot drop
  const low = fitLinearReadout(train.x, train.y, { threshold: 0.2 }).evaluate(evalSet.x, evalSet.y);
  assert.ok(low.binary!.recall >= res.binary.recall);
  assert.ok(low.binary!.tp + low.binary!.fp > tp + fp);
  assert.throws(() => fitLinearReadout(train.x, train.y, { threshold: 1 }), /threshold/);
});

test('classificationReport: multi-class one-vs-rest metrics and macro means by hand', () => {
  // truth 0 0 1 1 2 2, pred 0 1 1 1 2 0
  // class 0: tp 1 fp 1 fn 1 -> P 1/2 R 1/2 F1 1/2; class 1: tp 2 fp 1 fn 0 -> P 2/3 R 1 F1 4/5;
  // class 2: tp 1 fp 0 fn 1 -> P 1 R 1/2 F1 2/3
  const r = classificationReport([0, 1, 1, 1, 2, 0], [0, 0, 1, 1, 2, 2]);
  assert.equal(r.binary, null);
  assert.deepEqual(
    r.perClass.map((c) => [c.classId, c.precision, c.recall, c.support]),
    [
      [0, 0.5, 0.5, 2],
      [1, 2 / 3, 1, 2],
      [2, 1, 0.5, 2],
    ],
  );
  assert.ok(Math.abs(r.perClass[1]!.f1 - 0.8) < 1e-15);
  assert.ok(Math.abs(r.macro.precision - (0.5 + 2 / 3 + 1) / 3) < 1e-15);
  assert.ok(Math.abs(r.macro.recall - 2 / 3) < 1e-15);
  assert.ok(Math.abs(r.macro.f1 - (0.5 + 0.8 + 2 / 3) / 3) < 1e-15);
  assert.equal(r.accuracy, 4 / 6);
});
