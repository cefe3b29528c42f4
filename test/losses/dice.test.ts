/**
 * Soft Dice, Dice + CE against hand computations with plain loops (softmax, one-hot, sums per class), including a
 * class absent from the target (an empty class), batch vs per-sample Dice, the smooth term, and gradients against
 * central finite differences in float64.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy } from '../../src/engine/index.js';
import { crossEntropy, diceCELoss, softDiceLoss, softDiceScores } from '../../src/losses/dice.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from '../engine/helpers.js';

const [N, C, H, W] = [2, 3, 2, 3];
const P = H * W;

/** logits[n][c][p] */
type Logits = number[][][];

function softmaxRef(l: Logits): Logits {
  return l.map((img) => {
    const out = img.map(() => new Array<number>(P).fill(0));
    for (let p = 0; p < P; p++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(img[c]![p]!);
      for (let c = 0; c < C; c++) out[c]![p] = Math.exp(img[c]![p]!) / s;
    }
    return out;
  });
}

/** Dice per class (batch sums) or per sample and class, smooth in numerator and denominator */
function diceRef(prob: Logits, target: number[][], smooth: number, perSample: boolean): number[] {
  const out: number[] = [];
  const groups = perSample ? [[0], [1]] : [[0, 1]];
  for (const g of groups)
    for (let c = 0; c < C; c++) {
      let inter = 0;
      let sp = 0;
      let sy = 0;
      for (const n of g)
        for (let p = 0; p < P; p++) {
          const y = target[n]![p] === c ? 1 : 0;
          inter += prob[n]![c]![p]! * y;
          sp += prob[n]![c]![p]!;
          sy += y;
        }
      out.push((2 * inter + smooth) / (sp + sy + smooth));
    }
  return out;
}

function randomLogits(rng: Rng): Logits {
  return Array.from({ length: N }, () =>
    Array.from({ length: C }, () => Array.from({ length: P }, () => rng.normal())),
  );
}

// class 2 appears nowhere: an empty class
const TARGET = [
  [0, 1, 1, 0, 0, 1],
  [1, 1, 0, 0, 0, 0],
];

function logitsTensor(l: Logits, requiresGrad = false) {
  return tensor(Float64Array.from(l.flat(2)), { shape: [N, C, H, W], dtype: 'float64', requiresGrad });
}
function targetTensor() {
  return tensor(TARGET.flat(), { shape: [N, H, W], dtype: 'int64' });
}

test('softDiceScores and softDiceLoss match the hand computation (batch Dice, foreground mean, empty class 2)', () => {
  const rng = new Rng(51);
  const l = randomLogits(rng);
  const prob = softmaxRef(l);
  const smooth = 1e-5;
  const d = diceRef(prob, TARGET, smooth, false);
  const out = tidy(() => ({
    scores: softDiceScores(logitsTensor(l), targetTensor()).toArray(),
    loss: softDiceLoss(logitsTensor(l), targetTensor()).item(),
    withBg: softDiceLoss(logitsTensor(l), targetTensor(), { includeBackground: true }).item(),
  }));
  assertClose(out.scores, d, { rtol: 1e-12 });
  assertClose([out.loss], [1 - (d[1]! + d[2]!) / 2], { rtol: 1e-12 });
  assertClose([out.withBg], [1 - (d[0]! + d[1]! + d[2]!) / 3], { rtol: 1e-12 });
  // the empty class scores about 0 (it is predicted a little everywhere): 1e-5 / (Σp + 1e-5)
  assert.ok(d[2]! < 1e-4 && d[2]! > 0);
});

test('softDiceLoss per sample, smooth term, one-hot targets and probability inputs', () => {
  const rng = new Rng(52);
  const l = randomLogits(rng);
  const prob = softmaxRef(l);
  const d = diceRef(prob, TARGET, 1, true); // [n0c0, n0c1, n0c2, n1c0, n1c1, n1c2]
  const oneHot = TARGET.map((img) => Array.from({ length: C }, (_, c) => img.map((v) => (v === c ? 1 : 0))));
  const out = tidy(() => {
    const oh = tensor(Float64Array.from(oneHot.flat(2)), { shape: [N, C, H, W], dtype: 'float64' });
    const probs = tensor(Float64Array.from(prob.flat(2)), { shape: [N, C, H, W], dtype: 'float64' });
    return {
      scores: softDiceScores(logitsTensor(l), targetTensor(), { perSample: true, smooth: 1 }).toArray(),
      loss: softDiceLoss(logitsTensor(l), targetTensor(), { perSample: true, smooth: 1 }).item(),
      lossOneHot: softDiceLoss(logitsTensor(l), oh, { perSample: true, smooth: 1 }).item(),
      lossProbs: softDiceLoss(probs, targetTensor(), { perSample: true, smooth: 1, softmax: false }).item(),
    };
  });
  assertClose(out.scores, d, { rtol: 1e-12 });
  const ref = 1 - (d[1]! + d[2]! + d[4]! + d[5]!) / 4;
  assertClose([out.loss, out.lossOneHot, out.lossProbs], [ref, ref, ref], { rtol: 1e-12 });
});

