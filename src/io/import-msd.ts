/**
 * A Medical Segmentation Decathlon task folder as a medcl manifest:
 *
 * ```
 * Task09_Spleen/
 *   dataset.json  { "name": "Spleen", "modality": {"0": "CT"}, "labels": {"0": "background", "1": "spleen"},
 *                   "training": [{"image": "./imagesTr/spleen_2.nii.gz", "label": "./labelsTr/spleen_2.nii.gz"}],
 *                   "test": ["./imagesTs/spleen_1.nii.gz"] }
 * ```
 *
 * Each `training` entry becomes an item with its label, each `test` path an item without label; paths are relative
 * to the task folder. Patient id = case id = the image's file name without extension (the Decathlon does not record
 * patients). Classes in id order. Refused, with the field: several modalities (4D multi-channel images such as
 * BrainTumour or Prostate), label ids that are not 0..K-1, files that do not exist, a case listed twice.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  classesFromIds,
  DatasetImportError,
  kindOfFile,
  manifestPath,
  readDatasetJson,
  type ImportedItem,
  type ImportResult,
} from './import-common.js';

const datasetSchema = z.looseObject({
  name: z.string().optional(),
  modality: z.record(z.string(), z.string()).optional(),
  labels: z.record(z.string(), z.string()),
  numTraining: z.number().int().min(0).optional(),
  training: z.array(z.strictObject({ image: z.string().min(1), label: z.string().min(1) })),
  test: z.array(z.string().min(1)).default([]),
});

const LAYOUT = 'a Decathlon task folder holds dataset.json, imagesTr/, labelsTr/ and imagesTs/';
const IMAGE_EXT = /\.(nii\.gz|nii|mha|mhd|nrrd|nhdr|png|jpe?g)$/i;

interface Context {
  dir: string;
  file: string;
  manifestDir: string | undefined;
  problems: string[];
  cases: Map<string, string>;
}

/** the absolute path of a dataset.json path, checked to exist */
function existing(ctx: Context, rel: string, field: string): string {
  const p = path.resolve(ctx.dir, rel);
  if (!existsSync(p)) ctx.problems.push(`${ctx.file}: ${field}: file not found: ${p}`);
  return p;
}

function item(ctx: Context, image: string, field: string, split: 'train' | 'test', label?: string): ImportedItem {
  const abs = existing(ctx, image, `${field}${label !== undefined ? '.image' : ''}`);
  const c = path.basename(abs).replace(IMAGE_EXT, '');
  const prev = ctx.cases.get(c);
  if (prev !== undefined) ctx.problems.push(`${ctx.file}: ${field}: case "${c}" is also ${prev}`);
  else ctx.cases.set(c, field);
  const it: ImportedItem = {
    image: manifestPath(abs, ctx.manifestDir),
    patient: c,
    kind: kindOfFile(abs, `${ctx.file}: ${field}`, ctx.problems),
    meta: { case: c, split },
  };
  if (label !== undefined) it.label = manifestPath(existing(ctx, label, `${field}.label`), ctx.manifestDir);
  return it;
}

/** `manifestDir`: the folder the manifest will be written to (paths relative to it), else absolute paths */
export function importMsd(dir: string, manifestDir?: string): ImportResult {
  const d = readDatasetJson(dir, datasetSchema, LAYOUT);
  const file = path.join(dir, 'dataset.json');
  const ctx: Context = { dir, file, manifestDir, problems: [], cases: new Map() };
  const modalities = Object.values(d.modality ?? {});
  if (modalities.length > 1)
    ctx.problems.push(
      `${file}: modality: ${modalities.length} modalities (${modalities.join(', ')}): the images are multi-channel ` +
        '(4D); medcl takes single-channel images',
    );
  const pairs: [string, number][] = [];
  for (const [id, name] of Object.entries(d.labels)) {
    if (/^\d+$/.test(id)) pairs.push([name, Number(id)]);
    else ctx.problems.push(`${file}: labels.${id}: the keys of labels are label ids (0, 1, ...), the values names`);
  }
  const classes = classesFromIds(pairs, `${file}: labels`, ctx.problems);
  if (d.training.length === 0) ctx.problems.push(`${file}: training: no case`);
  const train = d.training.map((t, i) => item(ctx, t.image, `training[${i}]`, 'train', t.label));
  const test = d.test.map((t, i) => item(ctx, t, `test[${i}]`, 'test'));
  if (ctx.problems.length > 0) throw new DatasetImportError(dir, ctx.problems);
  const notes = ['patient id = case id, the image file name (the Decathlon does not record patients)'];
  if (d.numTraining !== undefined && d.numTraining !== train.length)
    notes.push(`dataset.json says numTraining ${d.numTraining}, training lists ${train.length} cases`);
  return {
    manifest: { version: 1, name: d.name ?? path.basename(path.resolve(dir)), classes, items: [...train, ...test] },
    training: train.length,
    test: test.length,
    notes,
  };
}
