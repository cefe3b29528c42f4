import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, noGrad, randn, type nn, type Tensor } from '../../src/engine/index.js';
import { buildSegmentationModel, createModel } from '../../src/models/registry.js';
import { loadSegmentationModel, saveSegmentationModel, SAVED_MODEL_FORMAT } from '../../src/models/saved.js';
import { PolyCLUNet } from '../../src/models/polycl-unet.js';

const root = mkdtempSync(join(tmpdir(), 'medcl-saved-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** train-mode forward passes so that BatchNorm running statistics move away from their initial 0 / 1 */
function touchBuffers(model: { train(): unknown; eval(): unknown; forward(x: Tensor): Tensor }): void {
  model.train();
  noGrad(() => {
    for (let i = 0; i < 2; i++) model.forward(randn([2, 1, 16, 16]).mul(3).add(1)).dispose();
  });
  model.eval();
}

function stateArrays(model: nn.Module): Map<string, number[]> {
  return new Map([...model.stateDict()].map(([k, t]) => [k, t.toArray()]));
}

test('saveSegmentationModel / loadSegmentationModel: the same tensors (parameters and BN buffers) and outputs', () => {
  manualSeed(3);
  const model = createModel('unet', { widths: [4, 8], numClasses: 3 });
  touchBuffers(model);
  const dir = join(root, 'unet');
  const files = saveSegmentationModel(dir, model, {
    model: 'unet',
    options: { widths: [4, 8] },
    numClasses: 3,
    preset: 'xray',
    size: 32,
    classes: ['background', 'left', 'right'],
  });
  assert.ok(existsSync(files.weights) && existsSync(files.json));
  const json = JSON.parse(readFileSync(files.json, 'utf8')) as Record<string, unknown>;
  assert.equal(json['format'], SAVED_MODEL_FORMAT);
  assert.equal(json['model'], 'unet');
  assert.equal(json['numClasses'], 3);

  manualSeed(99); // a different initialisation: everything must come from the file
  for (const target of [dir, files.weights, files.json]) {
    const loaded = loadSegmentationModel(target);
    assert.equal(loaded.meta.preset, 'xray');
    assert.equal(loaded.meta.size, 32);
    assert.deepEqual(loaded.meta.classes, ['background', 'left', 'right']);
    assert.equal(loaded.model.training, false, 'loaded in eval mode');
    const want = stateArrays(model);
    const got = stateArrays(loaded.model);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [k, v] of want) assert.deepEqual(got.get(k), v, k);
    assert.ok(
      want.get('encoder.stage0.0.norm.running_var')!.some((v) => v !== 1),
      'BN statistics were saved',
    );
    const x = randn([1, 1, 16, 16]);
    const a = noGrad(() => model.forward(x).toArray());
    const b = noGrad(() => loaded.model.forward(x).toArray());
    assert.deepEqual(b, a);
  }
});

test('a model built around a pre-training encoder config is saved with `encoder` and rebuilt the same way', () => {
  manualSeed(4);
  const encoder = { widths: [4, 8, 16], norm: 'batch' as const, slope: 0.1, dropout: 0 };
  const model = buildSegmentationModel('polycl-unet', { numClasses: 2, encoder });
  assert.ok(model instanceof PolyCLUNet);
  touchBuffers(model);
  const dir = join(root, 'polycl');
  saveSegmentationModel(dir, model, { model: 'polycl-unet', encoder, numClasses: 2, preset: 'ct-polycl', size: 16 });
  const loaded = loadSegmentationModel(dir);
  assert.deepEqual(loaded.meta.encoder, encoder);
  const x = randn([2, 1, 16, 16]);
  assert.deepEqual(
    noGrad(() => loaded.model.forward(x).toArray()),
    noGrad(() => model.forward(x).toArray()),
  );
  // the plain polycl-unet options (instance norm) would NOT describe this batch-norm network
  assert.throws(
    () =>
      saveSegmentationModel(join(root, 'x'), model, {
        model: 'polycl-unet',
        options: { widths: [4, 8, 16] },
        numClasses: 2,
        preset: 'ct-polycl',
        size: 16,
      }),
    /does not match the model/,
  );
});

test('saving refuses a description that does not match the network, and writes nothing', () => {
  manualSeed(5);
  const model = createModel('unet', { widths: [4, 8], numClasses: 3 });
  const dir = join(root, 'mismatch');
  assert.throws(
    () =>
      saveSegmentationModel(dir, model, {
        model: 'unet',
        options: { widths: [4, 16] },
        numClasses: 3,
        preset: 'xray',
        size: 32,
      }),
    (e: Error) => {
      assert.match(e.message, /does not match the model/);
      assert.match(
        e.message,
        /encoder\.stage1\.0\.conv\.weight: \[8x4x3x3\] in the model, \[16x4x3x3\] in the description/,
      );
      return true;
    },
  );
  assert.throws(
    () =>
      saveSegmentationModel(dir, model, {
        model: 'unet',
        options: { widths: [4, 8] },
        numClasses: 4,
        preset: 'xray',
        size: 32,
      }),
    /head\.weight/,
  );
  assert.equal(existsSync(dir), false);
});

test('invalid descriptions are errors naming the field', () => {
  const model = createModel('unet', { widths: [4, 8], numClasses: 3 });
  const base = {
    model: 'unet' as const,
    options: { widths: [4, 8] },
    numClasses: 3,
    preset: 'xray' as const,
    size: 32,
  };
  assert.throws(
    () => saveSegmentationModel(join(root, 'b1'), model, { ...base, classes: ['a', 'b'] }),
    /classes: 2 names for numClasses 3/,
  );
  assert.throws(() => saveSegmentationModel(join(root, 'b2'), model, { ...base, preset: 'mri' as never }), /preset/);
  assert.throws(
    () => saveSegmentationModel(join(root, 'b3'), model, { ...base, spacing: 1 }),
    /spacing: applies to preset ct-pcl only/,
  );
  assert.throws(
    () => saveSegmentationModel(join(root, 'b4'), model, { ...base, options: { widths: [4, 8], numClasses: 2 } }),
    /options\.numClasses/,
  );
  assert.throws(() => saveSegmentationModel(join(root, 'b5'), model, { ...base, size: 4 }), /size/);
});

test('loading: missing or broken files are errors naming the file', () => {
  assert.throws(() => loadSegmentationModel(join(root, 'nothing-here')), /nothing-here: not found/);
  manualSeed(6);
  const model = createModel('unet', { widths: [4, 8], numClasses: 2 });
  const dir = join(root, 'broken');
  const files = saveSegmentationModel(dir, model, {
    model: 'unet',
    options: { widths: [4, 8] },
    numClasses: 2,
    preset: 'xray',
    size: 16,
  });
  const good = readFileSync(files.json, 'utf8');
  writeFileSync(files.json, '{ not json');
  assert.throws(
    () => loadSegmentationModel(dir),
    (e: Error) => e.message.includes(files.json) && /not valid JSON/.test(e.message),
  );
  writeFileSync(files.json, JSON.stringify({ ...JSON.parse(good), format: 'other' }));
  assert.throws(() => loadSegmentationModel(dir), /format must be "medcl-segmentation-model-1"/);
  writeFileSync(files.json, JSON.stringify({ ...JSON.parse(good), options: { widths: [4, 16] } }));
  assert.throws(
    () => loadSegmentationModel(dir),
    (e: Error) => e.message.includes(files.weights) && /does not fit/.test(e.message),
  );
  writeFileSync(files.json, JSON.stringify({ ...JSON.parse(good), numClasses: 0 }));
  assert.throws(() => loadSegmentationModel(dir), /numClasses/);
  writeFileSync(files.json, good);
  rmSync(files.weights);
  assert.throws(
    () => loadSegmentationModel(dir),
    (e: Error) => e.message.includes(files.weights),
  );
});
