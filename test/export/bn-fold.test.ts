/**
 * BatchNorm folding checked against an independent float64 computation: conv then eval-mode BN, by the definition
 * (plain loops of seg-refs.ts), versus the folded weights as foldBatchNorm computes them and as onnxruntime-node
 * runs them in an exported Conv2d → BatchNorm2d.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, noGrad, tensor } from '../../src/engine/index.js';
import { foldBatchNorm, type BatchNormStats } from '../../src/export/bn-fold.js';
import { exportOnnx } from '../../src/export/export-model.js';
import { readOnnxModelInfo } from '../../src/export/reader.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, randomArray } from '../engine/helpers.js';
import { batchNormRef, conv2dRef, type Nd } from '../models/seg-refs.js';
import { onnxForward } from './parity.js';

function randomNd(rng: Rng, shape: number[], low = -1, high = 1): Nd {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float64Array.from(randomArray(rng, n, low, high)), shape };
}

function randomStats(rng: Rng, c: number, eps: number): BatchNormStats {
  return {
    weight: Float64Array.from(randomArray(rng, c, 0.3, 2)),
    bias: Float64Array.from(randomArray(rng, c, -0.5, 0.5)),
    runningMean: Float64Array.from(randomArray(rng, c, -1, 1)),
    // one tiny variance: a scale of about 30, where folding errors would show
    runningVar: Float64Array.from(randomArray(rng, c, 0.001, 3)),
    eps,
  };
}

/** BN(conv(x)) by the definition, in float64 */
function reference(x: Nd, w: Nd, b: Float64Array | null, s: BatchNormStats, pad: number): Nd {
  const y = conv2dRef(x, w, b, { pad });
  return batchNormRef(y, { mean: s.runningMean, var: s.runningVar, gamma: s.weight, beta: s.bias }, s.eps);
}

for (const withBias of [false, true]) {
  test(`foldBatchNorm: conv${withBias ? ' with bias' : ''} ∘ BN equals the folded conv (float64 reference)`, () => {
    const rng = new Rng(withBias ? 2 : 1);
    const [O, C] = [5, 3];
    const x = randomNd(rng, [2, C, 7, 6]);
    const w = randomNd(rng, [O, C, 3, 3]);
    const b = withBias ? Float64Array.from(randomArray(rng, O)) : null;
    const stats = randomStats(rng, O, 1e-3);
    const folded = foldBatchNorm(w.data, b, stats);
    const viaFold = conv2dRef(
      x,
      { data: Float64Array.from(folded.weight), shape: w.shape },
      Float64Array.from(folded.bias),
      {
        pad: 1,
      },
    );
    assertClose(viaFold.data, reference(x, w, b, stats, 1).data, { rtol: 1e-6, atol: 1e-6 });
  });
}

test('foldBatchNorm: the weights are per output channel (first axis); a length mismatch is an error', () => {
  const stats = randomStats(new Rng(3), 2, 1e-5);
  assert.throws(() => foldBatchNorm(new Float64Array(5), null, stats), /do not split into 2 output channels/);
  assert.throws(() => foldBatchNorm(new Float64Array(4), new Float64Array(3), stats), /3 biases for 2 channels/);
  const f = foldBatchNorm([1, 1, 1, 1], null, stats);
  const s0 = stats.weight[0]! / Math.sqrt(stats.runningVar[0]! + 1e-5);
  const s1 = stats.weight[1]! / Math.sqrt(stats.runningVar[1]! + 1e-5);
  assertClose(f.weight, [s0, s0, s1, s1], { rtol: 1e-7 });
  assertClose(f.bias, [stats.bias[0]! - s0 * stats.runningMean[0]!, stats.bias[1]! - s1 * stats.runningMean[1]!], {
    rtol: 1e-6,
  });
});

test('exported Conv2d → BatchNorm2d: one folded Conv node, and ONNX Runtime matches the float64 reference', async () => {
  const rng = new Rng(4);
  const [O, C] = [6, 2];
  const conv = new nn.Conv2d(C, O, 3, { padding: 1, bias: true });
  const bn = new nn.BatchNorm2d(O, { eps: 1e-4 });
  const stats = randomStats(rng, O, 1e-4);
  noGrad(() => {
    bn.weight!.copy_(tensor(Float32Array.from(stats.weight)));
    bn.bias!.copy_(tensor(Float32Array.from(stats.bias)));
    bn.runningMean!.copy_(tensor(Float32Array.from(stats.runningMean)));
    bn.runningVar!.copy_(tensor(Float32Array.from(stats.runningVar)));
  });
  // the float32 values the layers hold are the reference's inputs
  const held: BatchNormStats = {
    weight: bn.weight!.toFloat64Array(),
    bias: bn.bias!.toFloat64Array(),
    runningMean: bn.runningMean!.toFloat64Array(),
    runningVar: bn.runningVar!.toFloat64Array(),
    eps: 1e-4,
  };
  const seq = new nn.Sequential(conv, bn).eval();
  const { bytes } = exportOnnx(seq);
  const info = readOnnxModelInfo(bytes);
  assert.deepEqual([...info.ops.keys()].sort(), ['Conv', 'Identity']);
  const x = randomNd(rng, [2, C, 9, 8]);
  const out = await onnxForward(bytes, Float32Array.from(x.data), x.shape);
  const ref = reference(
    x,
    { data: conv.weight.toFloat64Array(), shape: conv.weight.shape },
    conv.bias!.toFloat64Array(),
    held,
    1,
  );
  assert.deepEqual(out.dims, ref.shape);
  assertClose(out.data, ref.data, { rtol: 1e-5, atol: 1e-5 });
});
