/**
 * `medcl export` then `medcl predict --engine onnx` on the exported file: the label map of a CT phantom volume
 * equals `medcl predict --engine libtorch` on the saved model (both engines, the same preprocessing and batches);
 * errors for a wrong output name, an .onnx file with the libtorch engine, and an unknown engine.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { manualSeed, noGrad } from '../../src/engine/index.js';
import { register as registerExport } from '../../src/cli/export.js';
import { register as registerPredict } from '../../src/cli/predict.js';
import { createModel } from '../../src/models/registry.js';
import { saveSegmentationModel } from '../../src/models/saved.js';
import { loadManifest } from '../../src/io/manifest.js';
import { readImage } from '../../src/io/read.js';
import { captureStdout, smallPhantoms } from './fixtures.js';

const data = await smallPhantoms('medcl-cli-export-');
after(() => rm(data.dir, { recursive: true, force: true }));

function run(args: string[]): Promise<string> {
  const p = new Command();
  p.exitOverride();
  p.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerExport(p);
  registerPredict(p);
  return captureStdout(() => p.parseAsync(['node', 'medcl', ...args]));
}

function predictArgs(model: string, input: string, out: string, engine: string): string[] {
  return ['predict', '--model', model, '--input', input, '--out', out, '--engine', engine];
}

test('export then predict: the ONNX engine on the .onnx file = the libtorch engine on the saved model', async () => {
  manualSeed(21);
  const model = createModel('unet', { widths: [4, 8], numClasses: 3 });
  // no classifier bias: the argmax follows the features, so a random network predicts several classes
  noGrad(() => model.stateDict().get('head.bias')!.zero_());
  const dir = join(data.dir, 'model');
  saveSegmentationModel(dir, model, {
    model: 'unet',
    options: { widths: [4, 8] },
    numClasses: 3,
    preset: 'ct-polycl',
    size: 16,
    classes: ['background', 'a', 'b'],
  });
  const onnxFile = join(data.dir, 'model.onnx');
  const printed = await run(['export', '--model', dir, '--out', onnxFile]);
  assert.match(printed, /model\.onnx: unet, opset 17, \d+ nodes/);
  assert.match(printed, /input image \[batch, 1, height, width\], output logits \[batch, 3, height, width\]/);
  assert.match(printed, /preset ct-polycl, size 16; classes: background, a, b/);

  const input = (await loadManifest(data.ct)).items[0]!.image;
  const outOnnx = join(data.dir, 'onnx.nii.gz');
  const outTorch = join(data.dir, 'torch.nii.gz');
  await run([...predictArgs(onnxFile, input, outOnnx, 'onnx'), '--batch-size', '4']);
  await run(predictArgs(dir, input, outTorch, 'libtorch'));
  const a = await readImage(outOnnx);
  const b = await readImage(outTorch);
  assert.deepEqual(a.shape, b.shape);
  assert.deepEqual([...a.data], [...b.data]);
  assert.ok(new Set(a.data).size >= 2, 'several classes predicted');
});

test('export and predict: bad arguments are errors naming them', async () => {
  await assert.rejects(
    run(['export', '--model', data.dir, '--out', join(data.dir, 'x.pt')]),
    /--out .*x\.pt: expected a \.onnx file/,
  );
  const onnxFile = join(data.dir, 'model.onnx');
  const input = (await loadManifest(data.ct)).items[0]!.image;
  await assert.rejects(
    run(predictArgs(onnxFile, input, join(data.dir, 'o.nii.gz'), 'libtorch')),
    /an ONNX file runs with the onnx engine/,
  );
  await assert.rejects(
    run(predictArgs(onnxFile, input, join(data.dir, 'o.nii.gz'), 'tf')),
    /expected one of onnx, libtorch, got "tf"/,
  );
});
