import { PatientGroupedSampler } from '../samplers/patient-grouped.js';
import { samePatientRelation } from '../relations/index.js';
import type { SliceMethodDefinition } from './method.js';
import { multiPositiveRun } from './multi-positive.js';

/**
 * CL-TCI-SimCLR (Zeng et al. 2021; docs/methods.md §2.3): images of the same patient (at any time) are positives; the
 * sampler puts `imagesPerPatient` images of each of batch/imagesPerPatient patients in every batch so positives exist
 * in-batch. Patients with fewer images than that are kept ('keep': their distinct images only, so that batch is smaller
 * and no image appears twice in a batch): a single-image patient's only positive is its other augmented view, as in
 * SimCLR, and the paper's BCH-CXR has patients with "1 to 120 images" (§IV-A).
 */
export const cltciSimclr: SliceMethodDefinition = {
  name: 'cltci-simclr',
  encoder: 'backbone',
  backbones: ['unet', 'deeplabv3plus'],
  finetuneRecipe: 'cltci',
  summary: 'images of the same patient over time',
  paper:
    'CL-TCI: Zeng, Kheir, Zeng & Shi, "Contrastive Learning with Temporal Correlated Medical Images: A Case Study ' +
    'using Lung Segmentation in Chest X-Rays", 2021 (arXiv:2109.03233)',
  defaults: {
    batchSize: 32,
    lr: 0.1,
    tau: 0.1,
    weightDecay: 1e-5,
    warmupEpochs: 10,
    imagesPerPatient: 2,
    augment: 'cltci',
  },
  create(ctx) {
    const { config: cfg, dataset: ds } = ctx;
    const k = cfg.imagesPerPatient;
    if (cfg.batchSize % k !== 0) {
      throw new Error(`cltci-simclr: batchSize ${cfg.batchSize} is not a multiple of imagesPerPatient ${k}`);
    }
    const sampler = new PatientGroupedSampler({
      patients: ds.samples.map((s) => s.patient),
      patientsPerBatch: cfg.batchSize / k,
      imagesPerPatient: k,
      seed: cfg.seed,
      fewerThanK: 'keep',
    });
    return multiPositiveRun(ctx, sampler, (meta) => samePatientRelation(meta));
  },
};
