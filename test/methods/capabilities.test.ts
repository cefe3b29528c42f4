/**
 * What a method can do is a field of its definition, never read off its name: the encoder it pre-trains (run loading
 * and fine-tuning rebuild the same), the backbones it accepts, its paper's fine-tuning recipe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, tidy } from '../../src/engine/index.js';
import { SLICE_METHODS as METHODS, getSliceMethod as getMethod, isPolyclMethod } from '../../src/methods/registry.js';
import { methodEncoder } from '../../src/methods/common.js';
import { FINETUNE_RECIPES } from '../../src/train/finetune-recipes.js';
import { phantomDataset, presetOf, tinyConfig } from './fixtures.js';

/** parameter and buffer names with their shapes */
function layout(m: { stateDict(): Map<string, { shape: readonly number[] }> }): string[] {
  return [...m.stateDict()].map(([k, t]) => `${k}:${t.shape.join('x')}`).sort();
}

test('every method states its encoder, backbones and recipe; PolyCL alone pre-trains its own U-Net', () => {
  for (const m of METHODS) {
    assert.ok(m.encoder === 'backbone' || m.encoder === 'polycl-unet', m.name);
    assert.ok(m.backbones.length > 0 && m.backbones.every((b) => b === 'unet' || b === 'deeplabv3plus'), m.name);
    assert.ok(m.finetuneRecipe in FINETUNE_RECIPES, m.name);
    assert.equal(isPolyclMethod(m.name), m.encoder === 'polycl-unet', m.name);
  }
  assert.deepEqual(
    METHODS.filter((m) => m.encoder === 'polycl-unet').map((m) => m.name),
    ['polycl-s', 'polycl-o'],
  );
  assert.equal(isPolyclMethod('random'), false);
  assert.equal(getMethod('pcl').finetuneRecipe, 'pcl');
  assert.equal(getMethod('polycl-o').finetuneRecipe, 'polycl');
  assert.equal(getMethod('simclr').finetuneRecipe, 'cltci');
});

test('methodEncoder builds the encoder each method trains (same parameter names and shapes)', async () => {
  for (const m of METHODS) {
    const cfg = tinyConfig(m.name);
    const ds = await phantomDataset(presetOf(m.name), 32, m.name === 'polycl-o' ? 4 : undefined);
    manualSeed(0);
    const trained = tidy(() => m.create({ dataset: ds, config: cfg }).modules['encoder']!);
    const rebuilt = methodEncoder(m, cfg);
    assert.deepEqual(layout(rebuilt), layout(trained), m.name);
  }
});

test('a backbone outside the definition is refused, naming the method and the field', () => {
  const polycl = getMethod('polycl-s');
  assert.throws(
    () => methodEncoder(polycl, tinyConfig('polycl-s', { backbone: 'deeplabv3plus' })),
    /polycl-s: backbone 'deeplabv3plus' is not supported \(it pre-trains PolyCL's U-Net encoder\)/,
  );
  const unetOnly = { ...getMethod('simclr'), name: 'x', backbones: ['unet'] as const };
  assert.throws(() => methodEncoder(unetOnly, tinyConfig('simclr', { backbone: 'deeplabv3plus' })), /x: backbone/);
});