test('softDiceLoss: an empty class predicted nowhere scores 1 (smooth / smooth), a perfect prediction gives loss 0', () => {
  // probabilities that are exactly the one-hot target: Dice 1 for classes 0 and 1, and class 2 is empty in both
  const oneHot = TARGET.map((img) => Array.from({ length: C }, (_, c) => img.map((v) => (v === c ? 1 : 0))));
  const out = tidy(() => {
    const probs = tensor(Float64Array.from(oneHot.flat(2)), { shape: [N, C, H, W], dtype: 'float64' });
    return {
      scores: softDiceScores(probs, targetTensor(), { softmax: false }).toArray(),
      loss: softDiceLoss(probs, targetTensor(), { softmax: false }).item(),
    };
  });
  assertClose(out.scores, [1, 1, 1], { rtol: 1e-12 });
  assertClose([out.loss], [0], { atol: 1e-12 });
});

test('softDiceLoss and diceCELoss gradients match central finite differences (float64)', () => {
  const rng = new Rng(53);
  const l = randomLogits(rng);
  const ceRef = (x: Logits): number => {
    let s = 0;
    const prob = softmaxRef(x);
    for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) s += -Math.log(prob[n]![TARGET[n]![p]!]![p]!);
    return s / (N * P);
  };
  const diceLossRef = (x: Logits): number => {
    const d = diceRef(softmaxRef(x), TARGET, 1e-5, false);
    return 1 - (d[1]! + d[2]!) / 2;
  };
  const combined = (x: Logits): number => 0.7 * diceLossRef(x) + 0.3 * ceRef(x);
  const out = tidy(() => {
    const x = logitsTensor(l, true);
    const loss = diceCELoss(x, targetTensor(), { diceWeight: 0.7, ceWeight: 0.3 });
    const value = loss.item();
    loss.backward();
    const g = x.grad!.toArray();
    const x2 = logitsTensor(l, true);
    softDiceLoss(x2, targetTensor()).backward();
    return { value, g, g2: x2.grad!.toArray(), ce: crossEntropy(logitsTensor(l), targetTensor()).item() };
  });
  assertClose([out.ce], [ceRef(l)], { rtol: 1e-12, msg: 'crossEntropy re-export' });
  assertClose([out.value], [combined(l)], { rtol: 1e-12 });
  const fd = (f: (x: Logits) => number): number[] => {
    const h = 1e-6;
    const g: number[] = [];
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let p = 0; p < P; p++) {
          const plus = l.map((a) => a.map((b) => [...b]));
          const minus = l.map((a) => a.map((b) => [...b]));
          plus[n]![c]![p]! += h;
          minus[n]![c]![p]! -= h;
          g.push((f(plus) - f(minus)) / (2 * h));
        }
    return g;
  };
  assertClose(out.g, fd(combined), { rtol: 1e-5, atol: 1e-8, msg: 'diceCE' });
  assertClose(out.g2, fd(diceLossRef), { rtol: 1e-5, atol: 1e-8, msg: 'dice' });
});

test('dice losses reject bad targets by name', () => {
  const rng = new Rng(54);
  const l = randomLogits(rng);
  tidy(() => {
    assert.throws(
      () => softDiceLoss(logitsTensor(l), tensor([0, 1], { dtype: 'int64' })),
      /target must be class indices/,
    );
    const bad = tensor(
      TARGET.flat().map((v) => (v === 1 ? 3 : v)),
      { shape: [N, H, W], dtype: 'int64' },
    );
    assert.throws(() => softDiceLoss(logitsTensor(l), bad), /class 3, outside 0\.\.2/);
    assert.throws(
      () => softDiceLoss(logitsTensor(l), tensor(TARGET.flat(), { shape: [N, H, W], dtype: 'float32' })),
      /integer tensor/,
    );
    assert.throws(() => diceCELoss(logitsTensor(l), targetTensor(), { softmax: false }), /needs logits/);
  });
});
