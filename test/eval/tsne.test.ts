import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import {
  conditionalProbabilities,
  jointProbabilities,
  klGradient,
  squaredDistances,
  tsne,
} from '../../src/eval/tsne.js';

function gaussianClusters(perCluster: number, dim: number, sep: number, seed: number) {
  const rng = new Rng(seed);
  const centres = [0, 1, 2].map(() => Array.from({ length: dim }, () => rng.normal(0, sep)));
  const x: number[] = [];
  const label: number[] = [];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < perCluster; i++) {
      for (let k = 0; k < dim; k++) x.push(centres[c]![k]! + rng.normal());
      label.push(c);
    }
  }
  return { x: Float64Array.from(x), label, n: 3 * perCluster };
}

/** KL(P‖Q) written out independently: q from the Student-t kernel over all ordered pairs */
function referenceKl(P: Float64Array, Y: Float64Array, n: number): number {
  let Z = 0;
  const w = (i: number, j: number) => 1 / (1 + (Y[2 * i]! - Y[2 * j]!) ** 2 + (Y[2 * i + 1]! - Y[2 * j + 1]!) ** 2);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) Z += w(i, j);
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const p = P[i * n + j]!;
      kl += p * Math.log(p / (w(i, j) / Z));
    }
  }
  return kl;
}

test('conditional P: rows sum to 1 with entropy ln(perplexity), p_j|i = exp(-beta d²) / sum', () => {
  const rng = new Rng(1);
  const n = 40;
  const d = 5;
  const x = Float64Array.from({ length: n * d }, () => rng.normal(0, 3));
  const D = squaredDistances(x, n, d);
  // distances by hand for one pair
  let d01 = 0;
  for (let k = 0; k < d; k++) d01 += (x[k]! - x[d + k]!) ** 2;
  assert.ok(Math.abs(D[1]! - d01) < 1e-12);
  for (const perp of [5, 10, 30]) {
    const { P, betas, maxEntropyError } = conditionalProbabilities(D, n, perp);
    assert.ok(maxEntropyError < 1e-4);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      let H = 0;
      let z = 0;
      for (let j = 0; j < n; j++) if (j !== i) z += Math.exp(-betas[i]! * D[i * n + j]!);
      for (let j = 0; j < n; j++) {
        const p = P[i * n + j]!;
        if (j === i) {
          assert.equal(p, 0);
          continue;
        }
        sum += p;
        if (p > 0) H -= p * Math.log(p);
        const ref = Math.exp(-betas[i]! * D[i * n + j]!) / z;
        assert.ok(Math.abs(p - ref) < 1e-12 + 1e-9 * ref, `row ${i} col ${j}: ${p} vs ${ref}`);
      }
      assert.ok(Math.abs(sum - 1) < 1e-12, `row ${i} sums to ${sum}`);
      assert.ok(Math.abs(H - Math.log(perp)) < 1e-4, `row ${i}: H ${H}, ln(${perp}) ${Math.log(perp)}`);
      assert.ok(Math.abs(Math.exp(H) - perp) < 1e-3 * perp, 'perplexity = e^H');
    }
  }
});

test('conditional P: hand example with equal distances gives a uniform row', () => {
  // point 0 at the centre of a regular simplex-like layout: all its distances equal -> p = 1/(n-1) for any beta;
  // its entropy is ln 4 and cannot reach ln 2, reported as an entropy error
  const x = Float64Array.from([0, 0, 1, 0, -1, 0, 0, 1, 0, -1]);
  const D = squaredDistances(x, 5, 2);
  const { P, maxEntropyError } = conditionalProbabilities(D, 5, 2);
  for (let j = 1; j < 5; j++) assert.ok(Math.abs(P[j]! - 0.25) < 1e-12);
  assert.ok(Math.abs(maxEntropyError - (Math.log(4) - Math.log(2))) < 1e-9);
  assert.throws(() => conditionalProbabilities(D, 5, 4), /perplexity must be in \(0, n - 1\) = \(0, 4\)/);
});

test('joint P is symmetric and sums to 1', () => {
  const { x, n } = gaussianClusters(8, 4, 5, 2);
  const P = jointProbabilities(conditionalProbabilities(squaredDistances(x, n, 4), n, 5).P, n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    assert.equal(P[i * n + i], 0);
    for (let j = 0; j < n; j++) {
      sum += P[i * n + j]!;
      assert.equal(P[i * n + j], P[j * n + i]);
    }
  }
  assert.ok(Math.abs(sum - 1) < 1e-9, `${sum}`);
});

test('klGradient matches central finite differences of KL', () => {
  const { x, n } = gaussianClusters(5, 3, 4, 3);
  const P = jointProbabilities(conditionalProbabilities(squaredDistances(x, n, 3), n, 4).P, n);
  const rng = new Rng(4);
  const Y = Float64Array.from({ length: 2 * n }, () => rng.normal(0, 2));
  const g = klGradient(P, Y, n, 2, 1, new Float64Array(2 * n));
  const h = 1e-6;
  for (let a = 0; a < 2 * n; a++) {
    const y0 = Y[a]!;
    Y[a] = y0 + h;
    const up = referenceKl(P, Y, n);
    Y[a] = y0 - h;
    const down = referenceKl(P, Y, n);
    Y[a] = y0;
    const fd = (up - down) / (2 * h);
    assert.ok(Math.abs(fd - g[a]!) < 1e-6 + 1e-5 * Math.abs(fd), `coord ${a}: ${g[a]} vs ${fd}`);
  }
});

