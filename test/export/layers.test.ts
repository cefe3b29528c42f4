/**
 * The engine-layer emitters: a Sequential of every supported layer kind (strided, dilated and grouped convs, a
 * transposed conv with output padding, a BatchNorm not after a conv, pooling, activations) exported and run in
 * onnxruntime-node against libtorch; sub-modules the walk does not reach are an error naming their tensors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, nn, type Tensor } from '../../src/engine/index.js';
import { exportOnnx } from '../../src/export/export-model.js';
import { readOnnxModelInfo } from '../../src/export/reader.js';
import { UNet } from '../../src/models/unet.js';
import { Rng } from '../../src/util/rng.js';
import { randomizeBatchNorms } from '../models/seg-refs.js';
import { bothForwards } from './parity.js';

test('exported layer stack: every supported engine layer matches libtorch', async () => {
  manualSeed(7);
  const seq = new nn.Sequential(
    new nn.Conv2d(2, 8, 3, { stride: 2, padding: 2, dilation: 2 }),
    new nn.LeakyReLU(0.1),
    new nn.Conv2d(8, 8, 3, { padding: 1, groups: 4, bias: false }),
    new nn.ReLU(),
    new nn.BatchNorm2d(8),
    new nn.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 }),
    new nn.ConvTranspose2d(8, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }),
    new nn.InstanceNorm2d(4, { affine: true }),
    new nn.ELU(0.5),
    new nn.AvgPool2d({ kernelSize: 2 }),
    new nn.Dropout(0.4),
    new nn.Identity(),
    new nn.Tanh(),
    new nn.Conv2d(4, 3, 1),
    new nn.Sigmoid(),
  );
  randomizeBatchNorms(seq, new Rng(7));
  const rng = new Rng(8);
  const x = Float32Array.from({ length: 2 * 2 * 23 * 30 }, () => rng.uniform(-1, 1));
  const r = await bothForwards(seq, x, [2, 2, 23, 30]);
  const ops = readOnnxModelInfo(r.bytes).ops;
  for (const op of ['Conv', 'LeakyRelu', 'Relu', 'BatchNormalization', 'MaxPool', 'ConvTranspose'])
    assert.ok(ops.has(op), op);
  for (const op of ['InstanceNormalization', 'Elu', 'AveragePool', 'Tanh', 'Sigmoid']) assert.ok(ops.has(op), op);
  assert.ok(!ops.has('Dropout'), 'dropout is the identity in inference');
  assert.ok(r.err <= 1e-5, `max abs error ${r.err}`);
});

test('exported layer stack: global average pooling and flatten', async () => {
  manualSeed(9);
  const seq = new nn.Sequential(new nn.Conv2d(1, 5, 3), new nn.AdaptiveAvgPool2d(1), new nn.Flatten());
  const rng = new Rng(9);
  const x = Float32Array.from({ length: 3 * 11 * 9 }, () => rng.uniform(-1, 1));
  const r = await bothForwards(seq, x, [3, 1, 11, 9]);
  assert.deepEqual(r.onnx.dims, [3, 5]);
  assert.ok(r.err <= 1e-6, `max abs error ${r.err}`);
});

test('export: a sub-module outside the exported forward pass is an error naming its tensors', () => {
  class UNetWithExtra extends UNet {
    readonly extra = this.registerModule('extra', new nn.Conv2d(1, 1, 1));
    override forward(x: Tensor): Tensor {
      return super.forward(x);
    }
  }
  const m = new UNetWithExtra({ widths: [4, 8], numClasses: 2 });
  assert.throws(() => exportOnnx(m), /did not use 2 of the model's tensors .*extra\.weight, extra\.bias/);
});

test('export: a BatchNorm without running statistics cannot be exported, the error names it', () => {
  const seq = new nn.Sequential(new nn.Conv2d(1, 2, 1), new nn.BatchNorm2d(2, { trackRunningStats: false }));
  assert.throws(() => exportOnnx(seq), /1 \(BatchNorm2d\): a BatchNorm without running statistics/);
});
