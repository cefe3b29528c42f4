/**
 * An nnU-Net v2 raw dataset folder as a medcl manifest:
 *
 * ```
 * Dataset004_Hippocampus/
 *   dataset.json   { "channel_names": {"0": "MRI"}, "labels": {"background": 0, "anterior": 1, "posterior": 2},
 *                    "numTraining": 260, "file_ending": ".nii.gz" }
 *   imagesTr/hippocampus_001_0000.nii.gz ...   labelsTr/hippocampus_001.nii.gz ...   [imagesTs/..._0000.nii.gz]
 * ```
 *
 * Each training case `<case>_0000<file_ending>` becomes an item with its label `labelsTr/<case><file_ending>`; each
 * test image an item without label. Patient id = case id (nnU-Net does not record patients; cases of one patient
 * must be grouped by hand if they exist). Classes in id order. Refused, with the file and field: several channels
 * (channel_names, or `_0001` files), region-based labels (a list of ids), the `ignore` label, label ids with gaps, a
 * training image without its label or a label without its image.
 */
import { existsSync, readdirSync } from 'node:fs';
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
  channel_names: z.record(z.string(), z.string()),
  labels: z.record(
    z.string(),
    z.union([z.number().int().min(0), z.array(z.number().int().min(0))], {
      error: 'expected a label id (an integer >= 0) or a list of ids',
    }),
  ),
  numTraining: z.number().int().min(0).optional(),
  file_ending: z.string().regex(/^\./, 'expected an extension starting with "." (e.g. ".nii.gz")'),
});

const LAYOUT = 'an nnU-Net raw dataset folder holds dataset.json, imagesTr/ and labelsTr/';

function classesOf(labels: Record<string, number | number[]>, file: string, problems: string[]): string[] {
  const pairs: [string, number][] = [];
  for (const [name, id] of Object.entries(labels)) {
    if (Array.isArray(id))
      problems.push(`${file}: labels.${name}: region-based labels (a list of ids) are not supported`);
    else if (name === 'ignore')
      problems.push(`${file}: labels.ignore: nnU-Net's ignore label is not supported by medcl`);
    else pairs.push([name, id]);
  }
  return classesFromIds(pairs, `${file}: labels`, problems);
}

/** case id → channel file names of `folder` (files `<case>_<4 digits><ending>`) */
function casesIn(folder: string, ending: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!existsSync(folder)) return out;
  const re = new RegExp(`^(.+)_(\\d{4})${ending.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  for (const f of readdirSync(folder).sort()) {
    const m = re.exec(f);
    if (!m) continue;
    if (!out.has(m[1]!)) out.set(m[1]!, []);
    out.get(m[1]!)!.push(m[2]!);
  }
  return out;
}

interface Part {
  folder: string;
  split: 'train' | 'test';
}

function itemsOf(dir: string, part: Part, ending: string, manifestDir: string | undefined, problems: string[]) {
  const items: ImportedItem[] = [];
  const folder = path.join(dir, part.split === 'train' ? 'imagesTr' : 'imagesTs');
  for (const [c, channels] of casesIn(folder, ending)) {
    const image = path.join(folder, `${c}_0000${ending}`);
    if (channels.length > 1 || channels[0] !== '0000') {
      problems.push(`${image}: case "${c}" has channels ${channels.join(', ')}: medcl takes single-channel images`);
      continue;
    }
    const kind = kindOfFile(image, `${folder}`, problems);
    const item: ImportedItem = {
      image: manifestPath(image, manifestDir),
      patient: c,
      kind,
      meta: { case: c, split: part.split },
    };
    if (part.split === 'train') {
      const label = path.join(dir, 'labelsTr', `${c}${ending}`);
      if (!existsSync(label)) problems.push(`${label}: not found (the label of training image ${image})`);
      item.label = manifestPath(label, manifestDir);
    }
    items.push(item);
  }
  return items;
}

/** labelsTr files without an image in imagesTr */
function orphanLabels(dir: string, ending: string, cases: Set<string>): string[] {
  const folder = path.join(dir, 'labelsTr');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith(ending) && !f.startsWith('.') && !cases.has(f.slice(0, -ending.length)))
    .map((f) => path.join(folder, f));
}

/** `manifestDir`: the folder the manifest will be written to (paths relative to it), else absolute paths */
export function importNnunet(dir: string, manifestDir?: string): ImportResult {
  const d = readDatasetJson(dir, datasetSchema, LAYOUT);
  const file = path.join(dir, 'dataset.json');
  const problems: string[] = [];
  const channels = Object.values(d.channel_names);
  if (channels.length !== 1)
    problems.push(
      `${file}: channel_names: ${channels.length} channels (${channels.join(', ')}): medcl takes single-channel images`,
    );
  const classes = classesOf(d.labels, file, problems);
  if (!existsSync(path.join(dir, 'imagesTr'))) problems.push(`${path.join(dir, 'imagesTr')}: not found (${LAYOUT})`);
  const train = itemsOf(dir, { folder: 'imagesTr', split: 'train' }, d.file_ending, manifestDir, problems);
  const test = itemsOf(dir, { folder: 'imagesTs', split: 'test' }, d.file_ending, manifestDir, problems);
  for (const l of orphanLabels(dir, d.file_ending, new Set(train.map((i) => i.patient))))
    problems.push(
      `${l}: a label without its image ${path.basename(l).slice(0, -d.file_ending.length)}_0000${d.file_ending} in imagesTr`,
    );
  if (problems.length === 0 && train.length === 0)
    problems.push(`${path.join(dir, 'imagesTr')}: no image named <case>_0000${d.file_ending}`);
  if (problems.length > 0) throw new DatasetImportError(dir, problems);
  const notes = ['patient id = case id (nnU-Net datasets do not record patients)'];
  if (d.numTraining !== undefined && d.numTraining !== train.length)
    notes.push(`dataset.json says numTraining ${d.numTraining}, imagesTr holds ${train.length} cases`);
  return {
    manifest: { version: 1, name: d.name ?? path.basename(path.resolve(dir)), classes, items: [...train, ...test] },
    training: train.length,
    test: test.length,
    notes,
  };
}
