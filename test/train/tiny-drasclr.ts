/** The tiny DrasCLR pre-training run of the loop tests (pretrain-drasclr.test.ts) and of its 2-rank test. */
import path from 'node:path';
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
