/**
 * The preprocessing metadata of an exported model: what a saved model's description becomes (keys and values
 * checked against the description and the presets' documented numbers), read back from the ONNX file, and
 * clear errors for files whose metadata is missing or ill-formed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed } from '../../src/engine/index.js';
import { exportOnnx, exportSavedModelFile } from '../../src/export/export-model.js';
import { onnxMetadata, parseOnnxMetadata, presetWindow } from '../../src/export/metadata.js';
import { readOnnxModelInfo } from '../../src/export/reader.js';
import { createModel } from '../../src/models/registry.js';
import { saveSegmentationModel } from '../../src/models/saved.js';
import { medclVersion } from '../../src/engine/system-info.js';

test('presetWindow: the presets of src/data/preset-preprocess.ts', () => {
  assert.deepEqual(presetWindow('ct-polycl'), { kind: 'hu', level: 40, width: 400 });
  assert.deepEqual(presetWindow('xray'), { kind: 'percentile', low: 1, high: 99, over: 'image' });
  assert.deepEqual(presetWindow('ct-pcl'), { kind: 'percentile', low: 1, high: 99, over: 'volume' });
});

test('medcl export: a saved model becomes an ONNX file with opset 17, its io shapes and its preprocessing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medcl-export-meta-'));
  try {
    manualSeed(1);
    const model = createModel('unet', { widths: [4, 8], numClasses: 3 });
    const meta = {
      model: 'unet' as const,
      options: { widths: [4, 8] },
      numClasses: 3,
      preset: 'ct-pcl' as const,
      size: 32,
      spacing: 1.5,
      classes: ['background', 'liver', 'spleen'],
    };
    saveSegmentationModel(join(dir, 'model'), model, meta);
    const file = join(dir, 'out', 'model.onnx');
    const r = exportSavedModelFile(join(dir, 'model'), file);
    const info = readOnnxModelInfo(file);
    assert.equal(info.irVersion, 8);
    assert.equal(info.opset, 17);
    assert.equal(info.producer, `medcl ${medclVersion()}`);
    assert.deepEqual(info.inputs, [{ name: 'image', dims: ['batch', 1, 'height', 'width'] }]);
    assert.deepEqual(info.outputs, [{ name: 'logits', dims: ['batch', 3, 'height', 'width'] }]);
    const md = info.metadata;
    assert.equal(md.get('medcl.format'), 'medcl-onnx-1');
    assert.equal(md.get('medcl.kind'), 'segmentation');
    assert.equal(md.get('medcl.model'), 'unet');
    assert.equal(md.get('medcl.preset'), 'ct-pcl');
    assert.equal(md.get('medcl.size'), '32');
    assert.equal(md.get('medcl.spacing'), '1.5');
    assert.equal(md.get('medcl.num_classes'), '3');
    assert.deepEqual(JSON.parse(md.get('medcl.classes')!), meta.classes);
    assert.deepEqual(JSON.parse(md.get('medcl.window')!), { kind: 'percentile', low: 1, high: 99, over: 'volume' });
    assert.deepEqual(JSON.parse(md.get('medcl.preprocessing')!), [
      { op: 'percentileNormalize', kind: 'percentile', low: 1, high: 99, over: 'volume' },
      { op: 'resample', spacing: [null, 1.5, 1.5], interpolation: 'linear' },
      { op: 'padCrop', shape: [null, 32, 32], value: 'the normalised 1st percentile (the background)' },
    ]);
    assert.deepEqual(JSON.parse(md.get('medcl.input')!).channels, 1);
    assert.equal(JSON.parse(md.get('medcl.model_json')!).size, 32);
    assert.deepEqual(parseOnnxMetadata(md, file), {
      preset: 'ct-pcl',
      size: 32,
      spacing: 1.5,
      numClasses: 3,
      classes: meta.classes,
      inChannels: 1,
      version: medclVersion(),
    });
    assert.equal(r.model, 'unet');

    const fixed = exportSavedModelFile(join(dir, 'model'), join(dir, 'fixed.onnx'), { staticSize: true });
    assert.deepEqual(readOnnxModelInfo(fixed.bytes).inputs[0]!.dims, ['batch', 1, 32, 32]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseOnnxMetadata: a model without preprocessing metadata is an error naming the file and the keys', () => {
  manualSeed(2);
  const bare = readOnnxModelInfo(exportOnnx(createModel('unet', { widths: [4, 8] })).bytes).metadata;
  assert.throws(
    () => parseOnnxMetadata(bare, 'bare.onnx'),
    /bare\.onnx: not a medcl segmentation model with its preprocessing recorded[\s\S]*medcl\.preset[\s\S]*medcl\.size/,
  );
  const entries = onnxMetadata({
    kind: 'segmentation',
    model: 'unet',
    inChannels: 1,
    version: '0',
    meta: { model: 'unet', options: {}, numClasses: 2, preset: 'xray', size: 64 },
  });
  const broken = new Map(entries);
  broken.set('medcl.size', 'big');
  broken.set('medcl.classes', '[not json');
  assert.throws(
    () => parseOnnxMetadata(broken, 'm.onnx'),
    /metadata medcl\.size[\s\S]*metadata medcl\.classes: not valid JSON/,
  );
  assert.throws(
    () =>
      exportOnnx(createModel('unet', { widths: [4, 8], numClasses: 2 }), {
        meta: { model: 'unet', options: {}, numClasses: 3, preset: 'xray', size: 64 },
      }),
    /2 output classes, its description says numClasses 3/,
  );
});