function nnPurity(Y: Float64Array, label: number[]): number {
  const n = label.length;
  let pure = 0;
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = (Y[2 * i]! - Y[2 * j]!) ** 2 + (Y[2 * i + 1]! - Y[2 * j + 1]!) ** 2;
      if (d < bestD) [bestD, best] = [d, j];
    }
    if (label[best] === label[i]) pure++;
  }
  return pure / n;
}

test("tsne ('auto' learning rate): KL decreases after the exaggeration phase, clusters stay separated", () => {
  const { x, label, n } = gaussianClusters(30, 10, 10, 5);
  const r = tsne(x, 10, { perplexity: 15, seed: 3, klEvery: 50, learningRate: 'auto' });
  assert.equal(r.learningRate, 50); // max(90 / 12 / 4, 50)
  assert.equal(r.embedding.length, 2 * n);
  assert.ok(r.perplexityError < 1e-4);
  const kl = r.kl.map((k) => k.value);
  assert.equal(r.kl.at(-1)!.iteration, 1000);
  const after = r.kl.filter((k) => k.iteration >= 300).map((k) => k.value);
  for (let i = 1; i < after.length; i++) assert.ok(after[i]! <= after[i - 1]! + 1e-4, `KL ${after}`);
  assert.ok(after.at(-1)! < 0.5 * after[0]!, `KL ${after}`);
  // the reported KL is the true KL of the returned embedding (independent formula)
  const P = jointProbabilities(conditionalProbabilities(squaredDistances(x, n, 10), n, 15).P, n);
  assert.ok(Math.abs(referenceKl(P, r.embedding, n) - kl.at(-1)!) < 1e-9);
  // and far below the KL of a random start
  const rng = new Rng(9);
  const Y0 = Float64Array.from({ length: 2 * n }, () => rng.normal(0, 1e-4));
  assert.ok(kl.at(-1)! < 0.2 * referenceKl(P, Y0, n));
  assert.ok(nnPurity(r.embedding, label) > 0.9);
  // cluster centroids far apart compared with the clusters' spread
  const Y = r.embedding;
  const members = (c: number) => label.flatMap((l, i) => (l === c ? [i] : []));
  const centroid = (c: number) =>
    [0, 1].map((k) => members(c).reduce((s, i) => s + Y[2 * i + k]!, 0) / members(c).length);
  const spread = (c: number) => {
    const m = centroid(c);
    const idx = members(c);
    return Math.sqrt(idx.reduce((s, i) => s + (Y[2 * i]! - m[0]!) ** 2 + (Y[2 * i + 1]! - m[1]!) ** 2, 0) / idx.length);
  };
  for (let a = 0; a < 3; a++) {
    for (let b = a + 1; b < 3; b++) {
      const [ca, cb] = [centroid(a), centroid(b)];
      const dist = Math.hypot(ca[0]! - cb[0]!, ca[1]! - cb[1]!);
      assert.ok(dist > 2 * (spread(a) + spread(b)), `clusters ${a}, ${b}: ${dist} vs ${spread(a)} + ${spread(b)}`);
    }
  }
});

test('tsne (defaults: learning rate 200): clusters separated, final KL below the post-exaggeration KL', () => {
  const { x, label } = gaussianClusters(30, 10, 10, 7);
  const r = tsne(x, 10, { perplexity: 15, seed: 1 });
  assert.equal(r.learningRate, 200);
  const at300 = r.kl.find((k) => k.iteration === 300)!.value;
  assert.ok(r.kl.at(-1)!.value < at300, `KL ${r.kl.map((k) => k.value)}`);
  assert.ok(nnPurity(r.embedding, label) > 0.9);
});

test('tsne: seeded; bad input refused', () => {
  const { x } = gaussianClusters(5, 3, 5, 6);
  const a = tsne(x, 3, { perplexity: 4, iterations: 60, seed: 1 });
  const b = tsne(x, 3, { perplexity: 4, iterations: 60, seed: 1 });
  const c = tsne(x, 3, { perplexity: 4, iterations: 60, seed: 2 });
  assert.deepEqual(a.embedding, b.embedding);
  assert.notDeepEqual(a.embedding, c.embedding);
  assert.throws(() => tsne(x, 4), /not a multiple of dim 4/);
  assert.throws(() => tsne(x, 3, { perplexity: 30 }), /perplexity must be in \(0, n - 1\) = \(0, 14\)/);
  const bad = Float64Array.from(x);
  bad[7] = NaN;
  assert.throws(() => tsne(bad, 3, { perplexity: 4 }), /data\[7\] \(point 2\) is not finite/);
  assert.throws(() => tsne(x, 3, { perplexity: 4, maxPoints: 10 }), /15 points exceed maxPoints = 10/);
});
