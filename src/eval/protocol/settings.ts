import { z } from 'zod';
import { check } from '../../io/manifest-schema.js';
import type { Fold } from './kfold.js';

/**
 * The two evaluation settings of the papers, as validated data (configs are data, docs/architecture.md):
 *
 * - semi-supervised: pre-train (no labels) and fine-tune on the same data set, k-fold over its patients;
 * - transfer: pre-train (no labels) on data set A, then k-fold fine-tuning and testing on data set B.
 *
 * Pre-training NEVER uses labels, and fine-tuning never sees the test fold's labels. What remains to decide is
 * whether pre-training may see the UNLABELLED images of the test fold (option `pretrainImages`):
 *
 * - 'training-folds' (DEFAULT): pre-training uses only images of the fold's training patients, so the test fold is
 *   unseen at every stage (inductive). It costs one pre-training per fold.
 * - 'all-images': pre-training uses every image of the data set, test folds included (transductive, no labels).
 *   This is the papers' protocol — PCL pre-trains "on the whole CHD and ACDC", CL-TCI on all of BCH-CXR of which the
 *   labelled BCH-CXR-subset is a part — and one pre-training serves all folds. Choose it to reproduce their numbers,
 *   and say so in the report (describeSetting does).
 *
 * The default is the stricter one because the test fold should be used for nothing but testing (docs/protocol.md §5);
 * the difference between the two is itself a result worth reporting.
 *
 * `unlabelledDataset` (semi-supervised only) names a larger unlabelled set holding the same patients (CL-TCI:
 * BCH-CXR around BCH-CXR-subset); with 'training-folds' its images of test-fold patients are left out too, matched
 * by patient id.
 */

const nonEmpty = z.string().min(1);

export const pretrainImagesSchema = z.enum(['training-folds', 'all-images']);
export type PretrainImages = z.infer<typeof pretrainImagesSchema>;

export const semiSupervisedSchema = z.strictObject({
  kind: z.literal('semi-supervised'),
  /** the data set (manifest) that is fine-tuned and tested by k-fold */
  dataset: nonEmpty,
  /** a larger unlabelled manifest with the same patient ids, used for pre-training instead of `dataset` */
  unlabelledDataset: nonEmpty.optional(),
  pretrainImages: pretrainImagesSchema.default('training-folds'),
});

export const transferSchema = z.strictObject({
  kind: z.literal('transfer'),
  /** data set A: pre-training only, all of its images, no labels */
  pretrainDataset: nonEmpty,
  /** data set B: k-fold fine-tuning and testing */
  finetuneDataset: nonEmpty,
});

export const settingSchema = z.discriminatedUnion('kind', [semiSupervisedSchema, transferSchema]);

export type SemiSupervisedSetting = z.infer<typeof semiSupervisedSchema>;
export type TransferSetting = z.infer<typeof transferSchema>;
export type Setting = SemiSupervisedSetting | TransferSetting;
export type SettingInput = z.input<typeof settingSchema>;

/** Validates a setting (defaults filled in); the error lists every problem with its field. */
export function parseSetting(input: unknown, source = 'setting'): Setting {
  const r = check(settingSchema, input);
  if (r.ok) return r.data;
  throw new Error(`${source}: ${r.issues.map((i) => `${i.where || '(root)'}: ${i.message}`).join('; ')}`);
}

/** the data set whose patients are split into folds, fine-tuned and tested */
export function evaluationDataset(setting: Setting): string {
  return setting.kind === 'semi-supervised' ? setting.dataset : setting.finetuneDataset;
}

/** the data set whose images pre-training reads */
export function pretrainDataset(setting: Setting): string {
  return setting.kind === 'semi-supervised' ? (setting.unlabelledDataset ?? setting.dataset) : setting.pretrainDataset;
}

/** true when one pre-training serves every fold (transfer, or semi-supervised with 'all-images') */
export function pretrainSharedAcrossFolds(setting: Setting): boolean {
  return setting.kind === 'transfer' || setting.pretrainImages === 'all-images';
}

/**
 * Which patients' images pre-training may read for `fold` (null for transfer: pre-training is on another data set
 * and not tied to the fold). Semi-supervised: every patient for 'all-images'; else all but the fold's test patients
 * (patients that are in no fold, e.g. unlabelled-only patients of `unlabelledDataset`, are allowed).
 */
export function pretrainPatientFilter(setting: Setting, fold: Fold): ((patient: string) => boolean) | null {
  if (setting.kind === 'transfer') return null;
  if (setting.pretrainImages === 'all-images') return () => true;
  const test = new Set(fold.test);
  return (patient) => !test.has(patient);
}

/** one sentence for reports, saying what pre-training saw */
export function describeSetting(setting: Setting): string {
  if (setting.kind === 'transfer') {
    return (
      `Transfer: pre-trained without labels on ${setting.pretrainDataset}; ` +
      `fine-tuned and tested by k-fold cross-validation on ${setting.finetuneDataset}.`
    );
  }
  const pre = setting.unlabelledDataset ?? setting.dataset;
  const seen =
    setting.pretrainImages === 'all-images'
      ? 'all images, including the unlabelled images of the test folds (the papers\u2019 protocol)'
      : 'only the images of each fold\u2019s training patients (test folds unseen)';
  return (
    `Semi-supervised: pre-trained without labels on ${pre} using ${seen}; ` +
    `fine-tuned and tested by k-fold cross-validation on ${setting.dataset}.`
  );
}
