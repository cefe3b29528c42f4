/**
 * The tiny DrasCLR set-ups of the tests: the pre-training run of the loop tests (pretrain-drasclr.test.ts) and of its
 * 2-rank test, and the tiny lung CT phantoms with light settings of the evaluation and ablation tests (test/experiment/).
 */
import path from 'node:path';
import { writePhantoms } from '../../src/phantoms/write.js';
import { smallChest, writeChestSet } from '../preprocess/chest-volumes.js';

/**
 * Four small scans (a1..d4 of `patients`, default pa, pb, pc, pa) written under `dir`, and the tiny DrasCLR
 * pre-training settings of the loop tests (32³ patches, 4 landmarks, K = 8, batch 2, ℓ = 2, a light 3-layer encoder).
 */
export async function tinyDrasclrInput(dir: string, patients = ['pa', 'pb', 'pc', 'pa']) {
  const data = await writeChestSet(dir, [
    { id: 'a1', patient: patients[0]!, spec: smallChest() },
    { id: 'b2', patient: patients[1]!, spec: smallChest([1.06, 0.96, 1.04], [2, -1, 2]) },
    { id: 'c3', patient: patients[2]!, spec: smallChest([0.96, 1.04, 0.97], [-2, 1, -1]) },
    { id: 'd4', patient: patients[3]!, spec: smallChest([1.03, 1.0, 0.95], [1, 1, -2]) },
  ]);
  return {
    data,
    cacheDir: path.join(dir, 'cache'),
    epochs: 2,
    batchSize: 2,
    queueSize: 8,
    neighbours: 2,
    seed: 5,
    layers: [
      { out: 8, stride: 2 },
      { out: 16, stride: 2 },
      { out: 32, stride: 2 },
    ],
    headHidden: 32,
    projectionDim: 32,
  };
}

/**
 * Tiny lung CT phantoms (`subjects` of them, drawn with `seed`) written under dir/data, for the DrasCLR evaluation and
 * ablation tests; returns their manifest.
 */
export async function writeTinyLungCt(dir: string, seed: number, subjects: number): Promise<string> {
  await writePhantoms({ out: path.join(dir, 'data'), seed, kinds: ['lungct'], sizes: 'small', lungct: { subjects } });
  return path.join(dir, 'data', 'lungct', 'manifest.json');
}

/**
 * The light DrasCLR pre-training settings of the evaluation and ablation tests on tiny lung CT (`spacing` mm, 8³
 * patches every 6 voxels, one epoch, batch 4, K = 8, a 2-layer encoder, one registration resolution).
 */
export function tinyLungCtPretrain(spacing: number) {
  return {
    spacing,
    patchSize: 8,
    step: 6,
    epochs: 1,
    batchSize: 4,
    queueSize: 8,
    minDice: 0.5,
    layers: [
      { out: 4, stride: 2 },
      { out: 8, stride: 2 },
    ],
    headHidden: 8,
    projectionDim: 8,
    registrationResolutions: 1,
    precision: 'fp32' as const,
  };
}
