/** What a program feeding an exported model reads from it, and the messages for models it cannot feed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnxSegmenter } from '../../src/data/onnx-segmenter.js';
import { readOnnxSummary } from '../../src/io/onnx-metadata.js';
import { conv1x1Model, THRESHOLD_METADATA } from '../io/onnx-fixture.js';

const seg = (opts: Parameters<typeof conv1x1Model>[0]) =>
  onnxSegmenter(readOnnxSummary(conv1x1Model(opts), 'm.onnx'), 'm.onnx');

test('the preprocessing, classes and layout of a model with medcl metadata', () => {
  assert.deepEqual(seg({}), {
    preset: 'ct-polycl',
    size: 32,
    numClasses: 2,
    classes: ['background', 'bright'],
    inChannels: 1,
    inputName: 'image',
    outputName: 'logits',
  });
  const s = seg({
    metadata: { 'medcl.preset': 'ct-pcl', 'medcl.size': '64', 'medcl.spacing': '1.5', 'medcl.num_classes': '3' },
    weights: [1, 2, 3],
    biases: [0, 0, 0],
    batch: 1,
  });
  assert.equal(s.spacing, 1.5);
  assert.equal(s.fixedBatch, 1);
  assert.deepEqual(s.classes, ['background', 'class 1', 'class 2']);
});

test('refused, with the file and the key named', () => {
  assert.throws(
    () => seg({ metadata: {} }),
    /m\.onnx: no medcl preprocessing .*medcl\.preset missing; it has no metadata.*medcl export/s,
  );
  assert.throws(() => seg({ metadata: { producer: 'x' } }), /it has producer/);
  assert.throws(() => seg({ metadata: { ...THRESHOLD_METADATA, 'medcl.preset': 'mri' } }), /medcl\.preset = mri/);
  assert.throws(
    () => seg({ metadata: { ...THRESHOLD_METADATA, 'medcl.size': '3.5' } }),
    /medcl\.size = "3.5" is not a positive integer/,
  );
  assert.throws(() => seg({ metadata: { 'medcl.preset': 'ct-pcl' } }), /medcl\.size missing/);
  assert.throws(() => seg({ metadata: { ...THRESHOLD_METADATA, 'medcl.classes': '["a"]' } }), /JSON list of 2 names/);
  assert.throws(
    () => seg({ metadata: { ...THRESHOLD_METADATA, 'medcl.num_classes': '3' } }),
    /output has 2 channels but the metadata says 3/,
  );
  assert.throws(
    () => seg({ metadata: { ...THRESHOLD_METADATA, 'medcl.kind': 'encoder' } }),
    /a medcl encoder .*not a segmentation network/,
  );
  assert.equal(seg({ inChannels: 3 }).inChannels, 3);
});
