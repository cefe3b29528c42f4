/**
 * Importing a public dataset layout as a medcl manifest (`medcl data import`): an nnU-Net v2 raw dataset folder
 * (import-nnunet.ts) or a Medical Segmentation Decathlon task folder (import-msd.ts). The manifest is written with
 * paths relative to its own folder and then loaded back with loadManifest, so what is written is a valid manifest
 * whose files exist.
 *
 * ```ts
 * const r = await importDataset({ format: 'nnunet', dir: 'nnUNet_raw/Dataset004_Hippocampus', out: 'hippo.json' });
 * ```
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';
import { loadManifest, type Manifest } from './manifest.js';
import { importNnunet } from './import-nnunet.js';
import { importMsd } from './import-msd.js';
import type { ImportResult } from './import-common.js';

export { DatasetImportError, type ImportResult, type ImportedManifest } from './import-common.js';

export const IMPORT_FORMATS = ['nnunet', 'msd'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportDatasetOptions {
  format: ImportFormat;
  /** the dataset folder (the one holding dataset.json) */
  dir: string;
  /** the manifest file to write (.json) */
  out: string;
}

export interface ImportDatasetResult extends ImportResult {
  /** absolute path of the written manifest */
  file: string;
  /** the written manifest, loaded back */
  loaded: Manifest;
}

/** The manifest of a dataset folder (no file written); paths relative to `manifestDir`, or absolute. */
export function datasetManifest(format: ImportFormat, dir: string, manifestDir?: string): ImportResult {
  return format === 'nnunet' ? importNnunet(dir, manifestDir) : importMsd(dir, manifestDir);
}

export async function importDataset(o: ImportDatasetOptions): Promise<ImportDatasetResult> {
  const file = path.resolve(o.out);
  const r = datasetManifest(o.format, o.dir, path.dirname(file));
  ensureDir(path.dirname(file));
  writeFileSync(file, JSON.stringify(r.manifest, null, 2) + '\n');
  const loaded = await loadManifest(file);
  return { ...r, file, loaded };
}
