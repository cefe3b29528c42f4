/**
 * The two small experiments of `medcl demo` (demo.ts): Random vs SimCLR vs CL-TCI-SimCLR on the chest X-ray phantoms
 * and Random vs PCL on the CT phantoms, at the demo's scale (64×64 images, a 4-stage U-Net 16..128, tens of epochs)
 * or the tiny one of the tests.
 */
import path from 'node:path';
import type { ExperimentInput } from './config.js';

/** the settings both experiments share: folds, outputs and the fine-tuning */
function commonSettings(kind: 'xray' | 'ct', out: string, seed: number, tiny: boolean) {
  const encoder = tiny ? { widths: [4, 8] } : { widths: [16, 32, 64, 128] };
  return {
    encoder,
    common: {
      out: path.join(out, kind),
      size: tiny ? 32 : 64,
      folds: 3,
      seed,
      overlays: 3,
      tsne: true,
      // every image of the data set, unlabelled, pre-trains once for all folds (PCL: "the whole CHD"): a third of the
      // pre-training time of per-fold runs
      pretrainImages: 'all-images',
      // 20 epochs of at least 4 steps: 80 steps at M = 2, 160 with every label (the X-ray lungs are learned by then)
      finetune: {
        epochs: tiny ? 2 : 20,
        minStepsPerEpoch: tiny ? 1 : 4,
        batchSize: 10,
        lr: 1e-3,
        loss: 'dice-ce',
        encoder,
      },
    },
  };
}

/** the demo's experiment on the `kind` phantoms under dataDir, writing into out/<kind> */
export function demoExperiment(
  kind: 'xray' | 'ct',
  dataDir: string,
  out: string,
  seed: number,
  tiny: boolean,
): ExperimentInput {
  const { encoder, common } = commonSettings(kind, out, seed, tiny);
  if (kind === 'xray') {
    return {
      ...common,
      name: 'chest X-ray phantoms (lungs)',
      data: path.join(dataDir, 'xray', 'manifest.json'),
      preset: 'xray',
      methods: ['random', 'simclr', 'cltci-simclr'],
      budgets: [2, 'all'],
      // the demo counts labelled patients (CL-TCI itself counts images, the X-ray default)
      budgetUnit: 'patient',
      pretrain: {
        epochs: tiny ? 1 : 30,
        batchSize: tiny ? 8 : 16,
        lr: 0.1,
        warmupEpochs: tiny ? 0 : 3,
        encoder,
        imagesPerPatient: tiny ? 2 : 4,
      },
    } as ExperimentInput;
  }
  return {
    ...common,
    name: 'CT phantoms (abdominal organs)',
    data: path.join(dataDir, 'ct', 'manifest.json'),
    preset: 'ct-pcl',
    // SimCLR, the generic baseline, is shown on the X-rays; here only PCL against Random, to keep the demo in minutes
    methods: ['random', 'pcl'],
    budgets: [1, 'all'],
    pretrain: { epochs: tiny ? 1 : 6, batchSize: tiny ? 8 : 32, lr: 0.1, warmupEpochs: 0, encoder },
    // PCL's fine-tuning (its augmentation at full strength: translation, rotation, scale; Dice + CE; batch 5; the
    // fidelity bench uses strength 0.1 at 96 px) with a fixed number of steps whatever M is (an epoch of one volume
    // is 13 steps), far fewer than the bench's
    finetune: {
      ...common.finetune,
      batchSize: tiny ? 4 : 5,
      augment: 'pcl',
      epochs: tiny ? 2 : 6,
      minStepsPerEpoch: tiny ? 1 : 50,
    },
  } as ExperimentInput;
}
