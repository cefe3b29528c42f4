/**
 * The pure ONNX summary reader (src/io/onnx-metadata.ts) against two independent writers: the test's own protobuf
 * encoder (onnx-fixture.ts) and medcl's exporter, whose output is also decoded by onnx-proto (src/export/reader.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed } from '../../src/engine/index.js';
import { exportOnnx } from '../../src/export/export-model.js';
import { readOnnxModelInfo } from '../../src/export/reader.js';
import { readOnnxSummary } from '../../src/io/onnx-metadata.js';
import { createModel } from '../../src/models/registry.js';
import { conv1x1Model, encode } from './onnx-fixture.js';

test('the fixture model: metadata, opset, input and output shapes; initializers are not inputs', () => {
  const bytes = conv1x1Model({ metadata: { a: '1', 'medcl.classes': '["x","ü"]' }, weights: [1, 2, 3], batch: 4 });
  const s = readOnnxSummary(bytes, 'fixture.onnx');
  assert.deepEqual(s.metadata, { a: '1', 'medcl.classes': '["x","ü"]' });
  assert.deepEqual(s.opsets, { '': 17 });
  assert.deepEqual(s.inputs, [{ name: 'image', elemType: 1, shape: [4, 1, 'height', 'width'] }]);
  assert.deepEqual(s.outputs, [{ name: 'logits', elemType: 1, shape: [4, 3, 'height', 'width'] }]);
});

test('an exported U-Net: the same summary as onnx-proto decodes', () => {
  manualSeed(3);
  const net = createModel('unet', { widths: [4, 8], numClasses: 3 });
  const meta = {
    model: 'unet' as const,
    options: { widths: [4, 8] },
    numClasses: 3,
    preset: 'ct-polycl' as const,
    size: 32,
  };
  const { bytes } = exportOnnx(net, { meta });
  const mine = readOnnxSummary(bytes, 'unet.onnx');
  const ref = readOnnxModelInfo(bytes, 'unet.onnx');
  assert.deepEqual(mine.metadata, Object.fromEntries(ref.metadata));
  assert.equal(mine.opsets[''], ref.opset);
  assert.deepEqual(
    mine.inputs.map((v) => ({ name: v.name, dims: v.shape })),
    ref.inputs,
  );
  assert.deepEqual(
    mine.outputs.map((v) => ({ name: v.name, dims: v.shape })),
    ref.outputs,
  );
  assert.equal(mine.metadata['medcl.preset'], 'ct-polycl');
});

test('not an ONNX model: truncated, garbage, no graph', () => {
  const bytes = conv1x1Model();
  assert.throws(() => readOnnxSummary(bytes.subarray(0, bytes.length - 7), 'cut.onnx'), /cut\.onnx: not an ONNX model/);
  assert.throws(
    () => readOnnxSummary(new TextEncoder().encode('hello, world'), 'x.onnx'),
    /x\.onnx: not an ONNX model/,
  );
  assert.throws(() => readOnnxSummary(encode([[1, 8]]), 'empty.onnx'), /empty\.onnx: not an ONNX model \(no graph\)/);
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  assert.throws(() => readOnnxSummary(png, 'p.onnx'), /p\.onnx: not an ONNX model/);
});
