/**
 * What the dataset importers (import-nnunet.ts, import-msd.ts) share: the manifest they produce, reading
 * dataset.json, collecting every problem (each naming its file and field) into one error, class lists from label
 * ids, and paths written relative to the manifest's folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { formatOfPath } from './read.js';
import { issueLines } from '../util/parse-config.js';

export interface ImportedItem {
  image: string;
  label?: string;
  patient: string;
  kind: '2d' | '3d';
  meta: { case: string; split: 'train' | 'test' };
}

/** a manifest (docs/manifest.md) as JSON */
export interface ImportedManifest {
  version: 1;
  name: string;
  classes: string[];
  items: ImportedItem[];
}

export interface ImportResult {
  manifest: ImportedManifest;
  /** labelled training cases and unlabelled test images */
  training: number;
  test: number;
  /** facts the user should know (patient ids, counts that differ from dataset.json), one line each */
  notes: string[];
}

/** Every problem of an import, one line each (`<file>: <field>: <message>`). */
export class DatasetImportError extends Error {
  constructor(
    readonly dir: string,
    readonly problems: string[],
  ) {
    super(
      problems.length === 1
        ? `data import: ${problems[0]}`
        : `data import: ${dir}: ${problems.length} problems:\n  ${problems.join('\n  ')}`,
    );
    this.name = 'DatasetImportError';
  }
}

/** dataset.json of `dir`, parsed with `schema` (problems name dataset.json and the field), or an error */
export function readDatasetJson<S extends z.ZodType>(dir: string, schema: S, layout: string): z.output<S> {
  const file = path.join(dir, 'dataset.json');
  if (!existsSync(file)) throw new DatasetImportError(dir, [`${file}: not found (${layout})`]);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DatasetImportError(dir, [`${file}: not valid JSON: ${(e as Error).message}`]);
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const problems = issueLines(r.error.issues).map((l) => `${file}: ${l}`);
  throw new DatasetImportError(dir, problems);
}

/**
 * Class names in id order from (name, id) pairs; ids must be 0..K-1 without gaps or repeats (a manifest's class id is
 * its index), with 0 the background. Problems are pushed with `where` (e.g. "dataset.json: labels").
 */
export function classesFromIds(pairs: [string, number][], where: string, problems: string[]): string[] {
  const byId = new Map<number, string>();
  for (const [name, id] of pairs) {
    const prev = byId.get(id);
    if (prev !== undefined) problems.push(`${where}: "${prev}" and "${name}" share label id ${id}`);
    else byId.set(id, name);
  }
  const ids = [...byId.keys()].sort((a, b) => a - b);
  if (ids.length === 0) problems.push(`${where}: no label`);
  else if (ids[0] !== 0) problems.push(`${where}: no label with id 0 (the background)`);
  else if (ids.some((id, i) => id !== i))
    problems.push(`${where}: label ids must be 0..${ids.length - 1} without gaps, got ${ids.join(', ')}`);
  return ids.map((id) => byId.get(id)!);
}

/** '2d' for PNG/JPEG, '3d' for volume formats; an error for a format medcl does not read */
export function kindOfFile(file: string, where: string, problems: string[]): '2d' | '3d' {
  const f = formatOfPath(file);
  if (f === undefined || f === 'dicom')
    problems.push(`${where}: ${path.basename(file)}: medcl reads .nii/.nii.gz, .mha/.mhd, .nrrd/.nhdr, .png/.jpg`);
  return f === 'png' ? '2d' : '3d';
}

/** `file` as the manifest writes it: relative to the manifest's folder (forward slashes), or absolute without one */
export function manifestPath(file: string, manifestDir: string | undefined): string {
  if (manifestDir === undefined) return path.resolve(file);
  return path.relative(manifestDir, path.resolve(file)).split(path.sep).join('/');
}
