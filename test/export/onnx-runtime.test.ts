/**
 * The ONNX Runtime segmenter: argmax against a brute-force loop (ties to the first class, as torch.argmax), labels
 * of an exported network equal to libtorch's argmax, and errors for bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, noGrad, tensor } from '../../src/engine/index.js';
import { exportOnnx } from '../../src/export/export-model.js';
import { argmaxClasses, OnnxSegmenter } from '../../src/export/onnx-runtime.js';
import { createModel } from '../../src/models/registry.js';
import { Rng } from '../../src/util/rng.js';

test('argmaxClasses: the largest logit per pixel, the first class on ties', () => {
  const rng = new Rng(1);
  const [n, c, p] = [2, 4, 15];
  // values on a coarse grid so ties happen
  const logits = Float32Array.from({ length: n * c * p }, () => rng.int(0, 3));
  const got = argmaxClasses(logits, n, c, p);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < p; i++) {
      const vals = Array.from({ length: c }, (_, k) => logits[(b * c + k) * p + i]!);
      assert.equal(got[b * p + i], vals.indexOf(Math.max(...vals)), `sample ${b} pixel ${i}`);
    }
  assert.throws(() => argmaxClasses(new Float32Array(300), 1, 300, 1), /300 classes do not fit uint8/);
});

test('OnnxSegmenter: labels of an exported U-Net equal libtorch argmax; bad input is an error', async () => {
  manualSeed(3);
  const model = createModel('unet', { widths: [4, 8], numClasses: 3 }).eval();
  const meta = { model: 'unet' as const, options: {}, numClasses: 3, preset: 'xray' as const, size: 16 };
  const seg = await OnnxSegmenter.create(exportOnnx(model, { meta }).bytes, { threads: 1 });
  try {
    const rng = new Rng(4);
    const x = Float32Array.from({ length: 5 * 16 * 16 }, () => rng.uniform(0, 1));
    const labels = await seg.labels(x, 5);
    const want = noGrad(() =>
      model
        .forward(tensor(x, { shape: [5, 1, 16, 16] }))
        .argmax(1)
        .to({ dtype: 'uint8' })
        .data(),
    );
    assert.deepEqual([...labels], [...(want as Uint8Array)]);
    await assert.rejects(seg.labels(x, 4), /1280 values are not 4 slices of 1×16×16/);
  } finally {
    await seg.release();
  }
  await assert.rejects(
    OnnxSegmenter.create('/nonexistent/model.onnx'),
    /nonexistent\/model\.onnx: cannot read the ONNX model/,
  );
  await assert.rejects(OnnxSegmenter.create(new Uint8Array([1, 2, 3])), /model: not an ONNX model/);
});
